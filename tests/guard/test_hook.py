"""The agents' PreToolUse hook: deny in JSON, never fail open."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from scc_guard import hook

from tests.guard.conftest import scc_guard


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"session": "s-1", "allowed_hosts": ["github.com"]}))
    return path


def _event(command: object, tool: str = "Bash") -> str:
    return json.dumps(
        {
            "session_id": "abc",
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": {"command": command, "description": "x"},
            "cwd": "/workspace",
        }
    )


def _ask(agent: str, stdin: str, policy: Path, audit: Path) -> tuple[int, dict | None]:  # type: ignore[type-arg]
    result = scc_guard(
        "hook", agent, "--policy", str(policy), "--audit-dir", str(audit), stdin=stdin
    )
    answer = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, answer


def _denied(answer: dict | None) -> str:  # type: ignore[type-arg]
    assert answer is not None
    output = answer["hookSpecificOutput"]
    assert output["hookEventName"] == "PreToolUse"
    assert output["permissionDecision"] == "deny"
    return str(output["permissionDecisionReason"])


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_dangerous_command_is_denied_with_rule_and_alternative(
    agent: str, policy: Path, tmp_path: Path
) -> None:
    code, answer = _ask(agent, _event("git push --force"), policy, tmp_path)
    reason = _denied(answer)
    assert code == 0
    assert "git-force-push" in reason
    assert "--force-with-lease" in reason


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_benign_command_gets_no_answer(
    agent: str, policy: Path, tmp_path: Path
) -> None:
    assert _ask(agent, _event("git status && ls"), policy, tmp_path) == (0, None)


def test_other_tools_pass_untouched(policy: Path, tmp_path: Path) -> None:
    event = _event("rm -rf /", tool="Read")
    assert _ask("claude", event, policy, tmp_path) == (0, None)


@pytest.mark.parametrize(
    "stdin",
    ["", "not json", "[]", json.dumps({"tool_name": "Bash"}), _event(5), _event(None)],
    ids=["empty", "garbage", "list", "no-input", "number", "null"],
)
def test_unreadable_hook_input_is_denied(
    stdin: str, policy: Path, tmp_path: Path
) -> None:
    code, answer = _ask("claude", stdin, policy, tmp_path)
    assert code == 0
    assert "cannot-verify" in _denied(answer)


def test_missing_policy_denies(tmp_path: Path) -> None:
    _, answer = _ask("claude", _event("ls"), tmp_path / "none.json", tmp_path)
    assert "policy-invalid" in _denied(answer)


def test_decisions_are_audited_with_session_and_entry(
    policy: Path, tmp_path: Path
) -> None:
    _ask("claude", _event("git stash clear"), policy, tmp_path)
    line = json.loads((tmp_path / "guard.jsonl").read_text())
    assert line["session"] == "s-1"
    assert line["entry"] == "hook:claude"
    assert line["command"] == "git stash clear"
    assert (line["verdict"], line["rule"]) == ("block", "git-stash-drop")


def test_internal_error_becomes_a_deny(
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(hook, "read_policy_view", broken)
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO(_event("ls").encode()))
    )
    assert hook.run_hook("claude", str(policy), str(tmp_path)) == 0
    assert "internal-error" in _denied(json.loads(capfd.readouterr().out))


def test_a_hook_that_runs_out_of_time_denies(
    policy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    def endless(*args: object, **kwargs: object) -> None:
        while True:
            pass

    monkeypatch.setattr(hook, "DEADLINE_SECONDS", 1)
    monkeypatch.setattr(hook, "judge_command", endless)
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO(_event("ls").encode()))
    )
    assert hook.run_hook("claude", str(policy), str(tmp_path)) == 0
    assert "TimeoutError" in _denied(json.loads(capfd.readouterr().out))
