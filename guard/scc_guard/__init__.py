"""scc's guard: judges agent commands against the mounted policy, failing closed.

The names below load lazily so that a shim importing `scc_guard.shim` pays for
nothing it does not use (no pydantic, no bashlex on the argv path).
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Verdict", "judge_argv", "judge_command"]


def __getattr__(name: str) -> object:
    if name in {"judge_command", "judge_argv"}:
        from scc_guard import judge

        return getattr(judge, name)
    if name == "Verdict":
        from scc_guard.verdict import Verdict

        return Verdict
    raise AttributeError(f"module 'scc_guard' has no attribute {name!r}")
