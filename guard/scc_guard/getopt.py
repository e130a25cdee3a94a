"""Wrapper programs' options, read as GNU getopt_long reads them.

A wrapper (env, nice, timeout, sudo, ...) runs the command that follows its
options, so reading one option wrongly means judging the wrong program:
`nice --adj 5 rm -rf ~` is `nice --adjustment=5`, and a table that did not
know `--adj` would take `5` for the program. So, as getopt_long: short
options cluster and take their value attached or as the next word; long
options take `=value` or the next word and may be abbreviated to a unique
prefix; an option the table does not know cannot be verified (the real
program would refuse it, or accept it in a newer version that reads it
differently). Reading stops at the first operand (`+` in getopt's terms)
or after `--`.
"""

from __future__ import annotations

from collections.abc import Collection

from scc_guard.scope import DYN, Scope

FLAG, VALUE, OPTIONAL = "", "=", "?"


def abbreviated(name: str, options: Collection[str]) -> list[str]:
    """The long options `name` stands for, as getopt_long resolves it: itself
    if it is one, else every option it abbreviates (one: unique)."""
    if name in options:
        return [name]
    return [option for option in options if option.startswith(name)]


class Getopt:
    """One wrapper's options.

    `short` is getopt's string ("n:" takes a value, "h::" an optional
    attached one); `long` maps long names to FLAG, VALUE or OPTIONAL (an
    optional value must be attached with `=`); `aliases` names the short
    letter each long option stands for, so both spellings read alike.
    """

    __slots__ = ("aliases", "long", "short")

    def __init__(
        self, short: str, long: dict[str, str], aliases: dict[str, str] | None = None
    ) -> None:
        self.short: dict[str, str] = {}
        index = 0
        while index < len(short):
            letter, index = short[index], index + 1
            kind = FLAG
            if short[index : index + 2] == "::":
                kind, index = OPTIONAL, index + 2
            elif short[index : index + 1] == ":":
                kind, index = VALUE, index + 1
            self.short[letter] = kind
        self.long = long
        self.aliases = aliases or {}

    def read(
        self, program: str, args: list[str], scope: Scope
    ) -> tuple[list[tuple[str, str]], int]:
        """The options as (name, value) pairs, short ones as their letter or
        the letter their long name stands for, and the index of the first
        argument after them."""
        found: list[tuple[str, str]] = []
        index = 0
        while index < len(args):
            arg = args[index]
            if arg == "--":
                return found, index + 1
            if not arg.startswith("-") or arg == "-":
                break
            if DYN in arg:
                scope.unverifiable(f"a {program} option is computed at run time")
            index += 1
            if arg.startswith("--"):
                index = self._long(program, arg[2:], args, index, found, scope)
            else:
                index = self._short(program, arg[1:], args, index, found, scope)
        return found, index

    def _long(
        self,
        program: str,
        word: str,
        args: list[str],
        index: int,
        found: list[tuple[str, str]],
        scope: Scope,
    ) -> int:
        name, equals, value = word.partition("=")
        matches = abbreviated(name, self.long)
        if len(matches) != 1:
            scope.unverifiable(f"{program} option --{name} is unknown or ambiguous")
        name = matches[0]
        kind = self.long[name]
        if kind == VALUE and not equals:
            if index >= len(args):
                scope.unverifiable(f"{program} option --{name} lacks its value")
            value, index = args[index], index + 1
        elif kind == FLAG and equals:
            scope.unverifiable(f"{program} option --{name} takes no value")
        found.append((self.aliases.get(name, name), value))
        return index

    def _short(
        self,
        program: str,
        letters: str,
        args: list[str],
        index: int,
        found: list[tuple[str, str]],
        scope: Scope,
    ) -> int:
        for position, letter in enumerate(letters):
            kind = self.short.get(letter)
            if kind is None:
                scope.unverifiable(f"{program} option -{letter} is unknown")
            if kind == FLAG:
                found.append((letter, ""))
                continue
            value = letters[position + 1 :]
            if not value and kind == VALUE:
                if index >= len(args):
                    scope.unverifiable(f"{program} option -{letter} lacks its value")
                value, index = args[index], index + 1
            found.append((letter, value))
            break
        return index
