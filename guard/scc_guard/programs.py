"""Judging one simple command: normalise the program, unwrap wrappers, dispatch.

Words arrive with quotes removed; `DYN` marks parts only known at run time.
`stdin` is what the command reads: None when nothing the guard knows of, the
literal text when it is known (a here-doc, `echo ... |`), or one of the
`STDIN_*` markers.
"""

from __future__ import annotations

import posixpath

from scc_guard import files, git, network
from scc_guard.scope import DYN, Scope

STDIN_UNKNOWN = DYN + "unknown"
STDIN_NETWORK = DYN + "network"

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox-sh"})
INTERPRETERS = frozenset(
    {"python", "python2", "python3", "node", "nodejs", "perl", "ruby", "php", "bun"}
)
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
)
_ENV_VALUE_OPTIONS = frozenset(
    {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}
)
_SUDO_VALUE_OPTIONS = frozenset("ugpCDrtUTRhc")


def judge_words(
    words: list[str],
    scope: Scope,
    stdin: str | None = None,
    env: list[str] | None = None,
) -> None:
    """Raise Blocked when the command `words` (with `env` assignments) may not run."""
    if env:
        git.judge_assignments(list(env), scope)
    if not words:
        return
    name = words[0]
    if DYN in name:
        scope.unverifiable("the program name is computed at run time")
    program = posixpath.basename(name) if "/" in name else name
    scope.show(f"program {program}: {' '.join(_printable(words[1:]))}")
    handler = _HANDLERS.get(program)
    if handler is not None:
        handler(program, words[1:], scope, stdin)
    elif program.startswith("git-") and len(program) > 4:
        git.judge_git(["git", program[4:], *words[1:]], scope)
    elif program in SHELLS:
        _judge_shell(program, words[1:], scope, stdin)
    elif _is_interpreter(program):
        _judge_interpreter(program, words[1:], scope, stdin)
    elif program in network.TOOLS:
        network.judge_tool(program, words[1:], scope)


def _printable(words: list[str]) -> list[str]:
    return [word.replace(DYN, "$?") for word in words]


def judge_script(text: str, scope: Scope, stdin: str | None = None) -> None:
    """Judge shell source code (bash -c, eval, here-docs fed to a shell)."""
    from scc_guard.shell import judge_script as judge_shell_text

    if text.startswith(DYN):
        if text == STDIN_NETWORK:
            scope.block("network-exec", "downloaded content is executed by a shell")
            return
        scope.unverifiable("the shell code is computed at run time")
    if DYN in text:
        scope.unverifiable("the shell code is computed at run time")
    judge_shell_text(text, scope.deeper(), stdin)


def _is_interpreter(program: str) -> bool:
    base = program.rstrip("0123456789.")
    return program in INTERPRETERS or base in INTERPRETERS


def _sudo(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        if DYN in arg:
            scope.unverifiable(f"{program} option computed at run time")
        if arg.startswith("--"):
            if "=" not in arg and arg in {
                "--user",
                "--group",
                "--host",
                "--prompt",
                "--chdir",
                "--role",
                "--type",
                "--close-from",
                "--other-user",
                "--command-timeout",
                "--chroot",
            }:
                index += 1
        elif arg[-1] in _SUDO_VALUE_OPTIONS and not any(
            letter in _SUDO_VALUE_OPTIONS for letter in arg[1:-1]
        ):
            index += 1
        index += 1
    # -e / --edit (sudoedit) and -l / -v take no command; the rest runs as given.
    judge_words(args[index:], scope.deeper(), stdin)


def _env(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    index = 0
    assignments: list[str] = []
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg.startswith("-S") or arg.startswith("--split-string"):
            text = _option_value(arg, args, index, "-S", "--split-string")
            if text is None:
                scope.unverifiable("env -S without a string")
                return
            skip = 2 if arg in {"-S", "--split-string"} else 1
            rest = args[index + skip :]
            split = _split_env_string(text, scope)
            judge_words(split + rest, scope.deeper(), stdin, assignments)
            return
        if arg in _ENV_VALUE_OPTIONS:
            index += 2
            continue
        if arg.startswith("-") and arg != "-":
            if DYN in arg:
                scope.unverifiable("env option computed at run time")
            index += 1
            continue
        if arg == "-":
            index += 1
            continue
        if "=" in arg and not arg.startswith("="):
            assignments.append(arg)
            index += 1
            continue
        break
    judge_words(args[index:], scope.deeper(), stdin, assignments)


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


def _skip_then(values: frozenset[str], flags_only: bool = False):  # type: ignore[no-untyped-def]
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


def _timeout(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    index = 0
    while index < len(args) and args[index].startswith("-"):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        index += 2 if arg in {"-s", "-k", "--signal", "--kill-after"} else 1
    judge_words(args[index + 1 :], scope.deeper(), stdin)  # skip the duration


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
            template = [word.replace("{}", DYN) for word in args[index + 1 : end]]
            judge_words(template, scope.deeper())
            index = end
        index += 1


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
    judge_script(" ".join(args), scope, stdin)


def _source(program: str, args: list[str], scope: Scope, stdin: str | None) -> None:
    if not args:
        return
    target = args[0]
    if target.startswith(DYN):
        _judge_generated(target, scope)
    # A script file's body is not visible to a static guard (see docs/guard.md).


def _judge_generated(target: str, scope: Scope) -> None:
    """Code from a process substitution or a file computed at run time."""
    if target.startswith(STDIN_NETWORK):
        scope.block("network-exec", "downloaded content is executed")
        return
    if target.startswith(DYN + "script:"):
        judge_script(target[len(DYN + "script:") :], scope)
        return
    scope.unverifiable("the code to run is produced at run time")


_SHELL_VALUE_OPTIONS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})


def _judge_shell(
    program: str, args: list[str], scope: Scope, stdin: str | None
) -> None:
    index, reads_stdin = 0, False
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
        if arg.startswith("--"):
            index += 1
            continue
        if "c" in arg[1:]:
            if index + 1 >= len(args):
                scope.unverifiable(f"{program} -c without code")
            judge_script(args[index + 1], scope)
            return
        reads_stdin = reads_stdin or "s" in arg[1:]
        index += 1
    if index < len(args) and not reads_stdin:
        script = args[index]
        if script.startswith(DYN):
            _judge_generated(script, scope)
        return  # a script file: its body is not visible (docs/guard.md)
    if stdin is not None:
        judge_script(stdin, scope)


def _judge_interpreter(
    program: str, args: list[str], scope: Scope, stdin: str | None
) -> None:
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in {"-c", "-e", "-E", "--eval", "-p", "--print", "-r"}:
            if index + 1 < len(args):
                judge_code(args[index + 1], scope)
            return
        if arg == "-":
            break
        if arg in {"-m", "-W", "-X", "-I", "-M", "--require", "-r"}:
            return  # a module or option value: runs installed code, not text
        if not arg.startswith("-"):
            if arg.startswith(DYN):
                _judge_generated(arg, scope)
            return  # a script file
        index += 1
    if stdin is not None:
        if stdin == STDIN_NETWORK:
            scope.block("network-exec", "downloaded content is run by an interpreter")
        judge_code(stdin, scope)


def judge_code(code: str, scope: Scope) -> None:
    """Interpreter code: when it spawns programs, judge the strings it passes."""
    if code.startswith(STDIN_NETWORK):
        scope.block("network-exec", "downloaded content is run by an interpreter")
        return
    lowered = code.lower()
    if not any(marker in lowered for marker in _SPAWNERS):
        return
    if DYN in code:
        scope.unverifiable("interpreter code that runs programs is built at run time")
    strings = _string_literals(code)
    for text in strings:
        judge_script(text, scope)
    if strings:
        judge_script(" ".join(strings), scope)


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


_HANDLERS = {
    "sudo": _sudo,
    "doas": _sudo,
    "env": _env,
    "command": _command,
    "builtin": _skip_then(frozenset()),
    "exec": _skip_then(frozenset({"-a"})),
    "nice": _skip_then(frozenset({"-n", "--adjustment"})),
    "nohup": _skip_then(frozenset()),
    "setsid": _skip_then(frozenset()),
    "stdbuf": _skip_then(frozenset({"-i", "-o", "-e"})),
    "ionice": _skip_then(frozenset({"-c", "-n", "-p", "-P", "-u"})),
    "time": _skip_then(frozenset({"-o", "-f", "--output", "--format"})),
    "timeout": _timeout,
    "watch": _watch,
    "xargs": _xargs,
    "find": _find,
    "parallel": _parallel,
    "busybox": _busybox,
    "eval": _eval,
    "source": _source,
    ".": _source,
    "git": lambda program, args, scope, stdin: git.judge_git(["git", *args], scope),
    "rm": lambda program, args, scope, stdin: files.judge_rm(args, scope),
}
