"""The guard's answer for one command, and the exception that carries a block."""

from __future__ import annotations


class Verdict:
    """Whether a command may run; when blocked, the rule, why, and what to do instead.

    Immutable: the guard hands the same verdict to the audit, the caller and the
    agent, so nobody may change it on the way.
    """

    __slots__ = ("allowed", "alternative", "reason", "rule")

    allowed: bool
    rule: str
    reason: str
    alternative: str

    def __init__(
        self, allowed: bool, rule: str = "", reason: str = "", alternative: str = ""
    ) -> None:
        object.__setattr__(self, "allowed", allowed)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "alternative", alternative)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Verdict is immutable (cannot set {name})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Verdict is immutable (cannot delete {name})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Verdict(allowed={self.allowed!r}, rule={self.rule!r}, "
            f"reason={self.reason!r}, alternative={self.alternative!r})"
        )

    def _key(self) -> tuple[bool, str, str, str]:
        return (self.allowed, self.rule, self.reason, self.alternative)

    @property
    def word(self) -> str:
        """`allow` or `block`, as the JSON outputs spell it."""
        return "allow" if self.allowed else "block"

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": self.word,
            "rule": self.rule,
            "reason": self.reason,
            "alternative": self.alternative,
        }

    def one_line(self) -> str:
        """What a blocked caller sees: rule, reason and the safe alternative."""
        text = f"scc-guard: blocked [{self.rule}] {self.reason}"
        if self.alternative:
            text += f"; instead: {self.alternative}"
        return text


ALLOW = Verdict(True)


class Blocked(Exception):
    """Raised deep in the analysis to stop at the first rule that blocks."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict
