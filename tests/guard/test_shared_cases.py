"""The 272 shared cases, each through `scc-guard check --jsonl`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.guard.conftest import CASE_HOSTS, REPO, jsonl, scc_guard

CANDIDATES = (
    REPO.parent / "shared" / "guard-cases.jsonl",
    REPO.parent.parent / "shared" / "guard-cases.jsonl",  # from a worktree
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _cases_file() -> Path:
    for path in CANDIDATES:
        if path.is_file():
            return path
    if IN_CI:
        pytest.fail(f"shared guard cases missing (looked at {CANDIDATES[0]})")
    pytest.skip("shared guard cases not present outside CI")


def test_every_shared_case_gets_its_verdict_through_check_jsonl() -> None:
    cases = [json.loads(line) for line in _cases_file().read_text().splitlines()]
    assert len(cases) == 272
    hosts = [arg for host in CASE_HOSTS for arg in ("--allow-host", host)]
    result = scc_guard(
        "check",
        "--jsonl",
        "--network-mode",
        "web-egress-enforced",
        *hosts,
        stdin=jsonl([{"cmd": case["cmd"]} for case in cases]),
    )
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1, result.stderr  # some are blocked
    assert len(answers) == len(cases)
    wrong = [
        f"{case['verdict']} expected, got {answer['verdict']} "
        f"[{answer['rule']}] {answer['reason']}: {case['cmd']!r}"
        for case, answer in zip(cases, answers, strict=True)
        if case["verdict"] != answer["verdict"] or answer["rule"] == "internal-error"
    ]
    assert not wrong, "\n".join(wrong)
    for answer in answers:
        assert set(answer) >= {"verdict", "rule", "reason"}
