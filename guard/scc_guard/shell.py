"""Full shell text: rewrite what bashlex lacks, parse, walk every node.

Anything that cannot be read for certain blocks with "cannot verify": parse
errors, every exception bashlex raises, node kinds the walker does not know,
substitutions the parser dropped, limits.
"""

from __future__ import annotations

import posixpath

from scc_guard import network, programs
from scc_guard.network import FETCHERS
from scc_guard.rewrite import HEREDOC_WORD, Heredoc, RewriteError, prepare
from scc_guard.scope import DYN, HOME, Scope

_DECLARERS = frozenset({"export", "declare", "typeset", "local", "readonly"})
_STRUCTURAL = frozenset(
    {"list", "pipeline", "compound", "if", "for", "while", "until", "function"}
)
_SCRIPT = DYN + "script:"

MAX_SHELL_TEXT = 20_000
"""Shell text (here-doc bodies aside) beyond this is not parsed: the parser
takes about a second per 80,000 characters, and an answer must come fast."""

TYPE_CHECKING = False  # typing itself costs 3 ms on every parsed decision
if TYPE_CHECKING:
    from typing import Any

    Node = Any
    """A bashlex AST node (bashlex ships no type information)."""


def judge_parsed(text: str, scope: Scope, stdin: str | None = None) -> None:
    """Raise Blocked when shell `text` (beyond plain words) may not run."""
    try:
        prepared = prepare(text)
    except RewriteError as exc:
        scope.unverifiable(f"cannot parse the command ({exc})")
        return
    if _weight(prepared.text) > MAX_SHELL_TEXT:
        scope.unverifiable(
            f"too large: more than {MAX_SHELL_TEXT} characters of shell to analyse"
        )
    _Walker(prepared.heredocs, scope).judge(prepared.text, prepared.count, stdin)


def _weight(text: str) -> int:
    """The parser's work: the text's length, single-quoted contents aside."""
    if len(text) <= MAX_SHELL_TEXT:
        return len(text)
    return len(text) - sum(len(part) for part in text.split("'")[1::2])


def split_words(text: str, scope: Scope) -> list[str]:
    """Split a string into words as the shell would (for env -S, aliases)."""
    words = programs.plain_words(text)
    if words is not None:
        return words
    try:
        prepared = prepare(text)
        trees = _parse(prepared.text)
    except Exception as exc:
        scope.unverifiable(f"cannot split {text!r} into words ({exc})")
        return []
    if len(trees) != 1 or trees[0].kind != "command":
        scope.unverifiable(f"{text!r} is not one simple command")
    walker = _Walker(prepared.heredocs, scope)
    walker.text = prepared.text
    return [walker.expand(part, {}) for part in trees[0].parts if part.kind == "word"]


PARSE_SECONDS = 2.0
"""bashlex can loop forever on some input; past this it counts as unparseable."""


class _ParseTimeout(Exception):
    pass


def _parse(text: str) -> list[Node]:
    import signal
    import threading
    import time

    from scc_guard.parsetables import import_bashlex

    bashlex = import_bashlex()
    if threading.current_thread() is not threading.main_thread():
        return list(bashlex.parse(text))
    started = time.monotonic()
    outer, _ = signal.getitimer(signal.ITIMER_REAL)  # e.g. the hook's deadline
    previous = signal.signal(signal.SIGALRM, _too_slow)
    signal.setitimer(signal.ITIMER_REAL, min(PARSE_SECONDS, outer or PARSE_SECONDS))
    try:
        return list(bashlex.parse(text))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def _too_slow(signum: int, frame: object) -> None:
    raise _ParseTimeout(f"parsing took longer than {PARSE_SECONDS} s")


class _Walker:
    def __init__(self, heredocs: list[Heredoc], scope: Scope) -> None:
        self.heredocs = heredocs
        self.scope = scope
        self.text = ""
        self.functions = 0  # how deep inside function bodies the walk is

    def judge(self, text: str, expected: int, stdin: str | None = None) -> None:
        """Walk `text`; `stdin` is what its commands read unless redirected."""
        if not text.strip():
            return
        try:
            trees = _parse(text)
        except RecursionError:
            self.scope.unverifiable("the command nests too deeply to parse")
            return
        except Exception as exc:  # bashlex raises many kinds; all block
            self.scope.unverifiable(f"cannot parse the command ({type(exc).__name__})")
            return
        found = sum(_count_substitutions(tree) for tree in trees)
        if found < expected:
            self.scope.unverifiable("the parser dropped a command substitution")
        self.text = text
        for tree in trees:
            state = self.scope.state()
            self.node(tree, stdin)
            if self.scope.state() != state:
                self.scope.may_have_stayed(state)  # a cd on its own line may fail

    # -- structure -----------------------------------------------------------

    def node(self, node: Node, stdin: str | None) -> None:
        kind = node.kind
        if kind == "command":
            self.command(node, stdin)
        elif kind == "pipeline":
            before = self.scope.state()
            self.pipeline(node)
            if _negated(node):  # `! cd dir` succeeds when the cd failed
                self.scope.may_have_stayed(before)
        elif kind == "compound":
            self.compound(node, stdin)
        elif kind == "list":
            self.list(node, stdin)
        elif kind == "function":
            self.function(node)
        elif kind == "if":
            self.if_(node, stdin)
        elif kind in _STRUCTURAL:
            # Bodies of if/for/while may run or not: a cd in them may not happen.
            before = self.scope.state()
            for child in node.parts:
                self.child(child, stdin)
            self.scope.may_have_stayed(before)
        elif kind in {"operator", "reservedword", "pipe"}:
            return
        else:
            self.scope.unverifiable(f"unsupported shell construct ({kind})")

    def child(self, child: Node, stdin: str | None = None) -> None:
        if child.kind in {"word", "assignment"}:
            self.substitutions(child, {})
        elif child.kind == "redirect":
            self.redirect(child, {})
        else:
            self.node(child, stdin)

    def if_(self, node: Node, stdin: str | None) -> None:
        """`if c; then a; elif d; then b; else e; fi`: a branch runs only when
        its condition succeeded, so a cd that success implies holds in it;
        `else` and what follows `fi` know only that one of the paths ran."""
        entry = self.scope.state()  # where the next condition starts
        ends: list[tuple[str | None, list[str | None]]] = []
        keyword = ""
        condition: list[Node] = []
        for part in node.parts:
            if part.kind == "reservedword" and part.word in _IF_WORDS:
                if part.word == "then":
                    self.scope.restore(entry)
                    self.condition(condition, stdin)
                    passed = self.scope.state()
                    self.scope.may_have_stayed(entry)
                    entry = self.scope.state()  # the condition failed
                    self.scope.restore(passed)
                elif keyword in {"then", "else"}:
                    ends.append(self.scope.state())
                    self.scope.restore(entry)
                keyword, condition = part.word, []
            elif keyword in {"if", "elif"}:
                condition.append(part)
            else:
                self.child(part, stdin)
        if keyword != "fi":
            self.scope.unverifiable("an if statement without fi")
        if not any(p.kind == "reservedword" and p.word == "else" for p in node.parts):
            ends.append(entry)  # no condition held
        self.scope.restore(ends[0])
        for end in ends[1:]:
            self.scope.may_have_stayed(end)

    def condition(self, parts: list[Node], stdin: str | None) -> None:
        """Walk an if condition, leaving the state its success implies."""
        before = self.scope.state()
        for part in parts:
            if part.kind == "list":
                self.list(part, stdin, succeeded=True)
            else:
                self.child(part, stdin)
        plain = len(parts) == 1 and parts[0].kind in {"list", "command", "pipeline"}
        if not plain or _negated(parts[0]):
            self.scope.may_have_stayed(before)  # success says nothing sure

    def list(self, node: Node, stdin: str | None, succeeded: bool = False) -> None:
        """`a && b; c || d & e`: a cd only surely holds for what `&&` guards.

        With `succeeded`, what follows knows the list's exit status was 0, so
        the last `&&` chain ran to its end (an if condition).
        """
        parts = node.parts
        pending: list[tuple[str | None, list[str | None]]] = []
        last = max((i for i, p in enumerate(parts) if p.kind != "operator"), default=-1)
        chain = self.scope.state()  # before the current `&&`/`||` chain
        for index, part in enumerate(parts):
            if part.kind == "operator":
                if succeeded and index > last and part.op in {";", "\n"}:
                    continue  # the list's terminator
                if part.op != "&&" and pending:
                    following = parts[index + 1] if index + 1 < len(parts) else None
                    if not (part.op == "||" and _exits(following, self)):
                        for state in pending:
                            self.scope.may_have_stayed(state)
                    pending = []
                if part.op not in {"&&", "||"}:
                    chain = self.scope.state()
                continue
            before_op = (
                parts[index - 1].op
                if index and parts[index - 1].kind == "operator"
                else None
            )
            after = parts[index + 1] if index + 1 < len(parts) else None
            after_op = (
                after.op if after is not None and after.kind == "operator" else None
            )
            state = self.scope.state()
            self.node(part, stdin)
            if after_op == "&":
                # The whole chain runs in the background, in a subshell.
                self.scope.restore(chain)
                pending = []
            elif before_op == "||":
                self.scope.may_have_stayed(state)
            elif self.scope.state() != state:
                pending.append(state)
        if not succeeded:
            for state in pending:
                self.scope.may_have_stayed(state)

    def function(self, node: Node) -> None:
        """A definition runs nothing; calling it may change the directory."""
        name = node.parts[0].word if node.parts and node.parts[0].kind == "word" else ""
        state = self.scope.state()
        # The body runs where the function is called, which may be anywhere.
        self.scope.cwd, self.scope.others = None, []
        self.functions += 1
        try:
            for child in node.parts[1:]:
                self.child(child)
        finally:
            self.functions -= 1
        changed = self.scope.state() != (None, [])
        self.scope.restore(state)
        if changed or name in {"cd", "pushd", "popd"}:
            self.scope.untrusted.add(name)

    def compound(self, node: Node, stdin: str | None = None) -> None:
        subshell = (
            node.list
            and node.list[0].kind == "reservedword"
            and (node.list[0].word == "(")
        )
        saved = self.scope.state()
        for redirect in getattr(node, "redirects", []) or []:
            fed = self.redirect(redirect, {})
            if redirect.type in {"<", "<<<"}:
                stdin = fed
        for child in node.list:
            self.child(child, stdin)
        if subshell:
            self.scope.restore(saved)

    def pipeline(self, node: Node) -> None:
        previous = None
        commands = [p for p in node.parts if p.kind not in {"pipe", "reservedword"}]
        saved = self.scope.state()
        for part in commands:
            stdin = self.output_of(previous) if previous is not None else None
            self.node(part, stdin)
            if len(commands) > 1:
                self.scope.restore(saved)  # each part runs in a subshell
            previous = part

    # -- commands ------------------------------------------------------------

    def command(self, node: Node, stdin: str | None) -> None:
        subs: dict[int, str] = {}
        env_nodes, word_nodes = [], []
        for part in node.parts:
            if part.kind == "assignment":
                env_nodes.append(part)
                self.substitutions(part, subs)
            elif part.kind == "word":
                word_nodes.append(part)
                self.substitutions(part, subs)
            elif part.kind == "redirect":
                fed = self.redirect(part, subs)
                if part.type in {"<", "<<<"}:
                    stdin = fed  # the last input redirect wins
            else:
                self.scope.unverifiable(f"unsupported part of a command ({part.kind})")
        env = [self.expand(part, subs) for part in env_nodes]
        words = [self.expand(part, subs) for part in word_nodes]
        self.scope.show(f"command: {' '.join(w.replace(DYN, '$?') for w in words)}")
        if any(a.startswith("CDPATH=") for a in [*env, *words[1:]]):
            # cd NAME may then go to a directory found through CDPATH.
            self.scope.untrusted.update({"cd", "pushd"})
        if words and words[0] in self.scope.untrusted:
            self.scope.cwd = None  # a function that changes the directory
            return
        if words[:1] == ["pushd"] and (
            len(words) == 1 or any(w.startswith(("-", "+")) for w in words[1:])
        ):
            # No directory swaps the top two; +N/-N rotate; -n does not move.
            self.scope.cwd, self.scope.others = None, []
            return
        if words[:1] in (["builtin"], ["command"]) and words[1:2] in (
            ["cd"],
            ["pushd"],
            ["popd"],
        ):
            self.scope.cwd, self.scope.others = None, []
            return
        if words and words[0] in {"cd", "pushd"}:
            self.scope.change_directory(words[1:])
            return
        if words and words[0] == "popd":
            self.scope.cwd = None
            return
        if words and words[0] in _DECLARERS:
            env += [word for word in words[1:] if programs.is_assignment(word)]
        programs.judge_words(words, self.scope, stdin, env)

    def redirect(self, node: Node, subs: dict[int, str]) -> str | None:
        """Judge a redirect's target; return what it feeds to stdin, if known."""
        target = node.output
        if not hasattr(target, "kind"):
            return None  # a file descriptor number (2>&1)
        self.substitutions(target, subs)
        word = self.expand(target, subs)
        if node.type == "<" and word.startswith(HEREDOC_WORD):
            return self.heredoc_content(word)
        if node.type == "<" and word.startswith(DYN):
            if word.startswith(_SCRIPT):
                return word[len(_SCRIPT) :]
            return word if word == programs.STDIN_NETWORK else programs.STDIN_UNKNOWN
        if word.startswith(("/dev/tcp/", "/dev/udp/")):
            host = word.split("/")[3] if word.count("/") >= 4 else DYN
            network.judge_hosts(f"bash {word[:8]}", [host], self.scope)
        if node.type == "<<<":
            return word + "\n"
        return None

    def heredoc_content(self, word: str) -> str:
        number = word[len(HEREDOC_WORD) : -2]
        if not number.isdigit() or not word.endswith("__"):
            self.scope.unverifiable("a here-document is mixed with other words")
        heredoc = self.heredocs[int(number)]
        for sub in heredoc.substitutions:
            self.nested(sub)
        if heredoc.quoted or not any(c in heredoc.body for c in "$`\\"):
            return heredoc.body
        return DYN + heredoc.body

    def nested(self, text: str) -> None:
        """Judge shell text lifted out of this one (here-doc substitutions)."""
        inner = self.scope.deeper()
        prepared = prepare(text, self.heredocs)
        walker = _Walker(self.heredocs, inner)
        walker.judge(prepared.text, prepared.count)
        self.scope.cwd = self.scope.cwd

    def substitutions(self, node: Node, subs: dict[int, str]) -> None:
        """Judge command and process substitutions inside a word."""
        for part in getattr(node, "parts", None) or []:
            if part.kind in {"commandsubstitution", "processsubstitution"}:
                saved = self.scope.cwd
                inner = self.scope.deeper()
                walker = _Walker(self.heredocs, inner)
                walker.text = self.text
                # >(cmd) reads whatever the outer command writes to it.
                writes_to = self.text[part.pos[0] : part.pos[0] + 1] == ">"
                walker.node(part.command, programs.STDIN_UNKNOWN if writes_to else None)
                self.scope.cwd = saved
                produced = self.output_of(part.command)
                if part.kind == "commandsubstitution":
                    # Its output is split into words at run time: unknown,
                    # except that downloaded content stays marked as such.
                    if produced != programs.STDIN_NETWORK:
                        produced = DYN
                elif not produced.startswith(DYN):
                    produced = _SCRIPT + produced
                subs[part.pos[0]] = produced
            elif part.kind in {"parameter", "tilde"}:
                continue
            else:
                self.substitutions(part, subs)

    def output_of(self, node: Node) -> str:
        """What a command writes to stdout, when the guard can know it."""
        if node.kind == "pipeline":
            commands = [part for part in node.parts if part.kind == "command"]
            outputs = [self.output_of(part) for part in commands]
            if programs.STDIN_NETWORK in outputs:
                return programs.STDIN_NETWORK
            return outputs[-1] if len(outputs) == 1 else programs.STDIN_UNKNOWN
        if node.kind != "command":
            return programs.STDIN_UNKNOWN
        words = [self.expand(p, {}) for p in node.parts if p.kind == "word"]
        program = posixpath.basename(words[0]) if words else ""
        if program in FETCHERS:
            return programs.STDIN_NETWORK
        if program == "echo":
            return _echo(words[1:])
        if program == "printf":
            return _printf(words[1:])
        if program == "cat" and len(words) == 1:
            fed = programs.STDIN_UNKNOWN  # the last input redirect wins
            for part in node.parts:
                if part.kind == "redirect" and hasattr(part.output, "kind"):
                    target = self.expand(part.output, {})
                    if target.startswith(HEREDOC_WORD):
                        fed = self.heredoc_content(target)
                    elif part.type == "<<<":
                        fed = target + "\n"
                    elif part.type == "<":
                        fed = programs.STDIN_UNKNOWN
            return fed
        return programs.STDIN_UNKNOWN

    # -- words ---------------------------------------------------------------

    def expand(self, node: Node, subs: dict[int, str]) -> str:
        start, end = node.pos
        return expand_word(self.text, start, end, subs, self.scope)


_IF_WORDS = frozenset({"if", "then", "elif", "else", "fi"})


def _negated(node: Node) -> bool:
    """`! cmd` anywhere inside: success may mean that something failed."""
    if node.kind == "reservedword" and node.word == "!":
        return True
    return any(_negated(child) for child in _children(node))


def _children(node: Node) -> list[Node]:
    found = list(getattr(node, "parts", None) or [])
    found += getattr(node, "list", None) or []
    command = getattr(node, "command", None)
    if hasattr(command, "kind"):
        found.append(command)
    return found


def _exits(node: Node | None, walker: _Walker) -> bool:
    """`cd dir || exit`: the failure path leaves, so later commands run in dir.
    (`return` leaves only a function: elsewhere bash reports it and goes on.)"""
    if node is None or node.kind != "command":
        return False
    words = [walker.expand(p, {}) for p in node.parts if p.kind == "word"]
    leaving = {"exit", "return"} if walker.functions else {"exit"}
    return bool(words) and words[0] in leaving


def expand_word(
    text: str, start: int, end: int, subs: dict[int, str], scope: Scope
) -> str:
    """Quote removal and expansion; run-time parts become DYN (or what they are)."""
    out: list[str] = []
    index = start
    quoted = False
    while index < end:
        char = text[index]
        if char == "'" and not quoted:
            close = text.find("'", index + 1)
            if close < 0 or close >= end:
                scope.unverifiable("a quote does not close inside its word")
                return DYN
            out.append(text[index + 1 : close])
            index = close + 1
        elif char == '"':
            quoted = not quoted
            index += 1
        elif char == "\\":
            following = text[index + 1 : index + 2]
            if not quoted or following in {"$", "`", '"', "\\"}:
                out.append(following if following != "\n" else "")
            else:
                out.append("\\" + following)
            index += 2
        elif char == "$" and index + 1 < end:
            index = _expand_dollar(text, index, end, subs, scope, out)
        elif char == "{" and not quoted and _is_brace_expansion(text, index, end):
            out.append(DYN)  # {a,b} and {1..9} become several words
            index = text.find("}", index) + 1
            if index <= 0:
                scope.unverifiable("a brace expansion does not close")
                return DYN
        elif char in "<>" and text[index + 1 : index + 2] == "(" and not quoted:
            out.append(subs.get(index, DYN))
            index = _match(text, index + 1, "(", ")") + 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _is_brace_expansion(text: str, index: int, end: int) -> bool:
    close = text.find("}", index, end)
    inner = text[index + 1 : close] if close > index else ""
    return "," in inner or ".." in inner


def _expand_dollar(
    text: str, index: int, end: int, subs: dict[int, str], scope: Scope, out: list[str]
) -> int:
    following = text[index + 1]
    if following == "(":
        out.append(subs.get(index, DYN))
        return _match(text, index + 1, "(", ")") + 1
    if following == "{":
        close = _match(text, index + 1, "{", "}")
        name = text[index + 2 : close]
        out.append(_variable(name, scope))
        return close + 1
    if following.isalpha() or following == "_":
        stop = index + 1
        while stop < end and (text[stop].isalnum() or text[stop] == "_"):
            stop += 1
        out.append(_variable(text[index + 1 : stop], scope))
        return stop
    if following in "0123456789@*#?$!-":
        out.append(DYN)
        return index + 2
    out.append("$")
    return index + 1


def _variable(name: str, scope: Scope) -> str:
    if name == "HOME":
        return HOME
    if name == "PWD" and scope.cwd is not None and not scope.others:
        return scope.cwd
    return DYN


def _match(text: str, index: int, opener: str, closer: str) -> int:
    depth = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "'" and opener == "(":
            index = text.index("'", index + 1) + 1
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError(f"unbalanced {opener}")


def _echo(args: list[str]) -> str:
    escapes = False
    while args and args[0] in {"-n", "-e", "-E", "-ne", "-en"}:
        escapes = escapes or "e" in args[0]
        args = args[1:]
    text = " ".join(args) + "\n"
    return _decode(text) if escapes else text


def _printf(args: list[str]) -> str:
    """printf's output for plain %s-style formats (reused while values remain)."""
    if not args:
        return ""
    form, values, index, pieces = args[0], args[1:], 0, []
    while True:
        text, used = form, 0
        while "%" in text:
            head, _, rest = text.partition("%")
            pieces.append(head)
            if rest[:1] == "%":
                pieces.append("%")
            else:
                pieces.append(values[index] if index < len(values) else "")
                index, used = index + 1, used + 1
            text = rest[1:]
        pieces.append(text)
        if index >= len(values) or used == 0:
            break
    return _decode("".join(pieces))


def _decode(text: str) -> str:
    return (
        text.replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\r", "\r")
        .replace("\\\\", "\\")
    )


def _count_substitutions(node: Node) -> int:
    count = 1 if node.kind in {"commandsubstitution", "processsubstitution"} else 0
    for name in ("parts", "list"):
        for child in getattr(node, name, None) or []:
            count += _count_substitutions(child)
    for name in ("command", "output", "heredoc"):
        child = getattr(node, name, None)
        if hasattr(child, "kind"):
            count += _count_substitutions(child)
    for child in getattr(node, "redirects", None) or []:
        count += _count_substitutions(child)
    return count
