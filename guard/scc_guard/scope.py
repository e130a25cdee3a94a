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

    __slots__ = ("cwd", "depth", "notes", "policy", "trace", "unsure", "workspace")

    def __init__(self, policy: PolicyView, cwd: str | None = None) -> None:
        self.policy = policy
        start = policy.workspace or cwd or VIRTUAL_WORKSPACE
        self.workspace = posixpath.normpath(start)
        self.cwd: str | None = cwd or self.workspace
        self.depth = 0
        self.notes: list[str] = []
        self.unsure: list[str] = []
        self.trace: list[str] | None = None

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
        inner.depth = self.depth + 1
        inner.notes = self.notes
        inner.unsure = self.unsure
        inner.trace = self.trace
        return inner

    def change_directory(self, args: list[str]) -> None:
        """Follow `cd ARGS`; the cwd becomes unknown when it cannot be known."""
        targets = [arg for arg in args if not arg.startswith("-") or arg == "-"]
        if not targets:
            self.cwd = HOME
        elif DYN in targets[0] or targets[0] == "-":
            self.cwd = None
        else:
            self.cwd = self.resolve(targets[0])

    def resolve(self, path: str) -> str | None:
        """`path` as an absolute normalised path, or None when not knowable."""
        if path.startswith("~"):
            head, _, rest = path.partition("/")
            if head != "~":
                return None
            path = posixpath.join(HOME, rest)
        if not path.startswith("/"):
            if self.cwd is None:
                return None
            path = posixpath.join(self.cwd, path)
        path = posixpath.normpath(path)
        return "/" + path.lstrip("/") if path.startswith("//") else path
