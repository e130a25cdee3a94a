"""Git: global options, config that runs programs, and the destructive subcommands.

Options are read as git's parse-options reads them (`scc_guard.gitoptions`).
"""

from __future__ import annotations

from scc_guard import gitoptions as options
from scc_guard import network
from scc_guard.gitoptions import Options, read_options
from scc_guard.scope import DYN, Scope

# Global options (git.c reads these itself: no abbreviations).
_GLOBAL_VALUE = frozenset(
    {
        "-C",
        "-c",
        "--git-dir",
        "--work-tree",
        "--namespace",
        "--config-env",
        "--super-prefix",
        "--attr-source",
        "--list-cmds",
    }
)
_GLOBAL_FLAGS = frozenset(
    {
        "--no-pager",
        "-p",
        "--paginate",
        "-P",
        "--bare",
        "--no-replace-objects",
        "--literal-pathspecs",
        "--glob-pathspecs",
        "--noglob-pathspecs",
        "--icase-pathspecs",
        "--no-optional-locks",
        "--no-advice",
        "--no-lazy-fetch",
        "--html-path",
        "--man-path",
        "--info-path",
        "--exec-path",
    }
)
_GLOBAL_EXITS = frozenset({"--version", "-v", "--help", "-h"})

# Config whose value git runs as a program or shell code.
_EXEC_KEYS = frozenset(
    {
        "core.pager",
        "core.editor",
        "core.sshcommand",
        "core.fsmonitor",
        "core.askpass",
        "core.gitproxy",
        "core.alternaterefscommand",
        "core.hookspath",
        "sequence.editor",
        "diff.external",
        "gpg.program",
        "credential.helper",
        "interactive.difffilter",
        "uploadpack.packobjectshook",
        "web.browser",
        "sendemail.smtpserver",
        "sendemail.tocmd",
        "sendemail.cccmd",
        "sendemail.aliasfiletype",
        "include.path",
        "protocol.allow",
        "receive.procreceiverefs",
        "ssh.variant",
    }
)
_EXEC_SUFFIXES = (
    ".command",
    ".textconv",
    ".driver",
    ".clean",
    ".smudge",
    ".process",
    ".cmd",
    ".program",
    ".helper",
    ".path",
    ".receivepack",
    ".uploadpack",
    ".proxy",
    ".insteadof",
    ".pushinsteadof",
    ".defaultkeycommand",
    ".extcmd",
)
_EXEC_PREFIXES = ("pager.", "alias.", "includeif.", "hook.")
_FILE_KEYS = frozenset({"include.path", "core.hookspath"})
_NO_HOOKS = frozenset({"/dev/null", ""})
_EXEC_ENV = frozenset(
    {
        "GIT_PAGER",
        "GIT_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_ASKPASS",
        "GIT_EXTERNAL_DIFF",
        "GIT_PROXY_COMMAND",
        "PAGER",
        "EDITOR",
        "VISUAL",
        "PROMPT_COMMAND",
    }
)
_UNVERIFIABLE_ENV = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG",
        "GIT_TEMPLATE_DIR",
        "GIT_ALLOW_PROTOCOL",
    }
)


def judge_git(argv: list[str], scope: Scope) -> None:
    """Judge `git ...` (argv[0] is git)."""
    index = 1
    configs: list[str] = []
    while index < len(argv):
        arg = argv[index]
        if arg.startswith(DYN):
            scope.unverifiable("a git global option is computed at run time")
        if not arg.startswith("-"):
            break
        name, equals, value = arg.partition("=")
        if arg in _GLOBAL_EXITS:
            return
        if name in _GLOBAL_VALUE:
            if not equals:
                index += 1
                value = argv[index] if index < len(argv) else ""
            if name == "-c":
                configs.append(value)
            elif name == "--config-env":
                scope.unverifiable("git --config-env reads config from the environment")
        elif name == "--exec-path" and equals:
            scope.unverifiable("git --exec-path= runs helpers from another directory")
        elif arg not in _GLOBAL_FLAGS and not (name.startswith("-c") and len(name) > 2):
            scope.unverifiable(f"unknown git global option {arg}")
        elif name.startswith("-c") and len(name) > 2:
            configs.append(arg[2:])
        index += 1
    for setting in configs:
        key, _, value = setting.partition("=")
        judge_config(key, value, scope)
    if index >= len(argv):
        return
    sub, args = argv[index], argv[index + 1 :]
    if DYN in sub:
        scope.unverifiable("the git subcommand is computed at run time")
    if args[:1] == ["--help"]:
        return
    scope.show(f"git {sub}")
    alias = _alias_of(sub, configs)
    if alias is not None:
        _judge_alias(alias, args, scope, configs)
        return
    if sub not in BUILTINS:
        scope.unverifiable(
            f"git {sub} is not a git command: it may be an alias from config"
        )
    if sub in _TRANSPORTS:
        _judge_transport(sub, args, scope)
        network.judge_hosts("git", _repository_hosts(args, scope), scope)
    handler = _SUBCOMMANDS.get(sub)
    if handler is not None:
        known = len(scope.unsure)
        handler(args, scope, configs)
        if len(scope.unsure) > known:
            scope.unverifiable(scope.unsure.pop())


def _alias_of(sub: str, configs: list[str]) -> str | None:
    """The alias `sub` names in `-c` settings (git's own commands win)."""
    if sub in BUILTINS:
        return None
    found = None
    for setting in configs:
        key, _, value = setting.partition("=")
        if key.lower() == f"alias.{sub.lower()}":
            found = value
    return found


def _judge_alias(value: str, args: list[str], scope: Scope, configs: list[str]) -> None:
    """An alias used with arguments: judge what git will really run.

    The `-c` settings stay in force, so an alias may name another one.
    """
    if value.startswith("!"):
        quoted = " ".join("'" + arg.replace("'", "'\\''") + "'" for arg in args)
        _judge_shell(f"{value[1:]} {quoted}", scope)
        return
    from scc_guard.shell import split_words

    settings = [f"-c{setting}" for setting in configs]
    words = split_words(value, scope)
    judge_git(["git", *settings, *words, *args], scope.deeper())


_TRANSPORTS = frozenset(
    {
        "clone",
        "fetch",
        "pull",
        "push",
        "ls-remote",
        "send-pack",
        "fetch-pack",
        "archive",
        "submodule",
        "remote",
    }
)
_TRANSPORT_PROGRAMS = ("upload-pack", "receive-pack", "exec")


def _judge_transport(sub: str, args: list[str], scope: Scope) -> None:
    """--upload-pack, --receive-pack, --exec (and clone -u) name programs
    that run through the shell; ext:: URLs run commands."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg.startswith("ext::"):
            scope.unverifiable(f"{arg!r}: the ext:: transport runs a command")
        name, equals, value = arg.partition("=")
        runs = (
            name.startswith("--")
            and len(name) > 4
            and any(program.startswith(name[2:]) for program in _TRANSPORT_PROGRAMS)
        )
        if sub == "clone" and arg.startswith("-u") and not arg.startswith("--"):
            runs, equals, value = True, "=" if arg[2:] else "", arg[2:]
        if runs:
            _judge_shell(value if equals else _next(args, index), scope)


def _repository_hosts(args: list[str], scope: Scope) -> list[str]:
    """The hosts of the repositories a transport command names as URLs
    (`https://host/...`, `ssh://...`, `user@host:path`); a remote's name or
    a local path names none (its URL is in config, judged when set)."""
    hosts = []
    for arg in args:
        value = arg.partition("=")[2] if arg.startswith("-") else arg
        if value.startswith(DYN):
            continue  # an unknown argument is judged as such elsewhere
        scheme, sep, _ = value.partition("://")
        if sep and scheme.lower() == "file":
            continue
        if not sep and "@" not in value.partition(":")[0]:
            continue  # a remote's name, a local path or a refspec (main:main)
        host = network.remote_operand(value, scope)
        if host is not None:
            hosts.append(host)
    return hosts


def _next(args: list[str], index: int) -> str:
    return args[index + 1] if index + 1 < len(args) else ""


def judge_config(key: str, value: str, scope: Scope) -> None:
    """A config setting given for one command or written with `git config`."""
    lowered = key.lower()
    if DYN in key:
        scope.unverifiable("a git config key is computed at run time")
    if lowered.startswith("alias."):
        if value.startswith("!"):
            _judge_shell(value[1:], scope)
        else:
            from scc_guard.shell import split_words

            judge_git(["git", *split_words(value, scope)], scope)
        return
    if lowered in {"protocol.allow", "protocol.ext.allow"} and value != "never":
        scope.unverifiable(f"git config {key} lets ext:: URLs run commands")
    if lowered == "core.hookspath" and value in _NO_HOOKS:
        return  # hooks switched off: agents set this to run git safely
    if lowered in _FILE_KEYS or lowered.startswith("includeif."):
        scope.unverifiable(f"git config {key} makes git read or run other files")
    if (
        lowered in _EXEC_KEYS
        or lowered.startswith(_EXEC_PREFIXES)
        or (lowered.endswith(_EXEC_SUFFIXES) and lowered.count(".") >= 1)
    ):
        _judge_shell(value.removeprefix("!"), scope)
    if (
        lowered.startswith("remote.")
        and lowered.endswith(".push")
        and (value.startswith("+") or value.startswith(DYN))
    ):
        scope.block("git-force-push", f"remote push refspec {value!r} forces")
    if lowered.endswith(".proxy") and lowered.startswith(("http.", "remote.")):
        network.judge_hosts(
            "git", [network.url_host(value, scope)] if value else [], scope
        )
    if lowered.startswith("remote.") and lowered.endswith((".url", ".pushurl")):
        network.judge_hosts("git", _repository_hosts([value], scope), scope)
    if lowered.startswith("url.") and lowered.endswith(
        (".insteadof", ".pushinsteadof")
    ):
        base = key[len("url.") : key.lower().rindex(".")]
        network.judge_hosts("git", _repository_hosts([base], scope), scope)
    if lowered.startswith("remote.") and lowered.endswith(".fetch"):
        _, colon, destination = value.removeprefix("+").partition(":")
        if value.startswith((DYN, "+")) and (
            not colon or writes_branches(destination, scope)
        ):
            scope.block(
                "git-force-push",
                f"remote fetch refspec {value!r} force-updates branches",
            )
    mirror = value.lower() in {"true", "yes", "on", "1", ""} or DYN in value
    if lowered.startswith("remote.") and lowered.endswith(".mirror") and mirror:
        scope.block("git-push-mirror", "configures a remote as a mirror")
    if lowered == "clean.requireforce" and value.lower() in {"false", "no", "off", "0"}:
        scope.block("git-clean-force", "disables git clean's force requirement")


def _judge_shell(code: str, scope: Scope) -> None:
    from scc_guard.programs import judge_script

    judge_script(code, scope)


RUNTIME_ENV = _EXEC_ENV | {"GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS"}
"""Environment a git shim judges at run time (besides GIT_CONFIG_KEY/VALUE_n)."""

BUILTINS = frozenset(
    [
        "add",
        "am",
        "annotate",
        "apply",
        "archive",
        "bisect",
        "blame",
        "branch",
        "bundle",
        "cat-file",
        "check-attr",
        "check-ignore",
        "check-mailmap",
        "check-ref-format",
        "checkout",
        "checkout-index",
        "cherry",
        "cherry-pick",
        "citool",
        "clean",
        "clone",
        "column",
        "commit",
        "commit-graph",
        "commit-tree",
        "config",
        "count-objects",
        "credential",
        "describe",
        "diff",
        "diff-files",
        "diff-index",
        "diff-tree",
        "difftool",
        "fast-export",
        "fast-import",
        "fetch",
        "fetch-pack",
        "filter-branch",
        "for-each-ref",
        "for-each-repo",
        "format-patch",
        "fsck",
        "gc",
        "get-tar-commit-id",
        "grep",
        "gui",
        "hash-object",
        "help",
        "hook",
        "index-pack",
        "init",
        "instaweb",
        "interpret-trailers",
        "log",
        "ls-files",
        "ls-remote",
        "ls-tree",
        "maintenance",
        "merge",
        "merge-base",
        "merge-file",
        "merge-tree",
        "mergetool",
        "mktag",
        "mktree",
        "multi-pack-index",
        "mv",
        "name-rev",
        "notes",
        "pack-objects",
        "pack-refs",
        "prune",
        "prune-packed",
        "pull",
        "push",
        "range-diff",
        "read-tree",
        "rebase",
        "receive-pack",
        "reflog",
        "remote",
        "repack",
        "replace",
        "request-pull",
        "rerere",
        "reset",
        "restore",
        "rev-list",
        "rev-parse",
        "revert",
        "rm",
        "send-email",
        "send-pack",
        "shortlog",
        "show",
        "show-branch",
        "show-index",
        "show-ref",
        "sparse-checkout",
        "stash",
        "status",
        "stripspace",
        "submodule",
        "switch",
        "symbolic-ref",
        "tag",
        "unpack-file",
        "unpack-objects",
        "update-index",
        "update-ref",
        "update-server-info",
        "upload-archive",
        "upload-pack",
        "var",
        "verify-commit",
        "verify-pack",
        "verify-tag",
        "version",
        "whatchanged",
        "worktree",
        "write-tree",
        "filter-repo",
        "lfs",
        "subtree",
        "stage",
        "backfill",
        "bugreport",
        "diagnose",
        "replay",
        "scalar",
        "shell",
        "credential-cache",
        "credential-store",
        "fmt-merge-msg",
        "mailinfo",
        "mailsplit",
        "patch-id",
        "imap-send",
        "merge-index",
        "merge-one-file",
        "pack-redundant",
        "quiltimport",
        "http-fetch",
        "svn",
        "p4",
        "cvsimport",
        "cvsexportcommit",
        "cvsserver",
        "archimport",
        "daemon",
    ]
)
"""Git's own commands; any other subcommand may be an alias from config."""


def subcommand_index(argv: list[str]) -> int | None:
    """Where the subcommand sits in a git argv, or None when there is none."""
    index = 1
    while index < len(argv) and argv[index].startswith("-"):
        name = argv[index].partition("=")[0]
        if name in _GLOBAL_VALUE and "=" not in argv[index]:
            index += 1
        index += 1
    return index if index < len(argv) else None


def _judge_parameters(value: str, scope: Scope) -> None:
    """GIT_CONFIG_PARAMETERS, as git passes `-c` settings to its children."""
    from scc_guard.shell import split_words

    for setting in split_words(value, scope):
        key, _, setting_value = setting.partition("=")
        judge_config(key, setting_value, scope)


def judge_assignments(assignments: list[str], scope: Scope) -> None:
    """`NAME=value` before a command, after env, or exported together."""
    values = dict(assignment.partition("=")[::2] for assignment in assignments)
    for name, value in values.items():
        if DYN in name:
            scope.unverifiable("an environment variable name is computed at run time")
        if name in _EXEC_ENV:
            _judge_shell(value, scope)
        elif name in _UNVERIFIABLE_ENV:
            scope.unverifiable(f"{name} points git at configuration it cannot see")
        elif name == "GIT_CONFIG_PARAMETERS":
            _judge_parameters(value, scope)
        elif name.startswith("GIT_CONFIG_KEY_"):
            number = name[len("GIT_CONFIG_KEY_") :]
            judge_config(value, values.get("GIT_CONFIG_VALUE_" + number, ""), scope)


def _push(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.PUSH, scope)
    if found.has("dry-run"):
        return
    if found.has("mirror"):
        scope.block("git-push-mirror", "git push --mirror overwrites every remote ref")
    if found.has("delete"):
        scope.block("git-push-delete", "git push --delete deletes remote refs")
    if found.has("prune"):
        scope.block("git-push-delete", "git push --prune deletes remote refs")
    if found.last("force", "no-force") == "force":
        scope.block("git-force-push", "force push overwrites remote history")
    for refspec in found.positionals[1:]:
        if refspec.startswith(DYN):
            scope.unverifiable("a refspec is computed at run time")
        if refspec.startswith("+"):
            scope.block("git-force-push", f"refspec {refspec} forces the update")
        if refspec.startswith(":"):
            scope.block("git-push-delete", f"refspec {refspec} deletes a remote ref")


def _reset(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.RESET, scope)
    for mode in ("hard", "merge"):
        if found.has(mode):
            scope.block(
                "git-reset-hard", f"git reset --{mode} discards uncommitted work"
            )


def _clean(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.CLEAN, scope)
    if found.has("dry-run"):
        return
    if found.has("force"):
        scope.block("git-clean-force", "git clean -f deletes untracked files")
    for setting in configs:
        key, _, value = setting.partition("=")
        if key.lower() == "clean.requireforce" and value.lower() in {
            "false",
            "no",
            "off",
            "0",
        }:
            scope.block("git-clean-force", "git clean without its force requirement")


def _checkout(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.CHECKOUT, scope)
    if found.has("force"):
        scope.block("git-discard-changes", "git checkout -f discards local changes")
    if found.has("pathspec-from-file"):
        scope.block("git-discard-changes", "git checkout of paths overwrites changes")
    if found.has("patch"):
        return
    if found.with_dashes:
        scope.block("git-discard-changes", "git checkout -- paths overwrites changes")
    before = found.positionals[: len(found.positionals) - len(found.with_dashes or [])]
    if len(before) > 1:
        scope.block("git-discard-changes", "git checkout of paths overwrites changes")
    if before and _looks_like_path(before[0]):
        scope.block(
            "git-discard-changes",
            f"git checkout {before[0]} overwrites work tree files",
        )


def checkout_target(args: list[str]) -> str | None:
    """The one name `git checkout NAME` got, when git may read it as a path.

    Only run time can tell a branch from a file; the git shim asks.
    """
    from scc_guard.policyfile import PolicyView

    try:
        found = read_options(args, options.CHECKOUT, Scope(PolicyView()))
    except Exception:  # whatever the static reading made of it stands
        return None
    creating = found.has("b", "B", "orphan", "patch", "detach")
    if creating or found.with_dashes is not None or len(found.positionals) != 1:
        return None
    return found.positionals[0]


def _looks_like_path(name: str) -> bool:
    return (
        name in {".", ".."}
        or name.startswith(("./", "../", ":", "/"))
        or any(char in name for char in "*?[")
        or DYN in name
    )


def _switch(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.SWITCH, scope)
    if found.has("discard-changes", "force"):
        scope.block("git-discard-changes", "git switch --discard-changes drops changes")


def _restore(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.RESTORE, scope)
    staged = found.last("staged", "no-staged") == "staged"
    worktree = found.last("worktree", "no-worktree") == "worktree"
    if worktree or not staged:
        scope.block("git-discard-changes", "git restore overwrites work tree files")


def _branch(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.BRANCH, scope)
    if found.has("remotes"):
        return
    if found.has("D") or (found.has("delete") and found.has("force")):
        scope.block("git-branch-force-delete", "deletes a branch even if unmerged")


def _stash(args: list[str], scope: Scope, configs: list[str]) -> None:
    action = next((arg for arg in args if not arg.startswith("-")), "push")
    if action.startswith(DYN):
        scope.unverifiable("the git stash action is computed at run time")
    if action in {"drop", "clear"}:
        scope.block("git-stash-drop", f"git stash {action} deletes saved work")


def _rewrite(args: list[str], scope: Scope, configs: list[str]) -> None:
    scope.block("git-history-rewrite", "rewrites the repository's history")


def _rebase(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.REBASE, scope)
    for command in found.values.get("exec", []):
        _judge_shell(command, scope)
    if found.has("root"):
        scope.block(
            "git-history-rewrite", "git rebase --root rewrites published history"
        )
    bases = found.positionals[:1] + found.values.get("onto", [])
    for base in bases:
        branch, _, ancestry = _split_ancestry(base)
        if ancestry and (
            branch.startswith(("origin/", "upstream/", "refs/remotes/"))
            or "@{u" in branch
            or "@{upstream" in branch
        ):
            scope.block(
                "git-history-rewrite",
                f"rebasing onto {base} rewrites commits already pushed",
            )


def _split_ancestry(rev: str) -> tuple[str, str, str]:
    for index, char in enumerate(rev):
        if char in "~^":
            return rev[:index], char, rev[index:]
    return rev, "", ""


def _reflog(args: list[str], scope: Scope, configs: list[str]) -> None:
    if args[:1] and args[0] in {"expire", "delete"}:
        scope.block("git-reflog-expire", f"git reflog {args[0]} drops recovery points")


def _gc(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.GC, scope)
    for value in found.values.get("prune", []):
        if value.lower() in {"now", "all"} or DYN in value:
            scope.block("git-prune-now", "prunes unreachable objects immediately")


def _prune(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.PRUNE, scope)
    if not found.has("dry-run"):
        scope.block("git-prune-now", "git prune deletes unreachable objects")


def _update_ref(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.UPDATE_REF, scope)
    if found.has("d", "stdin"):
        scope.block("git-update-ref-delete", "git update-ref deletes or rewrites refs")


def _worktree(args: list[str], scope: Scope, configs: list[str]) -> None:
    if args[:1] != ["remove"]:
        return
    found = read_options(args[1:], options.WORKTREE_REMOVE, scope)
    if found.has("force"):
        scope.block("git-worktree-force-remove", "discards the worktree's changes")


def _rm(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.RM, scope)
    if found.has("force") and not found.has("cached", "dry-run"):
        scope.block("git-rm-force", "git rm -f deletes files with uncommitted changes")


def _config(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.CONFIG, scope)
    positionals = found.positionals
    if positionals[:1] in (["set"], ["--add"]):
        positionals = positionals[1:]
    elif positionals[:1] and positionals[0] in {
        "get",
        "list",
        "unset",
        "edit",
        "rename-section",
        "remove-section",
    }:
        return
    if found.has("unset", "unset-all", "get", "get-all", "get-regexp", "list"):
        return
    if len(positionals) >= 2:
        judge_config(positionals[0], positionals[1], scope)


def _submodule(args: list[str], scope: Scope, configs: list[str]) -> None:
    words = [arg for arg in args if arg not in {"--quiet", "-q", "--recursive"}]
    if words[:1] == ["foreach"] and len(words) > 1:
        _judge_shell(" ".join(words[1:]), scope)


def _bisect(args: list[str], scope: Scope, configs: list[str]) -> None:
    if args[:1] == ["run"]:
        from scc_guard.programs import judge_words

        judge_words(args[1:], scope.deeper())


def _pull(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.PULL, scope)
    for command in found.values.get("exec", []):
        _judge_shell(command, scope)
    _forced_fetch(found, found.positionals[1:], scope)


def _fetch(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.FETCH, scope)
    if found.last("dry-run", "no-dry-run") == "dry-run":
        return
    if found.has("stdin"):
        scope.unverifiable("git fetch --stdin reads its refspecs at run time")
    every = ("all", "no-all"), ("multiple", "no-multiple")
    if any(found.last(*pair) == pair[0] for pair in every):
        refspecs = []  # every positional names a remote
    else:
        refspecs = found.positionals[1:]
    _forced_fetch(found, [*refspecs, *found.values.get("refmap", [])], scope)


def _forced_fetch(found: Options, refspecs: list[str], scope: Scope) -> None:
    """A fetch that force-updates a branch overwrites its history, as a force
    push does (`git --git-dir=remote.git fetch -f . +main:main`), and one
    that prunes branches deletes them. Remote-tracking refs and tags are
    what fetch is for."""
    forced = found.last("force", "no-force") == "force"
    pruning = found.last("prune", "no-prune") == "prune"
    for refspec in refspecs:
        if refspec.startswith(DYN):
            scope.unverifiable("a refspec is computed at run time")
        plus = refspec.startswith("+")
        _, colon, destination = refspec.removeprefix("+").partition(":")
        if not colon or not destination or not writes_branches(destination, scope):
            continue
        name = destination.removeprefix("refs/heads/")
        if plus or forced:
            scope.block(
                "git-force-push",
                f"git fetch {refspec} force-updates {name}, overwriting its history",
            )
        if pruning and "*" in destination:
            scope.block(
                "git-branch-force-delete",
                f"git fetch --prune into {destination} deletes branches",
            )


_NOT_BRANCHES = ("refs/remotes/", "refs/tags/", "refs/notes/")


def writes_branches(destination: str, scope: Scope) -> bool:
    """Whether a refspec's destination may name a branch (refs/heads/...)."""
    if DYN in destination:
        scope.unverifiable("a refspec is computed at run time")
    # refs/heads/..., a short name, or a glob that may cover heads
    return not (
        destination.startswith(_NOT_BRANCHES)
        or (
            destination.startswith("refs/")
            and not destination.startswith("refs/heads/")
            and "*" not in destination
        )
    )


def _remote(args: list[str], scope: Scope, configs: list[str]) -> None:
    """`git remote add --mirror=...`: a fetch mirror force-updates every local
    ref on each fetch, a push mirror overwrites every remote ref."""
    verbs = [arg for arg in args if not arg.startswith("-")]
    if not verbs or verbs[0] != "add":
        return
    found = read_options(args[args.index("add") + 1 :], options.REMOTE_ADD, scope)
    for kind in found.values.get("mirror", []):
        if kind == "fetch":
            scope.block("git-force-push", "a fetch mirror force-updates every ref")
        else:
            scope.block("git-push-mirror", "configures a remote as a mirror")


def _clone(args: list[str], scope: Scope, configs: list[str]) -> None:
    """`git clone -c KEY=VALUE` applies settings before it fetches (an ssh
    command among them); a template brings hooks that run during the clone."""
    found = read_options(args, options.CLONE, scope)
    for setting in found.values.get("config", []):
        key, _, value = setting.partition("=")
        judge_config(key, value, scope)
    if found.values.get("template"):
        scope.unverifiable("git clone --template copies hooks that run in the clone")


def _difftool(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.DIFFTOOL, scope)
    for command in found.values.get("extcmd", []):
        _judge_shell(command, scope)


def _read_tree(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.READ_TREE, scope)
    if found.has("u") and found.has("reset"):
        scope.block(
            "git-discard-changes", "git read-tree -u --reset overwrites local changes"
        )


def _checkout_index(args: list[str], scope: Scope, configs: list[str]) -> None:
    found = read_options(args, options.CHECKOUT_INDEX, scope)
    if found.has("force"):
        scope.block(
            "git-discard-changes", "git checkout-index -f overwrites local changes"
        )


_SUBCOMMANDS = {
    "push": _push,
    "fetch": _fetch,
    "clone": _clone,
    "remote": _remote,
    "reset": _reset,
    "clean": _clean,
    "checkout": _checkout,
    "switch": _switch,
    "restore": _restore,
    "branch": _branch,
    "stash": _stash,
    "filter-branch": _rewrite,
    "filter-repo": _rewrite,
    "rebase": _rebase,
    "reflog": _reflog,
    "gc": _gc,
    "prune": _prune,
    "update-ref": _update_ref,
    "worktree": _worktree,
    "rm": _rm,
    "config": _config,
    "submodule": _submodule,
    "bisect": _bisect,
    "pull": _pull,
    "send-pack": _push,
    "difftool": _difftool,
    "mergetool": _difftool,
    "read-tree": _read_tree,
    "checkout-index": _checkout_index,
}
