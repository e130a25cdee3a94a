"""Agent pre-tool hooks: Claude Code's and Codex's PreToolUse JSON protocol.

Both agents send `{"tool_name": "Bash", "tool_input": {"command": ...}, "cwd":
...}` on stdin and read a deny as
`{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
"deny", "permissionDecisionReason": ...}}` on stdout with exit 0. Any other
non-zero exit lets the call through, so every failure here becomes that deny
(and, should even writing it fail, exit 2, which both agents treat as a block).
"""

from __future__ import annotations

# The C module: `signal` itself imports enum, which costs 3 ms per decision.
import _signal  # type: ignore[import-not-found]
import os
import sys

from scc_guard import fastjson
from scc_guard.audit import record
from scc_guard.errors import PolicyError
from scc_guard.judge import judge_argv, judge_command
from scc_guard.policyfile import read_policy_view
from scc_guard.rules import RULES
from scc_guard.verdict import Verdict

MAX_INPUT_BYTES = 4 << 20
SHELL_TOOLS = frozenset({"Bash", "shell", "exec_command", "local_shell"})
EXIT_HOOK_BLOCK = 2


DEADLINE_SECONDS = 20
"""Answer well inside the agents' hook timeout: a timed-out hook fails open."""


def run_hook(agent: str, policy_path: str, audit_dir: str) -> int:
    try:
        _signal.signal(_signal.SIGALRM, _deadline)
        _signal.alarm(DEADLINE_SECONDS)
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        verdict = _decide(agent, raw, policy_path, audit_dir)
        _signal.alarm(0)
        if verdict is not None and not verdict.allowed:
            _deny(verdict)
    except BaseException as exc:  # a hook must never fail open
        try:
            _signal.alarm(0)
            _deny(Verdict(False, "internal-error", f"guard hook error: {exc!r}"))
        except BaseException:
            return EXIT_HOOK_BLOCK
    return 0


def _deadline(signum: int, frame: object) -> None:
    raise TimeoutError(f"no decision within {DEADLINE_SECONDS} s")


def _decide(agent: str, raw: bytes, policy_path: str, audit_dir: str) -> Verdict | None:
    """The verdict for a hook call, or None when the tool is not a shell."""
    if len(raw) > MAX_INPUT_BYTES:
        return _error("hook input is larger than the guard reads")
    try:
        event = fastjson.loads(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is one
        return _error("hook input is not JSON")
    if not isinstance(event, dict):
        return _error("hook input is not a JSON object")
    if event.get("tool_name") not in SHELL_TOOLS:
        return None
    tool_input = event.get("tool_input")
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    cwd = event.get("cwd") if isinstance(event.get("cwd"), str) else None
    session = ""
    try:
        policy = read_policy_view(policy_path)
        session = policy.session
    except PolicyError as exc:
        verdict = Verdict(
            False, "policy-invalid", str(exc), RULES["policy-invalid"].alternative
        )
    else:
        verdict = _judge(command, policy, cwd)
    entry = f"hook:{agent}"
    if isinstance(command, list):
        record(audit_dir, session, entry, verdict, argv=[str(w) for w in command])
    else:
        record(audit_dir, session, entry, verdict, command=str(command))
    return verdict


def _judge(command: object, policy: object, cwd: str | None) -> Verdict:
    if isinstance(command, str):
        return judge_command(command, policy, cwd=cwd)
    if (
        isinstance(command, list)
        and command
        and all(isinstance(word, str) for word in command)
    ):
        return judge_argv(command, policy, cwd=cwd)
    return _error("hook input has no command string")


def _error(reason: str) -> Verdict:
    return Verdict(False, "cannot-verify", f"cannot verify: {reason}")


def _deny(verdict: Verdict) -> None:
    reason = f"scc-guard blocked [{verdict.rule}] {verdict.reason}"
    if verdict.alternative:
        reason += f". Safe alternative: {verdict.alternative}"
    answer = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": reason,
        }
    }
    os.write(1, (fastjson.dumps(answer) + "\n").encode())
