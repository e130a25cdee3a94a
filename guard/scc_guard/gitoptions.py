"""Reading git subcommands' options the way git's parse-options reads them.

Short clusters are split, values attach or follow, long options may be
abbreviated to any unique prefix, `--no-` negates, options may follow
positionals, `--` ends them. Each subcommand the guard judges has its table
here (`Spec`).
"""

from __future__ import annotations

from scc_guard.scope import DYN, Scope


class Options:
    """Options read from one subcommand's arguments."""

    __slots__ = ("flags", "positionals", "values", "with_dashes")

    def __init__(self) -> None:
        self.with_dashes: list[str] | None = None
        self.flags: list[str] = []
        self.values: dict[str, list[str]] = {}
        self.positionals: list[str] = []

    def has(self, *names: str) -> bool:
        return any(name in self.flags for name in names)

    def last(self, *names: str) -> str | None:
        """Which of `names` (an option and its negations) came last."""
        found = [flag for flag in self.flags if flag in names]
        return found[-1] if found else None


class Spec:
    """One subcommand's options: long name -> short letter and value kind.

    Value kind: "" for a flag, "=" for a required value, "?" for an optional
    value that must be attached (`--opt=value`).
    """

    __slots__ = ("long", "short")

    def __init__(self, table: str) -> None:
        self.long: dict[str, str] = {}
        self.short: dict[str, tuple[str, str]] = {}
        for entry in table.split():
            names, _, kind = entry.partition(":")
            long, _, short = names.partition("/")
            if len(long) == 1:
                self.short[long] = (long, kind)
                continue
            self.long[long] = kind
            if short:
                self.short[short] = (long, kind)


def read_options(args: list[str], spec: Spec, scope: Scope) -> Options:
    """Parse `args` like parse-options would; raise Blocked on what is unknowable."""
    found = Options()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            found.with_dashes = args[index:]
            found.positionals.extend(args[index:])
            break
        if arg.startswith(DYN):
            # Decided after the known options: a visible force push blocks as
            # such; otherwise the unknown argument makes the command unsure.
            scope.unsure.append("a git argument is computed at run time")
            found.positionals.append(arg)
            continue
        if arg.startswith("--"):
            index = _read_long(arg, args, index, spec, found, scope)
        elif arg.startswith("-") and len(arg) > 1:
            index = _read_short(arg, args, index, spec, found, scope)
        else:
            found.positionals.append(arg)
    return found


def _read_long(
    arg: str, args: list[str], index: int, spec: Spec, found: Options, scope: Scope
) -> int:
    name, equals, value = arg[2:].partition("=")
    if DYN in name:
        scope.unverifiable("a git option is computed at run time")
    resolved = _resolve_long(name, spec)
    for option in resolved:
        kind = spec.long.get(option.removeprefix("no-"), "")
        found.flags.append(option)
        if option.startswith("no-") or kind == "" or len(resolved) > 1:
            continue
        if equals:
            found.values.setdefault(option, []).append(value)
        elif kind == "=" and index < len(args):
            found.values.setdefault(option, []).append(args[index])
            index += 1
        else:
            found.values.setdefault(option, []).append("")
    return index


def _resolve_long(name: str, spec: Spec) -> list[str]:
    """Exact names first, then unique prefixes; ambiguity counts every candidate."""
    if name in spec.long or (name.startswith("no-") and name[3:] in spec.long):
        return [name]
    candidates = [long for long in spec.long if long.startswith(name)]
    candidates += [
        "no-" + long for long in spec.long if ("no-" + long).startswith(name)
    ]
    return candidates if name else []


def _read_short(
    arg: str, args: list[str], index: int, spec: Spec, found: Options, scope: Scope
) -> int:
    letters = arg[1:]
    for position, letter in enumerate(letters):
        if letter == DYN:
            scope.unverifiable("a git option is computed at run time")
        long, kind = spec.short.get(letter, ("-" + letter, ""))
        found.flags.append(long)
        if kind == "":
            continue
        rest = letters[position + 1 :]
        if rest:
            found.values.setdefault(long, []).append(rest)
        elif kind == "=" and index < len(args):
            found.values.setdefault(long, []).append(args[index])
            index += 1
        else:
            found.values.setdefault(long, []).append("")
        break
    return index


# The subcommands' option tables.

DIFFTOOL = Spec(
    "extcmd/x:= tool/t:= tool-help dir-diff/d no-prompt/y prompt gui/g "
    "symlinks trust-exit-code"
)
READ_TREE = Spec(
    "m u reset i trivial aggressive prefix:= index-output:= exclude-per-directory:= "
    "dry-run/n verbose/v no-sparse-checkout empty quiet/q recurse-submodules"
)
CHECKOUT_INDEX = Spec(
    "u index all/a force/f quiet/q no-create/n prefix:= stage:= temp stdin/z "
    "ignore-skip-worktree-bits"
)
PUSH = Spec(
    "force/f force-with-lease:? force-if-includes mirror delete/d prune all "
    "branches tags follow-tags dry-run/n porcelain atomic set-upstream/u "
    "quiet/q verbose/v progress push-option/o:= receive-pack:= exec:= repo:= "
    "recurse-submodules:= thin signed:? no-verify verify ipv4/4 ipv6/6"
)
RESET = Spec(
    "hard merge soft mixed keep quiet/q patch/p intent-to-add/N "
    "pathspec-from-file:= pathspec-file-nul recurse-submodules:? no-refresh refresh"
)
CLEAN = Spec("force/f dry-run/n quiet/q interactive/i exclude/e:= d x X")
CHECKOUT = Spec(
    "force/f b:= B:= orphan:= track/t:? detach guess quiet/q merge/m "
    "conflict:= patch/p ours/2 theirs/3 ignore-skip-worktree-bits "
    "ignore-other-worktrees overwrite-ignore progress recurse-submodules:? "
    "pathspec-from-file:= pathspec-file-nul overlay l"
)
SWITCH = Spec(
    "create/c:= force-create/C:= detach/d guess discard-changes force/f "
    "merge/m conflict:= quiet/q progress track/t:? orphan:= "
    "ignore-other-worktrees recurse-submodules:?"
)
RESTORE = Spec(
    "source/s:= staged/S worktree/W patch/p ours theirs merge/m conflict:= "
    "ignore-unmerged ignore-skip-worktree-bits overlay quiet/q progress "
    "recurse-submodules:? pathspec-from-file:= pathspec-file-nul"
)
BRANCH = Spec(
    "delete/d D force/f remotes/r all/a move/m M copy/c C list/l verbose/v "
    "quiet/q track/t:? set-upstream-to/u:= unset-upstream edit-description "
    "contains:? merged:? points-at:= sort:= format:= color:? column:? "
    "show-current ignore-case/i abbrev:? create-reflog recurse-submodules omit-empty"
)
REBASE = Spec(
    "onto:= root interactive/i exec/x:= autosquash autostash continue abort skip "
    "quit edit-todo update-refs rebase-merges/r:? strategy/s:= strategy-option/X:= "
    "merge/m apply keep-base fork-point no-ff/f force-rebase verbose/v quiet/q "
    "signoff gpg-sign/S:? empty:= keep-empty reapply-cherry-picks stat "
    "committer-date-is-author-date reset-author-date ignore-whitespace "
    "whitespace:= C:= rerere-autoupdate reschedule-failed-exec show-current-patch "
    "verify n"
)
GC = Spec("prune:? aggressive auto quiet/q force keep-largest-pack cruft detach")
PRUNE = Spec("dry-run/n verbose/v expire:= progress")
UPDATE_REF = Spec("d m:= no-deref stdin z create-reflog")
WORKTREE_REMOVE = Spec("force/f")
RM = Spec(
    "force/f cached dry-run/n r quiet/q ignore-unmatch sparse "
    "pathspec-from-file:= pathspec-file-nul"
)
CONFIG = Spec(
    "global system local worktree file/f:= blob:= get get-all get-regexp "
    "get-urlmatch replace-all add unset unset-all rename-section remove-section "
    "list/l edit/e type:= bool int bool-or-int path expiry-date null/z "
    "name-only includes show-origin show-scope default:= comment:= all regexp "
    "value:= fixed-value url:="
)
FETCH = Spec(
    "all multiple append/a atomic depth:= deepen:= shallow-since:= "
    "shallow-exclude:= unshallow update-shallow negotiation-tip:= "
    "negotiate-only dry-run porcelain write-fetch-head force/f keep/k prefetch "
    "prune/p prune-tags/P tags/t no-tags/n refetch refmap:= "
    "recurse-submodules:? jobs/j:= submodule-prefix:= "
    "recurse-submodules-default:= update-head-ok/u upload-pack:= quiet/q "
    "verbose/v progress server-option/o:= show-forced-updates ipv4/4 ipv6/6 "
    "set-upstream auto-maintenance auto-gc write-commit-graph stdin filter:="
)
REMOTE_ADD = Spec("fetch/f tags no-tags track/t:= master/m:= mirror:?")
PULL = Spec(
    "rebase/r:? exec:= quiet/q verbose/v ff-only ff squash commit edit/e "
    "strategy/s:= strategy-option/X:= autostash all force/f depth:= tags"
)
CLONE = Spec(
    "template:= local/l shared/s no-hardlinks quiet/q verbose/v progress "
    "no-checkout/n bare mirror origin/o:= branch/b:= upload-pack/u:= "
    "reference:= reference-if-able:= dissociate separate-git-dir:= depth:= "
    "shallow-since:= shallow-exclude:= single-branch tags recurse-submodules:? "
    "shallow-submodules remote-submodules jobs/j:= sparse filter:= "
    "also-filter-submodules config/c:= server-option:= bundle-uri:= "
    "ref-format:= revision:= ipv4/4 ipv6/6 reject-shallow"
)
