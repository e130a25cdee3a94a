"""What one judgement carries along: the policy, the nesting depth, the cwd."""

from __future__ import annotations

import posixpath

from scc_guard.policyfile import PolicyView
from scc_guard.rules import RULES
from scc_guard.verdict import Blocked, Verdict

DYN = "\x00"
"""Stands in a word for a part only known at run time ($x, $(cmd), `cmd`)."""

HOME = "/home/agent"
VIRTUAL_WORKSPACE = "/.scc-workspace"
MAX_DEPTH = 8
"""How deep shells, evals and wrappers may nest before the guard gives up."""


class Scope:
    """The state of one judgement; `cwd` is None once it cannot be known."""

    __slots__ = (
        "cwd",
        "depth",
        "downloads",
        "notes",
        "others",
        "policy",
        "trace",
        "unsure",
        "untrusted",
        "workspace",
    )

    def __init__(self, policy: PolicyView, cwd: str | None = None) -> None:
        self.policy = policy
        start = policy.workspace or cwd or VIRTUAL_WORKSPACE
        self.workspace = posixpath.normpath(start)
        self.cwd: str | None = cwd or self.workspace
        self.others: list[str | None] = []
        """Other directories the shell may be in (a cd that may not have run)."""
        self.untrusted: set[str] = set()
        """Names of functions that may change the directory (or redefine cd)."""
        self.depth = 0
        self.notes: list[str] = []
        self.unsure: list[str] = []
        self.trace: list[str] | None = None
        self.downloads: set[str] = set()
        """Files a network tool earlier in the command writes (absolute)."""

    def block(self, rule: str, reason: str) -> None:
        """Stop with `rule` unless the policy switched it off."""
        if rule in self.policy.disabled and RULES[rule].switchable:
            self.note(f"{rule} switched off by policy: {reason}")
            return
        raise Blocked(Verdict(False, rule, reason, RULES[rule].alternative))

    def unverifiable(self, reason: str) -> None:
        self.block("cannot-verify", f"cannot verify: {reason}")

    def note(self, text: str) -> None:
        """Something allowed but worth recording (open-mode network use)."""
        self.notes.append(text)

    def show(self, text: str) -> None:
        """A step of how the command was read, for `scc-guard explain`."""
        if self.trace is not None:
            self.trace.append("  " * self.depth + text)

    def deeper(self) -> Scope:
        if self.depth >= MAX_DEPTH:
            self.unverifiable(f"nesting deeper than {MAX_DEPTH} levels")
        inner = Scope.__new__(Scope)
        inner.policy = self.policy
        inner.workspace = self.workspace
        inner.cwd = self.cwd
        inner.others = list(self.others)
        inner.untrusted = self.untrusted
        inner.depth = self.depth + 1
        inner.notes = self.notes
        inner.unsure = self.unsure
        inner.trace = self.trace
        inner.downloads = self.downloads
        return inner

    def change_directory(self, args: list[str]) -> None:
        """Follow `cd ARGS`; the cwd becomes unknown when it cannot be known."""
        targets = [arg for arg in args if not arg.startswith("-") or arg == "-"]
        if not targets:
            self.cwd = HOME
        elif len(targets) > 1:
            return  # cd fails: too many arguments
        elif DYN in targets[0] or targets[0] == "-":
            self.cwd, self.others = None, []
        else:
            # Relative to each directory the shell may be in.
            target = targets[0]
            self.others = [self.resolve(target, other) for other in self.others]
            self.cwd = self.resolve(target)

    def enter_directory(self, path: str) -> None:
        """A wrapper's chdir option (env -C, sudo -D): the command runs there."""
        self.cwd = None if DYN in path or not path else self.resolve(path)
        self.others = []

    def possible_cwds(self) -> list[str | None]:
        """Every directory the shell may be in, the likeliest first."""
        found = [self.cwd]
        for other in self.others:
            if other not in found:
                found.append(other)
        return found

    def state(self) -> tuple[str | None, list[str | None]]:
        return self.cwd, list(self.others)

    def restore(self, state: tuple[str | None, list[str | None]]) -> None:
        self.cwd, self.others = state[0], list(state[1])

    def may_have_stayed(self, state: tuple[str | None, list[str | None]]) -> None:
        """A directory change since `state` may not have happened."""
        for cwd in (state[0], *state[1]):
            if cwd != self.cwd and cwd not in self.others:
                self.others.append(cwd)

    def resolve(self, path: str, cwd: object = "") -> str | None:
        """`path` as an absolute normalised path, or None when not knowable.

        Relative to `cwd` when given (a str or None), else to the current one.
        """
        base = self.cwd if cwd == "" else cwd
        if path.startswith("~"):
            head, _, rest = path.partition("/")
            if head != "~":
                return None
            path = posixpath.join(HOME, rest)
        if not path.startswith("/"):
            if not isinstance(base, str):
                return None
            path = posixpath.join(base, path)
        path = posixpath.normpath(path)
        return "/" + path.lstrip("/") if path.startswith("//") else path
