"""The session commands' output that needs no engine: `scc audit`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Scc = Callable[..., Result]

OLDER, NEWER = "6930c0a0aaaaaa", "6930c0b0bbbbbb"
GUARD = {
    "time": "2026-12-04T16:24:17Z",
    "verdict": "blocked",
    "rule": "git-force-push",
    "argv": ["git", "push", "--force"],
}


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two recorded sessions, each with one guard record."""
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    root = state / "scc" / "sessions"
    for session in (OLDER, NEWER):
        (root / session).mkdir(parents=True)
        record = {**GUARD, "session": session}
        (root / session / "guard.jsonl").write_text(json.dumps(record) + "\n")
    return root


@pytest.mark.parametrize(
    ("args", "shown"), [([], NEWER), ([NEWER], NEWER), ([OLDER], OLDER)]
)
def test_audit_says_first_which_session_it_shows(
    scc: Scc, sessions: Path, args: list[str], shown: str
) -> None:
    result = scc("audit", *args)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"session {shown}",
        "2026-12-04T16:24:17Z  guard  blocked git push --force [git-force-push]",
    ]


def test_audit_json_is_only_the_records(scc: Scc, sessions: Path) -> None:
    result = scc("audit", "--json")

    assert result.exit_code == 0, result.output
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["record"]["session"] == NEWER
