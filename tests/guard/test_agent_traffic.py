"""Commands the real agents run on their own must pass the guard.

claude-code-git.txt holds, verbatim, the git commands Claude Code 2.1 ran in
the background of an scc session (recorded from a session's guard.jsonl). They
harden git themselves (hooks off, fsmonitor off, ext:: refused), and blocking
them floods the audit and breaks the agent's view of the repository.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from scc_guard import judge_argv, judge_command
from scc_guard.policy import Policy

LINES = (Path(__file__).parent / "cases" / "claude-code-git.txt").read_text()
COMMANDS = [line for line in LINES.splitlines() if line.strip()]
POLICY = Policy(network_mode="web-egress-enforced", allowed_hosts=("github.com",))


@pytest.mark.parametrize("command", COMMANDS, ids=range(len(COMMANDS)))
def test_claude_codes_own_git_queries_pass_the_shim(command: str) -> None:
    verdict = judge_argv(shlex.split(command), POLICY)
    assert verdict.allowed, verdict


@pytest.mark.parametrize("command", COMMANDS, ids=range(len(COMMANDS)))
def test_claude_codes_own_git_queries_pass_the_hook(command: str) -> None:
    verdict = judge_command(command, POLICY)
    assert verdict.allowed, verdict


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [
        ("core.hooksPath=/dev/null", True),
        ("core.hooksPath=", True),
        ("core.hooksPath=/tmp/hooks", False),
        ("core.hooksPath=.git/../hooks", False),
        ("core.fsmonitor=", True),
        ("core.fsmonitor=git push --force origin main", False),
    ],
)
def test_settings_that_switch_code_off_pass_and_others_do_not(
    setting: str, allowed: bool
) -> None:
    verdict = judge_argv(["git", "-c", setting, "status"], POLICY)
    assert verdict.allowed is allowed, verdict
