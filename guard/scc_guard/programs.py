"""Judging one simple command: normalise the program, unwrap wrappers, dispatch.

Words arrive with quotes removed; `DYN` marks parts only known at run time.
`stdin` is what the command reads: None when nothing the guard knows of, the
literal text when it is known (a here-doc, `echo ... |`), or one of the
`STDIN_*` markers.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from scc_guard import files, git, network
from scc_guard.getopt import FLAG, OPTIONAL, VALUE, Getopt
from scc_guard.scope import DYN, Scope

Handler = Callable[[str, list[str], Scope, "str | None"], None]

_PLAIN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-*~ \t"
)
_RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "case",
        "esac",
        "for",
        "select",
        "while",
        "until",
        "do",
        "done",
        "in",
        "function",
        "time",
        "coproc",
        "{",
        "}",
        "!",
        "[[",
        "]]",
    }
)
STDIN_UNKNOWN = DYN + "unknown"
STDIN_NETWORK = DYN + "network"

SHELLS = frozenset(
    {
        "sh",
        "bash",
        "rbash",
        "dash",
        "zsh",
        "ksh",
        "ksh93",
        "mksh",
        "pdksh",
        "oksh",
        "yash",
        "ash",
        "fish",
        "csh",
        "tcsh",
        "busybox-sh",
    }
)
INTERPRETERS = frozenset(
    {
        "python",
        "python2",
        "python3",
        "pypy",
        "pypy3",
        "node",
        "nodejs",
        "deno",
        "perl",
        "ruby",
        "php",
        "bun",
        "lua",
        "luajit",
        "tclsh",
        "Rscript",
        "osascript",
    }
)
STDIN_FILES = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
"""Script paths that read the shell's stdin."""
_SPAWNERS = (
    "subprocess",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.popen",
    "pty.spawn",
    "child_process",
    "execsync",
    "spawnsync",
    "system(",
    "exec(",
    "popen",
    "`",
    "qx",
    "proc_open",
    "shell_exec",
    "passthru",
    "bun.spawn",
    "deno.command",
    "system ",
    "system\t",
    "exec ",
)


def judge_words(
    words: list[str],
    scope: Scope,
    stdin: str | None = None,
    env: list[str] | None = None,
) -> None:
    """Raise Blocked when the command `words` (with `env` assignments) may not run."""
    if env:
        git.judge_assignments(list(env), scope)
        network.judge_environment(env, scope)
    if not words:
        return
    name = words[0]
    if DYN in name:
        scope.unverifiable("the program name is computed at run time")
    if name != "[" and any(char in name for char in "*?["):
        scope.unverifiable("the program name is a file name pattern")
    program = posixpath.basename(name) if "/" in name else name
    scope.show(f"program {program}: {' '.join(_printable(words[1:]))}")
    if "/" in name:
        _run_file(name, scope)
    handler = _HANDLERS.get(program)
    if handler is not None:
        handler(program, words[1:], scope, stdin)
    elif program.startswith("git-") and len(program) > 4:
        git.judge_git(["git", program[4:], *words[1:]], scope)
    elif program in SHELLS:
        _judge_shell(program, words[1:], scope, stdin)
    elif _is_interpreter(program):
        _judge_interpreter(program, words[1:], scope, stdin)
    elif network.tool_name(program) is not None:
        if program in network.FETCHERS:
            network.judge_fetcher_environment(env or [], scope)
        network.judge_tool(program, words[1:], scope)


def _run_file(path: str, scope: Scope) -> None:
    """A file the command downloaded earlier is not run in the same line."""
    if scope.downloads and scope.resolve(path) in scope.downloads:
        _downloaded(f"{path} was downloaded earlier in this command", scope)


def _printable(words: list[str]) -> list[str]:
    return [word.replace(DYN, "$?") for word in words]


def judge_text(text: str, scope: Scope, stdin: str | None = None) -> None:
    """Judge shell text: plain words directly, anything else through the parser."""
    words = plain_words(text)
    if words is None:
        from scc_guard.shell import judge_parsed

        judge_parsed(text, scope, stdin)
        return
    scope.show(f"plain words: {' '.join(words)}")
    env = []
    while words and is_assignment(words[0]):
        env.append(words.pop(0))
    if words[:1] in (["cd"], ["pushd"]):
        scope.change_directory(words[1:])
    else:
        judge_words(words, scope, stdin, env)


def plain_words(text: str) -> list[str] | None:
    """Words of text that has no shell syntax beyond blanks, else None."""
    if not set(text) <= _PLAIN:
        return None
    words = text.split()
    if words and words[0] in _RESERVED:
        return None
    return words


def is_assignment(word: str) -> bool:
    name, equals, _ = word.partition("=")
    return bool(equals) and name.isidentifier()


def judge_script(
    text: str, scope: Scope, stdin: str | None = None, same_shell: bool = False
) -> None:
    """Judge shell source code (bash -c, eval, here-docs fed to a shell).

    `same_shell` (eval): a directory change inside holds afterwards too.
    """
    if text.startswith(DYN):
        if text == STDIN_NETWORK:
            _downloaded("downloaded content is executed by a shell", scope)
            return
        scope.unverifiable("the shell code is computed at run time")
    if DYN in text:
        scope.unverifiable("the shell code is computed at run time")
    inner = scope.deeper()
    judge_text(text, inner, stdin)
    if same_shell:
        scope.cwd, scope.others = inner.cwd, inner.others


def _downloaded(reason: str, scope: Scope) -> None:
    """Downloaded content run as code: recorded in open mode, blocked otherwise."""
    if scope.policy.network_mode == "open":
        scope.note(reason)
    else:
        scope.block("network-exec", reason)


def _is_interpreter(program: str) -> bool:
    base = program.rstrip("0123456789.")
    return program in INTERPRETERS or base in INTERPRETERS


def _sudo(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    options, index = _SUDO.read(program, args, scope)
    inner = scope.deeper()
    for name, value in options:
        if name in "DR":  # --chdir, --chroot
            inner.enter_directory(value)
        if name == "i":  # a login shell starts in the target user's home
            inner.enter_directory(DYN)
    # -e (sudoedit), -l and -v run no command; judging the rest anyway is safe.
    judge_words(args[index:], inner, stdin)


_SUDO = Getopt(
    "Aa:BbC:c:D:EeFg:Hh::iKklNnPp:R:r:SsT:t:U:u:Vv",
    {
        **dict.fromkeys(
            [
                "auth-type",
                "close-from",
                "chdir",
                "group",
                "host",
                "login-class",
                "prompt",
                "chroot",
                "role",
                "command-timeout",
                "type",
                "other-user",
                "user",
            ],
            VALUE,
        ),
        **dict.fromkeys(
            [
                "askpass",
                "background",
                "bell",
                "edit",
                "set-home",
                "help",
                "login",
                "remove-timestamp",
                "reset-timestamp",
                "list",
                "no-update",
                "non-interactive",
                "preserve-groups",
                "stdin",
                "shell",
                "version",
                "validate",
            ],
            FLAG,
        ),
        "preserve-env": OPTIONAL,
    },
    {"chdir": "D", "chroot": "R", "login": "i"},
)


def _env(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    options, index = _ENV.read(program, args, scope)
    inner = scope.deeper()
    split: list[str] | None = None
    for name, value in options:
        if name == "C":
            inner.enter_directory(value)
        elif name == "S":
            split = _split_env_string(value, scope)
    rest = args[index:]
    if split is not None:  # the string's words stand where -S was
        judge_words(split + rest, inner, stdin)
        return
    while rest[:1] == ["-"]:  # an old spelling of -i
        rest = rest[1:]
    assignments: list[str] = []
    while rest and "=" in rest[0] and not rest[0].startswith("="):
        assignments.append(rest[0])
        rest = rest[1:]
    judge_words(rest, inner, stdin, assignments)


_ENV = Getopt(
    "0iu:C:S:v",
    {
        "null": FLAG,
        "ignore-environment": FLAG,
        "unset": VALUE,
        "chdir": VALUE,
        "split-string": VALUE,
        "block-signal": OPTIONAL,
        "default-signal": OPTIONAL,
        "ignore-signal": OPTIONAL,
        "list-signal-handling": FLAG,
        "debug": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
    {"chdir": "C", "split-string": "S"},
)


def _option_value(
    arg: str, args: list[str], index: int, short: str, long: str
) -> str | None:
    if arg in {short, long}:
        return args[index + 1] if index + 1 < len(args) else None
    if arg.startswith(long + "="):
        return arg[len(long) + 1 :]
    return arg[len(short) :]


def _split_env_string(text: str, scope: Scope) -> list[str]:
    if DYN in text:
        scope.unverifiable("env -S string computed at run time")
    from scc_guard.shell import split_words

    return split_words(text, scope)


def _wrapper(
    spec: Getopt,
    operands: int = 0,
    chdir: str = "",
    code: str = "",
    legacy_number: bool = False,
) -> Handler:
    """A wrapper whose options `spec` reads (as getopt_long does), then
    `operands` words (a duration, a lock file, a priority), then the command
    it runs. Options named in `chdir` move where it runs; in `code`, give
    shell code to run instead of a command."""

    def handler(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
        if legacy_number and args and args[0][1:].lstrip("-").isdigit():
            args = args[1:]  # nice -10 COMMAND
        options, index = spec.read(program, args, scope)
        inner = scope.deeper()
        for name, value in options:
            if name in chdir:
                inner.enter_directory(value or DYN)
            if name in code:
                judge_script(value, scope)
                return
        rest = args[index:]
        if code and len(rest) > operands + 1 and rest[operands] in {"-c", "--command"}:
            judge_script(rest[operands + 1], scope)  # flock FILE -c CODE
            return
        judge_words(rest[operands:], inner, stdin)

    return handler


_NICE = Getopt("n:", {"adjustment": VALUE, "help": FLAG, "version": FLAG})
_NOHUP = Getopt("", {"help": FLAG, "version": FLAG})
_TIMEOUT = Getopt(
    "k:s:v",
    {
        "foreground": FLAG,
        "kill-after": VALUE,
        "preserve-status": FLAG,
        "signal": VALUE,
        "verbose": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
)
_STDBUF = Getopt(
    "i:o:e:",
    {"input": VALUE, "output": VALUE, "error": VALUE, "help": FLAG, "version": FLAG},
)
_IONICE = Getopt(
    "c:n:p:P:tu:hV",
    {
        "class": VALUE,
        "classdata": VALUE,
        "pid": VALUE,
        "pgid": VALUE,
        "ignore": FLAG,
        "uid": VALUE,
        "help": FLAG,
        "version": FLAG,
    },
)
_TIME = Getopt(
    "af:o:pqvV",
    {
        "append": FLAG,
        "format": VALUE,
        "output": VALUE,
        "portability": FLAG,
        "quiet": FLAG,
        "verbose": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
)
_EXEC = Getopt("a:cl", {})
_FLOCK = Getopt(
    "sxenouw:E:c:FhV",
    {
        "shared": FLAG,
        "exclusive": FLAG,
        "unlock": FLAG,
        "nonblock": FLAG,
        "nb": FLAG,
        "no-fork": FLAG,
        "close": FLAG,
        "wait": VALUE,
        "timeout": VALUE,
        "conflict-exit-code": VALUE,
        "command": VALUE,
        "verbose": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
    {"command": "c"},
)
_TASKSET = Getopt(
    "acphV",
    {"all-tasks": FLAG, "pid": FLAG, "cpu-list": FLAG, "help": FLAG, "version": FLAG},
)
_CHRT = Getopt(
    "abdfiorRT:P:D:mpvhV",
    {
        "all-tasks": FLAG,
        "batch": FLAG,
        "deadline": FLAG,
        "fifo": FLAG,
        "idle": FLAG,
        "other": FLAG,
        "rr": FLAG,
        "reset-on-fork": FLAG,
        "sched-runtime": VALUE,
        "sched-period": VALUE,
        "sched-deadline": VALUE,
        "max": FLAG,
        "pid": FLAG,
        "verbose": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
)
_CHROOT = Getopt(
    "",
    {
        "userspec": VALUE,
        "groups": VALUE,
        "skip-chdir": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
)
_STRACE = Getopt("a:Ab:cCdDe:E:fFhiI:kno:O:p:P:qrs:S:tTu:U:vVwxX:yzZ", {})
_LTRACE = Getopt("a:bcCDe:fF:hiLl:n:o:p:rs:Su:Vw:x:tT", {})
_UNSHARE = Getopt(
    "m::u::i::n::p::U::C::T::fS:G:R:w:rchV",
    {
        **dict.fromkeys(
            ["mount", "uts", "ipc", "net", "pid", "user", "cgroup", "time"], OPTIONAL
        ),
        **dict.fromkeys(["kill-child", "mount-proc"], OPTIONAL),
        **dict.fromkeys(
            ["fork", "map-root-user", "map-current-user", "map-auto", "keep-caps"],
            FLAG,
        ),
        **dict.fromkeys(
            [
                "map-user",
                "map-group",
                "map-users",
                "map-groups",
                "propagation",
                "setgroups",
                "root",
                "wd",
                "setuid",
                "setgid",
                "monotonic",
                "boottime",
            ],
            VALUE,
        ),
        "help": FLAG,
        "version": FLAG,
    },
    {"root": "R", "wd": "w"},
)
_NSENTER = Getopt(
    "at:m::u::i::n::p::U::C::T::S:G:r::w::W:eFZchV",
    {
        **dict.fromkeys(
            ["mount", "uts", "ipc", "net", "pid", "user", "cgroup", "time"], OPTIONAL
        ),
        **dict.fromkeys(["root", "wd"], OPTIONAL),
        **dict.fromkeys(["target", "setuid", "setgid", "wdns"], VALUE),
        **dict.fromkeys(
            ["all", "preserve-credentials", "env", "no-fork", "follow-context"], FLAG
        ),
        "help": FLAG,
        "version": FLAG,
    },
    {"root": "r", "wd": "w"},
)
_SETPRIV = Getopt(
    "dhV",
    {
        **dict.fromkeys(
            [
                "inh-caps",
                "ambient-caps",
                "bounding-set",
                "ruid",
                "euid",
                "rgid",
                "egid",
                "reuid",
                "regid",
                "groups",
                "securebits",
                "pdeathsig",
                "selinux-label",
                "apparmor-profile",
                "landlock-access",
                "landlock-rule",
            ],
            VALUE,
        ),
        **dict.fromkeys(
            [
                "dump",
                "nnp",
                "no-new-privs",
                "clear-groups",
                "keep-groups",
                "init-groups",
                "reset-env",
                "help",
                "version",
            ],
            FLAG,
        ),
    },
)
_PRLIMIT_RESOURCES = [
    "core",
    "data",
    "nice",
    "fsize",
    "sigpending",
    "memlock",
    "rss",
    "nofile",
    "msgqueue",
    "rtprio",
    "stack",
    "cpu",
    "nproc",
    "as",
    "locks",
    "rttime",
]
_PRLIMIT = Getopt(
    "p:o:hVc::d::e::f::i::l::m::n::q::r::s::t::u::v::x::y::",
    {
        **dict.fromkeys(_PRLIMIT_RESOURCES, OPTIONAL),
        **dict.fromkeys(["pid", "output"], VALUE),
        **dict.fromkeys(["noheadings", "raw", "verbose", "help", "version"], FLAG),
    },
)
_FAKEROOT = Getopt(
    "l:s:i:ub:hv",
    {
        "lib": VALUE,
        "faked": VALUE,
        "unknown-is-real": FLAG,
        "fd-base": VALUE,
        "help": FLAG,
        "version": FLAG,
    },
)
_PKEXEC = Getopt(
    "",
    {
        "user": VALUE,
        "disable-internal-agent": FLAG,
        "keep-cwd": FLAG,
        "help": FLAG,
        "version": FLAG,
    },
)
_XVFB_RUN = Getopt(
    "ade:f:hn:lp:s:w:",
    {
        "auto-servernum": FLAG,
        "auto-display": FLAG,
        "error-file": VALUE,
        "auth-file": VALUE,
        "help": FLAG,
        "server-num": VALUE,
        "listen-tcp": FLAG,
        "xauth-protocol": VALUE,
        "server-args": VALUE,
        "wait": VALUE,
    },
)
_DUMB_INIT = Getopt(
    "cr:vVh",
    {
        "single-child": FLAG,
        "rewrite": VALUE,
        "verbose": FLAG,
        "version": FLAG,
        "help": FLAG,
    },
)


def _skip_then(values: frozenset[str]) -> Handler:
    """A wrapper that takes options (some with values) and then a command."""

    def handler(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
        index = 0
        while index < len(args) and args[index].startswith("-") and args[index] != "-":
            arg = args[index]
            if arg == "--":
                index += 1
                break
            if DYN in arg:
                scope.unverifiable(f"{program} option computed at run time")
            index += 2 if arg in values else 1
        judge_words(args[index:], scope.deeper(), stdin)

    return handler


def _command(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    index = 0
    while index < len(args) and args[index].startswith("-"):
        if args[index] == "--":
            index += 1
            break
        if "v" in args[index] or "V" in args[index]:
            return  # only looks the command up
        index += 1
    judge_words(args[index:], scope.deeper(), stdin)


def _watch(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    index, direct = 0, False
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg in {"-x", "--exec"}:
            direct = True
        index += 2 if arg in {"-n", "--interval", "-q", "--equexit"} else 1
    rest = args[index:]
    if direct:
        judge_words(rest, scope.deeper())
    else:
        judge_script(" ".join(rest), scope)


def _xargs(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    values = {
        "-I",
        "-n",
        "-L",
        "-P",
        "-d",
        "-s",
        "-E",
        "-a",
        "-e",
        "--max-args",
        "--max-lines",
        "--max-procs",
        "--delimiter",
        "--max-chars",
        "--arg-file",
        "--eof",
        "--replace",
        "--process-slot-var",
    }
    index, placeholder = 0, ""
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg == "-I" and index + 1 < len(args):
            placeholder = args[index + 1]
        elif arg.startswith("-I") and len(arg) > 2:
            placeholder = arg[2:]
        elif arg.startswith("-i") or arg.startswith("--replace"):
            placeholder = arg.partition("=")[2] or "{}"
        index += 2 if arg in values else 1
    template = args[index:] or ["echo"]
    if placeholder:
        words = [word.replace(placeholder, DYN) for word in template]
    else:
        words = [*template, DYN]
    judge_words(words, scope.deeper())


def _find(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    files.judge_find(args, scope)
    index = 0
    while index < len(args):
        if args[index] in {"-exec", "-execdir", "-ok", "-okdir"}:
            end = index + 1
            while end < len(args) and args[end] not in {";", "+"}:
                end += 1
            template = args[index + 1 : end]
            for found in _find_matches(template, args, scope):
                words = [word.replace("{}", found) for word in template]
                judge_words(words, scope.deeper())
            index = end
        index += 1


def _find_matches(template: list[str], args: list[str], scope: Scope) -> list[str]:
    """What `{}` may stand for: a path under each root when that is safe to know."""
    exact = all(word == "{}" for word in template if "{}" in word)
    if template[:1] and posixpath.basename(template[0]) == "rm" and exact:
        roots = files.find_matches_safe(args, scope)
        if roots is not None:
            return [posixpath.join(root, "found") for root in roots]
    return [DYN]


def _parallel(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    index = 0
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        index += 2 if arg in {"-j", "--jobs", "-S", "--sshlogin", "-N", "-n"} else 1
    end = index
    while end < len(args) and args[end] not in {":::", "::::", ":::+"}:
        end += 1
    template = [word.replace("{}", DYN) for word in args[index:end]]
    if len(template) == 1:
        judge_script(template[0], scope)
    else:
        judge_words(template or [DYN], scope.deeper())


def _busybox(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    judge_words(args, scope.deeper(), stdin)


def _eval(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    if args[:1] == ["--"]:
        args = args[1:]
    judge_script(" ".join(args), scope, stdin, same_shell=True)


def _source(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        return
    target = args[0]
    if target.startswith(DYN):
        _judge_generated(target, scope)
    _run_file(target, scope)
    if target in STDIN_FILES and stdin is not None:
        judge_script(stdin, scope)
    # A script file's body is not visible to a static guard (see docs/guard.md).


def _judge_generated(target: str, scope: Scope) -> None:
    """Code from a process substitution or a file computed at run time."""
    if target.startswith(STDIN_NETWORK):
        _downloaded("downloaded content is executed", scope)
        return
    if target.startswith(DYN + "script:"):
        judge_script(target[len(DYN + "script:") :], scope)
        return
    scope.unverifiable("the code to run is produced at run time")


_SHELL_VALUE_OPTIONS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})


def _judge_shell(
    program: str, args: list[str], scope: Scope, stdin: str | None
) -> None:
    index, reads_stdin, command = 0, False, False
    while index < len(args):
        arg = args[index]
        if arg in {"--", "-"}:
            index += 1
            break
        if arg in _SHELL_VALUE_OPTIONS:
            index += 2
            continue
        if not (arg.startswith("-") or arg.startswith("+")):
            break
        if DYN in arg:
            scope.unverifiable(f"{program} option computed at run time")
        if not arg.startswith("--"):
            command = command or "c" in arg[1:]
            reads_stdin = reads_stdin or "s" in arg[1:]
        index += 1
    if command:
        # The code is the first operand after every option (bash -c -x CODE).
        if index >= len(args):
            scope.unverifiable(f"{program} -c without code")
            return
        judge_script(args[index], scope, stdin)  # its commands read that stdin
        return
    if index < len(args) and not reads_stdin:
        script = args[index]
        if script.startswith(DYN):
            _judge_generated(script, scope)
        _run_file(script, scope)
        if script not in STDIN_FILES:
            return  # a script file: its body is not visible (docs/guard.md)
    if stdin is not None:
        judge_script(stdin, scope)


_FAMILIES = {
    "python": "python",
    "pypy": "python",
    "node": "node",
    "nodejs": "node",
    "bun": "node",
    "deno": "node",
    "perl": "perl",
    "ruby": "ruby",
    "php": "php",
    "lua": "lua",
    "luajit": "lua",
}
_CODE_OPTIONS = {
    "python": frozenset({"-c"}),
    "node": frozenset({"-e", "--eval", "-p", "--print"}),
    "perl": frozenset({"-e", "-E"}),
    "ruby": frozenset({"-e"}),
    "php": frozenset({"-r"}),
    "lua": frozenset({"-e"}),
}
_VALUE_OPTIONS = {
    "python": frozenset({"-W", "-X", "-Q"}),
    "node": frozenset(
        {"-r", "--require", "--import", "--loader", "--experimental-loader", "-C"}
    ),
    "perl": frozenset({"-I", "-M", "-m", "-C", "-0"}),
    "ruby": frozenset({"-r", "-I", "-C", "-E", "-K", "-F"}),
    "php": frozenset({"-d", "-c", "-z"}),
    "lua": frozenset({"-l"}),
}
_MODULE_OPTIONS = frozenset({"-m"})
"""python -m runs an installed module, not text."""


_STDIN_MODULES = frozenset({"code", "pdb", "IPython", "idlelib", "runpy"})


def _judge_interpreter(
    program: str, args: list[str], scope: Scope, stdin: str | None
) -> None:
    if program == "deno" and args[:1] == ["run"]:
        args = args[1:]  # deno run [options] SCRIPT|-
    family = _FAMILIES.get(program.rstrip("0123456789.-"), "")
    codes = _CODE_OPTIONS.get(family, frozenset({"-c", "-e", "-E"}))
    values = _VALUE_OPTIONS.get(family, frozenset())
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in {"-", "--"}:
            break
        if not arg.startswith("-"):
            if arg.startswith(DYN):
                _judge_generated(arg, scope)
            _run_file(arg, scope)
            if arg not in STDIN_FILES:
                return  # a script file
            break
        if DYN in arg:
            scope.unverifiable(f"{program} option computed at run time")
        name, equals, value = arg.partition("=")
        if arg in codes or (name in codes and equals):
            code = value if equals else _next(args, index)
            judge_code(code, scope, args[index + (1 if equals else 2) :])
            return
        if family == "python" and arg[1:2] != "-":
            for position, letter in enumerate(arg[1:], start=1):
                rest = arg[position + 1 :]
                if letter == "c":
                    after = args[index + (1 if rest else 2) :]
                    judge_code(rest or _next(args, index), scope, after)
                    return
                if letter == "m":
                    module = rest or _next(args, index)
                    if stdin == STDIN_NETWORK and module in _STDIN_MODULES:
                        _downloaded(f"python -m {module} runs its input", scope)
                    return  # a module: runs installed code, not text
                if "-" + letter in values:
                    index += 0 if rest else 1
                    break
            index += 1
            continue
        cluster = family in {"perl", "ruby"} and arg[1:2].isalpha()
        if cluster and arg[-1] in "eE" and arg[1:].isalpha():
            judge_code(_next(args, index), scope, args[index + 2 :])  # perl -ne
            return
        short = arg[:2]
        if short in codes and len(arg) > 2 and arg[1] != "-":
            judge_code(arg[2:], scope, args[index + 1 :])
            return
        if arg in _MODULE_OPTIONS and family != "node":
            return
        index += 2 if arg in values or (name in values and not equals) else 1
    if stdin is not None:
        if stdin == STDIN_NETWORK:
            _downloaded("downloaded content is run by an interpreter", scope)
        judge_code(stdin, scope, args[index + 1 :])


def judge_code(code: str, scope: Scope, arguments: list[str] | None = None) -> None:
    """Interpreter code: when it spawns programs, judge the strings it passes.

    `arguments` given to the code (sys.argv, @ARGV) may be what it runs.
    """
    if code.startswith(STDIN_NETWORK):
        _downloaded("downloaded content is run by an interpreter", scope)
        return
    lowered = code.lower()
    if not any(marker in lowered for marker in _SPAWNERS):
        return
    if DYN in code:
        scope.unverifiable("interpreter code that runs programs is built at run time")
    _judge_strings(_string_literals(code) + list(arguments or []), scope)


def _judge_strings(strings: list[str], scope: Scope) -> None:
    """String literals of code that spawns programs: as shell text and as argv.

    A single-line literal that is not valid shell (a message with an
    apostrophe) cannot be run by a shell either and is skipped; the literals
    are also judged together as one argv.
    """
    for text in strings:
        _judge_literal(text, scope)
    if strings:
        _judge_literal(" ".join(strings), scope)
        joined = " ".join(_quoted(text) for text in strings)
        judge_script(joined, scope)


def _judge_literal(text: str, scope: Scope) -> None:
    from scc_guard.verdict import Blocked

    try:
        judge_script(text, scope)
    except Blocked as blocked:
        reason = blocked.verdict.reason
        unparsable = reason.startswith("cannot verify: cannot parse")
        # One line is parsed whole before any of it runs; more lines are not
        # (and an escape in the literal may make a line break at run time).
        multiline = "\n" in text or "\\" in text
        if not unparsable or DYN in text or multiline or not _bash_rejects(text):
            raise


def _bash_rejects(text: str) -> bool:
    """Whether bash itself finds `text` not valid shell (so a shell runs none).

    Only asked about a literal the guard's parser failed on: a message such
    as "it's done" is no command, but a construct the parser lacks might be.
    `bash -n` reads without running anything.
    """
    import subprocess

    try:
        checked = subprocess.run(
            ["/bin/bash", "--norc", "--noprofile", "-n", "-c", text],
            capture_output=True,
            env={},
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return checked.returncode == 2 or b"syntax error" in checked.stderr


def _quoted(text: str) -> str:
    if text and set(text) <= _PLAIN - {" ", "\t", "~", "="}:
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def _string_literals(code: str) -> list[str]:
    found, index = [], 0
    while index < len(code):
        quote = code[index]
        if quote in "'\"`":
            end = index + 1
            while end < len(code) and code[end] != quote:
                end += 2 if code[end] == "\\" else 1
            found.append(code[index + 1 : end])
            index = end
        index += 1
    return found


def _alias(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    """Aliases expand when the agent's shell enables them: judge their text."""
    for arg in args:
        _, equals, value = arg.partition("=")
        if equals:
            judge_script(value, scope)


def _hash(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    if any(arg.startswith("-") and "p" in arg for arg in args):
        scope.unverifiable("hash -p gives a program another name")


def _awk(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    """awk programs run shell code through system(), `| "cmd"` and getline."""
    index = 0
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg in {"-f", "--file"} or arg.startswith("--file="):
            return  # a program file: not visible (docs/guard.md)
        index += 2 if arg in {"-v", "-F", "--assign", "--field-separator"} else 1
    code = args[index] if index < len(args) else ""
    if not any(marker in code for marker in ("system", "|", "getline")):
        return
    if stdin == STDIN_NETWORK:
        _downloaded("awk runs commands while it reads downloaded content", scope)
    if DYN in code:
        scope.unverifiable("an awk program that runs commands is built at run time")
    # Variables set with -v or as operands may hold the command it runs.
    values = [
        arg.partition("=")[2]
        for position, arg in enumerate(args)
        if position != index
        and is_assignment(arg)
        and (position > index or args[position - 1] in {"-v", "--assign"})
    ]
    _judge_strings(_string_literals(code) + values, scope)


def _sed(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    """GNU sed's `e` command and the s command's `e` flag run text as shell
    code; with downloaded input that text is what was downloaded."""
    if stdin != STDIN_NETWORK:
        return
    scripts: list[str] = []
    index, explicit = 0, False
    while index < len(args):
        arg = args[index]
        if arg in {"-e", "--expression"}:
            scripts.append(_next(args, index))
            explicit, index = True, index + 2
            continue
        if arg.startswith("--expression="):
            scripts.append(arg.partition("=")[2])
            explicit = True
        elif arg in {"-f", "--file"} or arg.startswith(("--file=", "-f")):
            scope.unverifiable("a sed script file run over downloaded content")
        elif not arg.startswith("-") and not explicit and not scripts:
            scripts.append(arg)
        index += 1
    if any(_sed_executes(script) for script in scripts):
        _downloaded("sed runs downloaded content as commands", scope)


def _sed_executes(script: str) -> bool:
    """Whether a sed script has an `e` command or an s command with the `e`
    flag, read command by command (a `;` inside s/// is not a separator)."""
    index, end = 0, len(script)
    while index < end:
        char = script[index]
        if char in " \t\n;{}!,~$" or char.isdigit():
            index += 1  # separators, blocks, negation, line addresses
        elif char in "/\\":  # a /regex/ or \cregexc address
            delimiter = "/" if char == "/" else script[index + 1 : index + 2]
            index = _sed_past(script, index + (1 if char == "/" else 2), delimiter)
        elif char == "e":
            return True
        elif char in "sy":
            delimiter = script[index + 1 : index + 2]
            index = _sed_past(script, index + 2, delimiter)
            index = _sed_past(script, index, delimiter)
            if char == "s":
                flags = index
                while (
                    index < end
                    and script[index] not in ";\n}"
                    and not (script[index].isspace() or script[index] == "w")
                ):
                    index += 1
                if "e" in script[flags:index]:
                    return True
                if index < end and script[index] == "w":  # w FILE: to the line end
                    index = _line_end(script, index)
        elif char in "aicrwRW#":  # text or a file name, to the end of the line
            index = _line_end(script, index)
        elif char in "btTv:":  # a label, to ; or the end of the line
            while index < end and script[index] not in ";\n":
                index += 1
        else:
            index += 1  # d p n q l = g G h H x N P D z F Q and the like
    return False


def _line_end(script: str, index: int) -> int:
    found = script.find("\n", index)
    return len(script) if found < 0 else found


def _sed_past(script: str, index: int, delimiter: str) -> int:
    """The index after the next unescaped `delimiter` (the end if none)."""
    while index < len(script):
        if script[index] == "\\":
            index += 2
        elif script[index] == delimiter:
            return index + 1
        else:
            index += 1
    return len(script)


def _make(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    reads = any(
        arg in {"-f-", "--file=-", "--makefile=-"}
        or (arg in {"-f", "--file", "--makefile"} and _next(args, i) == "-")
        for i, arg in enumerate(args)
    )
    if reads and stdin == STDIN_NETWORK:
        _downloaded("make runs a downloaded makefile", scope)


def _scheduler(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    """at, batch and crontab read commands to run later from stdin."""
    if stdin != STDIN_NETWORK:
        return
    if (
        program == "crontab"
        and "-" not in args
        and any(not arg.startswith("-") for arg in args)
    ):
        return  # crontab FILE
    if program in {"at", "batch"} and "-f" in args:
        return
    _downloaded(f"{program} schedules downloaded content to run", scope)


def _trap(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    if args and not args[0].startswith("-"):
        # The handler runs later, wherever the shell then is.
        later = scope.deeper()
        later.cwd, later.others = None, []
        judge_script(args[0], later)


def _with_command_option(
    options: frozenset[str], values: frozenset[str], skip: int = 0
) -> Handler:
    """su/runuser/script/flock style: `-c CODE` is shell code, else a command.

    `skip` positionals (a user, a lock file, a directory) come before the
    command; options may surround them.
    """
    letters = {option[1] for option in options if len(option) == 2}

    def handler(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
        index, skipped = 0, 0
        while index < len(args):
            arg = args[index]
            name, equals, value = arg.partition("=")
            clustered = arg[:1] == "-" and arg[1:2] != "-" and arg[-1:] in letters
            if name in options or clustered:
                code = value if equals else _next(args, index)
                judge_script(code, scope)
                return
            if arg == "--":
                index += 1
                break
            if DYN in arg[:2]:
                scope.unverifiable(f"{program} argument computed at run time")
            if arg.startswith("-") and arg != "-":
                index += 2 if arg in values else 1
            elif skipped < skip:
                skipped, index = skipped + 1, index + 1
            else:
                break
        if skip < 999:
            judge_words(args[index + max(0, skip - skipped) :], scope.deeper(), stdin)

    return handler


def _next(args: list[str], index: int) -> str:
    return args[index + 1] if index + 1 < len(args) else ""


def _git(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    git.judge_git(["git", *args], scope)


def _rm(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    files.judge_rm(args, scope)


_HANDLERS: dict[str, Handler] = {
    "sudo": _sudo,
    "doas": _sudo,
    "env": _env,
    "command": _command,
    "builtin": _skip_then(frozenset()),
    "exec": _wrapper(_EXEC),
    "nice": _wrapper(_NICE, legacy_number=True),
    "nohup": _wrapper(_NOHUP),
    "setsid": _skip_then(frozenset()),
    "stdbuf": _wrapper(_STDBUF),
    "ionice": _wrapper(_IONICE),
    "time": _wrapper(_TIME),
    "timeout": _wrapper(_TIMEOUT, operands=1),
    "watch": _watch,
    "xargs": _xargs,
    "find": _find,
    "parallel": _parallel,
    "busybox": _busybox,
    "eval": _eval,
    "source": _source,
    ".": _source,
    "git": _git,
    "rm": _rm,
    "alias": _alias,
    "trap": _trap,
    "sed": _sed,
    "gsed": _sed,
    "make": _make,
    "gmake": _make,
    "at": _scheduler,
    "batch": _scheduler,
    "crontab": _scheduler,
    "hash": _hash,
    "awk": _awk,
    "gawk": _awk,
    "mawk": _awk,
    "nawk": _awk,
    "busybox-awk": _awk,
    "su": _with_command_option(
        frozenset({"-c", "--command", "--session-command"}),
        frozenset({"-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w"}),
        skip=1,
    ),
    "runuser": _with_command_option(
        frozenset({"-c", "--command", "--session-command"}),
        frozenset({"-u", "--user", "-s", "--shell", "-g", "--group", "-G", "-w"}),
    ),
    "script": _with_command_option(
        frozenset({"-c", "--command"}),
        frozenset({"-E", "--echo", "-I", "-O", "-B", "-T", "-m", "--logging-format"}),
        skip=999,
    ),
    "flock": _wrapper(_FLOCK, operands=1, code="c"),
    "sg": _with_command_option(frozenset({"-c"}), frozenset(), skip=1),
    "chroot": _wrapper(_CHROOT, operands=1),
    "taskset": _wrapper(_TASKSET, operands=1),
    "chrt": _wrapper(_CHRT, operands=1),
    "faketime": _with_command_option(frozenset(), frozenset({"-f"}), skip=1),
    "strace": _wrapper(_STRACE),
    "ltrace": _wrapper(_LTRACE),
    "unbuffer": _wrapper(Getopt("p", {})),
    "fakeroot": _wrapper(_FAKEROOT),
    "pkexec": _wrapper(_PKEXEC),
    "unshare": _wrapper(_UNSHARE, chdir="Rw"),
    "nsenter": _wrapper(_NSENTER, chdir="rw"),
    "setpriv": _wrapper(_SETPRIV),
    "prlimit": _wrapper(_PRLIMIT),
    "tini": _wrapper(Getopt("svgp:e:lhw", {})),
    "dumb-init": _wrapper(_DUMB_INIT),
    "ssh-agent": _wrapper(Getopt("a:cDdE:kO:P:st:", {})),
    "xvfb-run": _wrapper(_XVFB_RUN),
    "valgrind": _skip_then(frozenset()),
    "catchsegv": _skip_then(frozenset()),
    "entr": _wrapper(Getopt("acdnprszx", {})),
    "systemd-run": _wrapper(
        Getopt(
            "p:u:E:tPGrSqh",
            {
                "property": VALUE,
                "unit": VALUE,
                "setenv": VALUE,
                "uid": VALUE,
                "gid": VALUE,
                "working-directory": VALUE,
                "same-dir": FLAG,
                "pty": FLAG,
                "pipe": FLAG,
                "wait": FLAG,
                "collect": FLAG,
                "quiet": FLAG,
                "user": FLAG,
                "scope": FLAG,
                "shell": FLAG,
                "help": FLAG,
                "version": FLAG,
            },
            {"working-directory": "D"},
        ),
        chdir="D",
    ),
}
