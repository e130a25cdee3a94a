"""The contract other parts code against."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scc_guard import Verdict, judge_argv, judge_command
from scc_guard.policy import Policy


def test_verdict_is_frozen_with_the_agreed_fields() -> None:
    verdict = judge_command("git push -f", Policy())
    assert (verdict.allowed, verdict.rule) == (False, "git-force-push")
    assert verdict.reason and verdict.alternative
    with pytest.raises(AttributeError):
        verdict.allowed = True  # type: ignore[misc]
    assert verdict == Verdict(False, verdict.rule, verdict.reason, verdict.alternative)


def test_judges_accept_the_pydantic_policy() -> None:
    policy = Policy(network_mode="locked-down-web")  # type: ignore[arg-type]
    assert judge_argv(["curl", "https://github.com"], policy).rule == "network-egress"
    assert judge_command("git status", policy).allowed


def test_a_non_policy_blocks_instead_of_raising() -> None:
    verdict = judge_command("ls", object())
    assert (verdict.allowed, verdict.rule) == (False, "policy-invalid")


def test_shim_path_imports_neither_bashlex_nor_pydantic_nor_json() -> None:
    guard_dir = Path(__file__).resolve().parents[2] / "guard"
    code = (
        f"import sys; sys.path.insert(0, {str(guard_dir)!r}); "
        "from scc_guard.shim import main; "
        "from scc_guard import judge_argv; "
        "from scc_guard.policyfile import PolicyView; "
        "judge_argv(['git', 'push', '-f'], PolicyView()); "
        "print(sorted(m for m in ('bashlex', 'pydantic', 'json', 'typing') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
