"""Rewrite shell text so bashlex 0.18 can parse it, without hiding anything.

bashlex cannot parse quoted here-doc delimiters, `[[ ]]`, `$(( ))`, `(( ))`,
`case`, arrays, `time`, C-style `for`, `select` or `coproc`. This pass reads
the text with full knowledge of quoting and replaces each construct by one
bashlex can parse and that runs at least the same commands:

- here-doc bodies are lifted out into `Heredoc` records and the operator
  becomes `< __SCC_HEREDOC_<n>__`; the walker knows what each one feeds;
- tests and arithmetic become `:` followed by the substitutions they contain,
  so those commands are still judged;
- `case` becomes a group holding every branch;
- `select` becomes `for`, C-style `for` becomes `while :`, `time` and
  `coproc` are dropped, arrays become `name= : elements`.

It also counts every command and process substitution it emits, so the walker
can tell when bashlex silently dropped one.
"""

from __future__ import annotations

HEREDOC_WORD = "__SCC_HEREDOC_"
_OPERATOR_CHARS = frozenset(";&|()<> \t\n")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_OPENERS = frozenset(
    {"if", "then", "else", "elif", "while", "until", "do", "!", "{", "(", "function"}
)
_ANSI = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
MAX_TEXT = 100_000
MAX_NESTING = 16
"""Substitutions nested deeper than this are not analysed (and so blocked)."""


class RewriteError(Exception):
    """The text is not valid shell (or hits a limit); the guard blocks it."""


class Heredoc:
    __slots__ = ("body", "quoted", "substitutions")

    def __init__(self, body: str, quoted: bool, substitutions: list[str]) -> None:
        self.body = body
        self.quoted = quoted
        self.substitutions = substitutions


class Prepared:
    """Rewritten text, the here-docs lifted out of it, and its substitution count."""

    __slots__ = ("count", "heredocs", "text")

    def __init__(self, text: str, count: int, heredocs: list[Heredoc]) -> None:
        self.text = text
        self.count = count
        self.heredocs = heredocs


def prepare(
    text: str, heredocs: list[Heredoc] | None = None, depth: int = 0
) -> Prepared:
    if len(text) > MAX_TEXT:
        raise RewriteError(f"text longer than {MAX_TEXT} characters")
    table = heredocs if heredocs is not None else []
    rewriter = _Rewriter(text, table, depth)
    rewriter.script(None)
    if rewriter.pending:
        raise RewriteError("here-document without a body")
    return Prepared("".join(rewriter.out), rewriter.count, table)


class _Rewriter:
    def __init__(self, src: str, heredocs: list[Heredoc], depth: int = 0) -> None:
        if depth > MAX_NESTING:
            raise RewriteError(f"substitutions nested deeper than {MAX_NESTING}")
        self.depth = depth
        self.src = src
        self.pos = 0
        self.out: list[str] = []
        self.count = 0
        self.heredocs = heredocs
        self.pending: list[tuple[int, str, bool, bool]] = []

    # -- helpers ---------------------------------------------------------

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    def startswith(self, text: str) -> bool:
        return self.src.startswith(text, self.pos)

    def nested(self) -> _Rewriter:
        inner = _Rewriter(self.src, self.heredocs, self.depth + 1)
        inner.pos = self.pos
        return inner

    def take(self, inner: _Rewriter) -> str:
        """Adopt what a nested rewriter read; return its output."""
        self.pos = inner.pos
        self.count += inner.count
        self.pending.extend(inner.pending)
        return "".join(inner.out)

    # -- scripts ---------------------------------------------------------

    def script(self, stop: str | None, case_items: bool = False) -> str:
        """Read commands until `stop` (a closing char) or the end; return why."""
        command_start = True
        depth = 0
        while self.pos < len(self.src):
            char = self.peek()
            if char == "\n":
                self.out.append("\n")
                self.pos += 1
                self.read_heredoc_bodies()
                command_start = True
                continue
            if char in " \t":
                self.out.append(char)
                self.pos += 1
                continue
            if char == "\\" and self.peek(1) == "\n":
                self.pos += 2
                continue
            if char == "#":
                while self.pos < len(self.src) and self.peek() != "\n":
                    self.pos += 1
                continue
            if stop and char == stop and depth == 0:
                return stop
            if case_items and (self.startswith(";;") or self.startswith(";&")):
                return ";;"
            if char == ")" and depth > 0:
                depth -= 1
                self.out.append(")")
                self.pos += 1
                command_start = False
                continue
            if char in "<>" and self.peek(1) == "(":
                self.process_substitution()
                command_start = False
                continue
            if self.startswith("<<<"):
                self.out.append("<<<")
                self.pos += 3
                command_start = False
                continue
            if self.startswith("<<"):
                self.heredoc_operator()
                continue
            if char in ";&|<>":
                command_start = char in ";&|" or command_start
                self.out.append(char)
                self.pos += 1
                continue
            if char == "(":
                if command_start and self.peek(1) == "(" and self.is_arithmetic(2):
                    self.arithmetic_command()
                    command_start = False
                    continue
                depth += 1
                self.out.append("(")
                self.pos += 1
                command_start = True
                continue
            if char == ")":
                raise RewriteError("unbalanced ')'")
            word_start = len(self.out)
            word = self.word(command_start)
            if command_start and word is not None:
                if case_items and word == "esac":
                    del self.out[word_start:]
                    return "esac"
                command_start = self.keyword(word, word_start)
            else:
                command_start = False
        if stop:
            raise RewriteError(f"missing '{stop}'")
        return ""

    def keyword(self, word: str, word_start: int) -> bool:
        """Handle a word read at command start; return whether a command follows."""
        if word in {"time", "coproc"}:
            del self.out[word_start:]
            self.skip_blanks()
            if word == "time" and self.startswith("-p") and self.peek(2) in " \t":
                self.pos += 2
            if word == "coproc":
                self.skip_coproc_name()
            return True
        if word == "select":
            self.out[word_start:] = ["for"]
            return False
        if word == "for":
            self.skip_blanks_out()
            if self.startswith("(("):
                del self.out[word_start:]
                subs = self.collect_until("))", skip=2)
                self.out.append("while : " + " ".join(subs) + " ")
                return False
            return False
        if word == "case":
            del self.out[word_start:]
            self.case()
            return False
        if word == "[[":
            del self.out[word_start:]
            start = self.pos
            subs = self.collect_until("]]", skip=0, word_end=True)
            _check_arithmetic_test(self.src[start : self.pos])
            self.out.append(": " + " ".join(subs) + " ")
            return False
        if word in {"in"}:
            return False
        if (
            "=" in word
            and word.partition("=")[0].rstrip("+")
            and _is_name(word.partition("=")[0].rstrip("+"))
        ):
            return True
        return word in _OPENERS

    def skip_blanks(self) -> None:
        while self.peek() in {" ", "\t"} and self.peek():
            self.pos += 1

    def skip_blanks_out(self) -> None:
        while self.peek() in {" ", "\t"} and self.peek():
            self.out.append(self.peek())
            self.pos += 1

    def skip_coproc_name(self) -> None:
        start = self.pos
        while self.peek() and self.peek() in _NAME_CHARS:
            self.pos += 1
        name_end = self.pos
        self.skip_blanks()
        if name_end > start and self.peek() in {"{", "("}:
            return
        self.pos = start

    # -- words -----------------------------------------------------------

    def word(self, command_start: bool) -> str | None:
        """Copy one word; return its plain text when it has no quoting at all."""
        start = self.pos
        plain = True
        self.array_assignment()
        while self.pos < len(self.src):
            char = self.peek()
            if char in _OPERATOR_CHARS:
                if char in "<>" and self.peek(1) == "(":
                    self.process_substitution()
                    plain = False
                    continue
                break
            plain = self.word_char(char) and plain
        text = self.src[start : self.pos]
        return text if plain else None

    def array_assignment(self) -> None:
        index = self.pos
        while index < len(self.src) and self.src[index] in _NAME_CHARS:
            index += 1
        if index == self.pos or self.src[self.pos] not in _NAME_START:
            return
        if self.src.startswith("+=(", index):
            operator = 3
        elif self.src.startswith("=(", index):
            operator = 2
        else:
            return
        # name=(a b): an assignment; what runs inside becomes one substitution
        # so the command that may follow (`x=(y) rm -rf /`) stays the command.
        name = self.src[self.pos : index] + ("+" if operator == 3 else "")
        self.pos = index + operator - 1
        subs = self.collect_until(")", skip=1)
        if subs:
            self.count += 1
            self.out.append(f"{name}=$(: {' '.join(subs)})")
        else:
            self.out.append(f"{name}=")

    def word_char(self, char: str) -> bool:
        """Copy the construct starting at `char`; return True if it was plain."""
        if char == "\\":
            self.out.append(self.src[self.pos : self.pos + 2])
            self.pos += 2
            return False
        if char == "'":
            end = self.src.find("'", self.pos + 1)
            if end < 0:
                raise RewriteError("unterminated single quote")
            # bashlex 0.18 loops forever on some `${` inside single quotes;
            # `'a'\$'b'` is the same word and parses.
            quoted = self.src[self.pos : end + 1]
            self.out.append(quoted.replace("$", "'\\$'"))
            self.pos = end + 1
            return False
        if char == '"':
            self.out.append('"')
            self.pos += 1
            self.double_quoted('"')
            self.out.append('"')
            self.pos += 1
            return False
        if char == "$":
            return self.dollar()
        if char == "`":
            self.backtick()
            return False
        self.out.append(char)
        self.pos += 1
        return True

    def double_quoted(self, end: str) -> None:
        """Copy double-quoted text up to (not including) `end`."""
        while True:
            char = self.peek()
            if not char:
                raise RewriteError("unterminated double quote")
            if char == end:
                return
            if char == "\\":
                self.out.append(self.src[self.pos : self.pos + 2])
                self.pos += 2
            elif char == "$":
                self.dollar(quoted=True)
            elif char == "`":
                self.backtick()
            else:
                self.out.append(char)
                self.pos += 1

    def is_arithmetic(self, skip: int) -> bool:
        """`((` or `$((` opens arithmetic only when its first `)` at depth 0 is
        followed by another; otherwise bash reads nested subshells."""
        index, depth = self.pos + skip, 0
        while index < len(self.src):
            char = self.src[index]
            if char == "\\":
                index += 2
                continue
            if char in "'\"":
                end = self.src.find(char, index + 1)
                if end < 0:
                    return True  # let the arithmetic reader report it
                index = end + 1
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    return self.src[index + 1 : index + 2] == ")"
                depth -= 1
            index += 1
        return True

    def dollar(self, quoted: bool = False) -> bool:
        nxt = self.peek(1)
        if self.startswith("$((") and self.is_arithmetic(3):
            self.arithmetic_expansion()
        elif nxt == "(":
            self.pos += 2
            inner = self.nested()
            inner.script(")")
            body = self.take(inner)
            self.pos += 1
            self.count += 1
            self.out.append("$(" + body + ")")
        elif nxt == "{":
            self.parameter()
        elif nxt == "'" and not quoted:
            self.ansi_c()
        elif nxt == '"' and not quoted:
            self.pos += 1
        else:
            self.out.append("$")
            self.pos += 1
        return False

    def parameter(self) -> None:
        """`${...}`: kept as is, unless it hides substitutions bashlex drops."""
        start = self.pos
        self.pos += 2
        depth = 1
        subs: list[str] = []
        while depth:
            char = self.peek()
            if not char:
                raise RewriteError("unterminated ${")
            if char == "\\":
                self.pos += 2
            elif char == "'":
                end = self.src.find("'", self.pos + 1)
                self.pos = (end if end >= 0 else len(self.src) - 1) + 1
            elif char == "{":
                depth += 1
                self.pos += 1
            elif char == "}":
                depth -= 1
                self.pos += 1
            elif char in "$`<>" and (char == "`" or self.peek(1) == "("):
                subs.extend(self.substitution_only())
            else:
                self.pos += 1
        if subs:
            self.out.append("$(: " + " ".join(subs) + ")")
            self.count += 1
        else:
            self.out.append(self.src[start : self.pos])

    def ansi_c(self) -> None:
        self.pos += 2
        text: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise RewriteError("unterminated $'")
            self.pos += 1
            if char == "'":
                break
            if char != "\\":
                text.append(char)
                continue
            text.append(self.ansi_escape())
        value = "".join(text).replace("'", "'\\''")
        self.out.append("'" + value + "'")

    def ansi_escape(self) -> str:
        char = self.peek()
        self.pos += 1
        if char in _ANSI:
            return _ANSI[char]
        digits = {"x": 2, "u": 4, "U": 8}.get(char)
        base = 16
        if digits is None and char in "01234567":
            self.pos -= 1
            digits, base = 3, 8
        if digits is None:
            return "\\" + char
        start = self.pos
        allowed = "0123456789abcdefABCDEF" if base == 16 else "01234567"
        while self.pos - start < digits and self.peek() and self.peek() in allowed:
            self.pos += 1
        if self.pos == start:
            return "\\" + char
        return chr(int(self.src[start : self.pos], base))

    def backtick(self) -> None:
        self.pos += 1
        end = self.pos
        while end < len(self.src) and self.src[end] != "`":
            end += 2 if self.src[end] == "\\" else 1
        if end >= len(self.src):
            raise RewriteError("unterminated backquote")
        inner_text = self.src[self.pos : end].replace("\\`", "`").replace("\\$", "$")
        inner = prepare(inner_text, self.heredocs, self.depth + 1)
        self.count += inner.count + 1
        self.out.append("$(" + inner.text + ")")
        self.pos = end + 1

    def process_substitution(self) -> None:
        marker = self.peek()
        self.pos += 2
        inner = self.nested()
        inner.script(")")
        body = self.take(inner)
        self.pos += 1
        self.count += 1
        self.out.append(marker + "(" + body + ")")

    # -- constructs bashlex lacks ------------------------------------------

    def arithmetic_expansion(self) -> None:
        subs = self.collect_until("))", skip=3)
        if subs:
            self.count += 1
            self.out.append("$(: " + " ".join(subs) + ")")
        else:
            self.out.append("1")

    def arithmetic_command(self) -> None:
        subs = self.collect_until("))", skip=2)
        self.out.append(": " + " ".join(subs) + " ")

    def collect_until(
        self, closer: str, skip: int, word_end: bool = False
    ) -> list[str]:
        """Skip to `closer`, returning the substitutions inside (as `$(...)`)."""
        self.pos += skip
        subs: list[str] = []
        depth = 0
        while True:
            char = self.peek()
            if not char:
                raise RewriteError(f"missing '{closer}'")
            if (
                depth == 0
                and self.startswith(closer)
                and (
                    not word_end
                    or (
                        self.src[self.pos - 1] in " \t\n"
                        and self.peek(len(closer))
                        in {"", " ", "\t", "\n", ";", "&", "|", ")"}
                    )
                )
            ):
                self.pos += len(closer)
                return subs
            if char == "\\":
                self.pos += 2
            elif char == "'":
                end = self.src.find("'", self.pos + 1)
                if end < 0:
                    raise RewriteError("unterminated single quote")
                self.pos = end + 1
            elif (
                (char == "$" and self.peek(1) == "(")
                or char == "`"
                or (char in "<>" and self.peek(1) == "(")
            ):
                subs.extend(self.substitution_only())
            elif char == "(":
                depth += 1
                self.pos += 1
            elif char == ")":
                depth -= 1
                self.pos += 1
            else:
                self.pos += 1

    def substitution_only(self) -> list[str]:
        """Read one substitution at pos; return it as `$(...)` text."""
        saved = self.out
        self.out = []
        before = self.count
        char = self.peek()
        if char == "`":
            self.backtick()
        elif char in "<>":
            self.process_substitution()
        elif self.startswith("$(("):
            self.arithmetic_expansion()
        else:
            self.dollar()
        text = "".join(self.out)
        self.out = saved
        if self.count == before:
            return []
        self.count = before  # counted again when the caller emits it
        if text.startswith(("<(", ">(")):
            text = "$(" + text[2:]
        return [text]

    def case(self) -> None:
        """case WORD in (PATTERN) COMMANDS ;; ... esac  ->  { : ; { ... } ; }"""
        subs = self.collect_word()
        self.skip_space()
        if not self.startswith("in") or self.peek(2) not in {" ", "\t", "\n", ""}:
            raise RewriteError("case without 'in'")
        self.pos += 2
        self.out.append("{ : " + " ".join(subs) + " ;")
        while True:
            self.skip_space()
            if self.startswith("esac") and self.peek(4) in {
                "",
                " ",
                "\t",
                "\n",
                ";",
                "&",
                "|",
                ")",
            }:
                self.pos += 4
                break
            if not self.peek():
                raise RewriteError("case without 'esac'")
            if self.peek() == "(":
                self.pos += 1
            pattern_subs = self.collect_until(")", skip=0)
            self.out.append(" { : " + " ".join(pattern_subs) + " ;")
            inner = self.nested()
            reason = inner.script(None, case_items=True)
            self.out.append(self.take(inner))
            self.out.append("\n} ;")
            if reason == "esac":
                self.pos += 4
                break
            if reason == ";;":
                self.pos += 3 if self.startswith(";;&") else 2
            else:
                raise RewriteError("case without 'esac'")
        self.out.append(" }")

    def collect_word(self) -> list[str]:
        self.skip_space()
        subs: list[str] = []
        saved, self.out = self.out, []
        before = self.count
        self.word(False)
        text = "".join(self.out)
        self.out = saved
        if self.count > before:
            self.count = before
            subs.append(text)
        return subs

    def skip_space(self) -> None:
        while self.peek() and self.peek() in " \t\n":
            if self.peek() == "\n":
                self.pos += 1
                self.read_heredoc_bodies()
                continue
            self.pos += 1

    # -- here-documents ----------------------------------------------------

    def heredoc_operator(self) -> None:
        self.pos += 2
        strip = self.peek() == "-"
        if strip:
            self.pos += 1
        self.skip_blanks()
        start = self.pos
        delimiter: list[str] = []
        quoted = False
        while self.peek() and self.peek() not in _OPERATOR_CHARS:
            char = self.peek()
            if char in "'\"":
                end = self.src.find(char, self.pos + 1)
                if end < 0:
                    raise RewriteError("unterminated quote in here-doc delimiter")
                delimiter.append(self.src[self.pos + 1 : end])
                self.pos = end + 1
                quoted = True
            elif char == "\\":
                delimiter.append(self.peek(1))
                self.pos += 2
                quoted = True
            elif char == "$" and self.peek(1) in "({":
                raise RewriteError("here-doc delimiter with an expansion")
            else:
                delimiter.append(char)
                self.pos += 1
        if self.pos == start:
            raise RewriteError("here-doc operator without a delimiter")
        number = len(self.heredocs) + len(self.pending)
        self.pending.append((number, "".join(delimiter), quoted, strip))
        self.out.append(f"< {HEREDOC_WORD}{number}__ ")

    def read_heredoc_bodies(self) -> None:
        pending, self.pending = self.pending, []
        for number, delimiter, quoted, strip in sorted(pending):
            lines: list[str] = []
            while True:
                if self.pos >= len(self.src):
                    break  # bash warns and takes the rest as the body
                end = self.src.find("\n", self.pos)
                end = len(self.src) if end < 0 else end
                line = self.src[self.pos : end]
                self.pos = min(end + 1, len(self.src))
                if strip:
                    line = line.lstrip("\t")
                if line == delimiter:
                    break
                lines.append(line)
            body = "\n".join(lines) + ("\n" if lines else "")
            subs = [] if quoted else _body_substitutions(body, self.heredocs)
            while len(self.heredocs) <= number:
                self.heredocs.append(Heredoc("", True, []))
            self.heredocs[number] = Heredoc(body, quoted, subs)


def _body_substitutions(body: str, heredocs: list[Heredoc]) -> list[str]:
    """Substitutions in an unquoted here-doc body (they run when it is read)."""
    rewriter = _Rewriter(body, heredocs)
    subs: list[str] = []
    while rewriter.pos < len(body):
        char = rewriter.peek()
        if char == "\\":
            rewriter.pos += 2
        elif (
            (char == "$" and rewriter.peek(1) == "(")
            or char == "`"
            or (char == "$" and rewriter.peek(1) == "{")
        ):
            subs.extend(rewriter.substitution_only())
        else:
            rewriter.pos += 1
    return [sub[2:-1] for sub in subs]


_ARITHMETIC_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})


def _check_arithmetic_test(text: str) -> None:
    """`[[ 'a[$(cmd)]' -eq 0 ]]`: arithmetic operands run subscript code.

    Quoted text is no protection there, so quoted substitutions in a test
    with an arithmetic operator cannot be verified.
    """
    if not _ARITHMETIC_TESTS.intersection(text.split()):
        return
    quoted = "".join(part for index, part in enumerate(text.split("'")) if index % 2)
    if "$(" in quoted or "`" in quoted:
        raise RewriteError("an arithmetic test operand holds quoted command text")


def _is_name(text: str) -> bool:
    return bool(text) and text[0] in _NAME_START and all(c in _NAME_CHARS for c in text)
