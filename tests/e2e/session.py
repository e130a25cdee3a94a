"""Drive `scc run` with a real agent against the scripted model, as a user would.

One `run_scenario` call is one scc session: the scc command line in a
subprocess, the agent inside the sandbox, the model reached through the
proxy. The outcome carries what the agent printed, what it exchanged with the
model, and the session's audit from `scc audit --json`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents import CREDENTIALS, agent_command
from scripted_model.container import (
    ALLOWED_HOST,
    DENIED_HOST,
    MODEL_HOST,
    ModelContainer,
)
from scripted_model.transcript import Exchange, exchanges, final_answer

SCC = Path(sys.executable).with_name("scc")
# To see the scenarios fail for the right reason, switch a protection off:
#   SCC_E2E_SWITCH_OFF=guard  an org config turns the guard's rules off
#   SCC_E2E_SWITCH_OFF=proxy  the proxy is told to allow the denied test host
SWITCH_OFF = os.environ.get("SCC_E2E_SWITCH_OFF", "")
GUARD_OFF_ORG = """\
name: guard switched off for a test
defaults:
  rules: {git-force-push: false, git-reset-hard: false, network-egress: false}
"""
ENFORCED = "web-egress-enforced"
LOCKED = "locked-down-web"
TIMEOUT = 300


@dataclass
class Outcome:
    """What one scc session did."""

    scenario: str
    exit_code: int
    stdout: str
    stderr: str
    exchanges: list[Exchange]
    final: str | None
    checks: list[dict[str, Any]]
    audit: list[dict[str, Any]] = field(default_factory=list)

    def result_of(self, action: str) -> str:
        """The tool result of the first exchange whose action contains `action`."""
        for exchange in self.exchanges:
            if action in exchange.action:
                return exchange.result
        raise AssertionError(f"the agent never ran {action!r}: {self.exchanges}")

    def failed_checks(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if not check["passed"]]

    def describe(self) -> str:
        """Everything needed to see why a scenario went wrong, for assertions."""
        lines = [f"exit {self.exit_code}; final: {self.final!r}"]
        lines += [
            f"  {e.tool}: {e.action!r} -> {e.result[:300]!r}" for e in self.exchanges
        ]
        lines += [
            f"  audit: {event['time']} {event['source']} {what(event)[:160]}"
            for event in self.audit
        ]
        lines += ["stdout:", self.stdout[-2000:], "stderr:", self.stderr[-2000:]]
        return "\n".join(lines)


def scc(*args: str, env: dict[str, str] | None = None, timeout: int = 60) -> Any:
    return subprocess.run(
        [str(SCC), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def run_scenario(
    workspace: Path,
    provider: str,
    scenario: str,
    model: ModelContainer,
    egress_network: str,
    *,
    mode: str = ENFORCED,
    allow_hosts: tuple[str, ...] | None = None,
    ca_cert: Path | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Run the agent on `scenario` in one `scc run` session; collect the evidence.

    In `locked-down-web` the agent uses its provider's own API host (served
    by the model over TLS, trusted through `ca_cert`) and no --allow-host;
    otherwise the model's test name and the allowed test host are allowed.
    """
    locked = mode == LOCKED
    if allow_hosts is None:
        allow_hosts = () if locked else (MODEL_HOST, ALLOWED_HOST)
    if SWITCH_OFF == "proxy" and not locked:
        allow_hosts = (*allow_hosts, DENIED_HOST)
    if SWITCH_OFF == "guard":
        switch_guard_off(workspace.parent)
    args = ["run", str(workspace), "--provider", provider, "--network", mode]
    for host in allow_hosts:
        args += ["--allow-host", host]
    if ca_cert is not None:
        args += ["--ca-cert", str(ca_cert)]
    args += ["--", *agent_command(provider, scenario, own_host=locked)]
    env = {**CREDENTIALS[provider], "SCC_EGRESS_NETWORK": egress_network, **(env or {})}
    started = time.time()
    done = scc(*args, env=env, timeout=TIMEOUT)
    # The model outlives sessions; keep only what this one sent it.
    records = [r for r in model.records() if r["time"] >= started]
    audit = latest_audit(env)
    return Outcome(
        scenario=scenario,
        exit_code=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        exchanges=exchanges(records, scenario),
        final=final_answer(records),
        checks=[
            r for r in records if r["kind"] == "check" and r["scenario"] == scenario
        ],
        audit=audit,
    )


def switch_guard_off(scratch: Path) -> None:
    """Connect an org config that turns the scenarios' guard rules off."""
    org = scratch / "guard-off-org.yaml"
    org.write_text(GUARD_OFF_ORG)
    done = scc("setup", "--org", str(org), "--non-interactive", "--no-credentials")
    assert done.returncode == 0, done.stderr


def latest_audit(env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The newest session's timeline, as `scc audit --json` prints it."""
    done = scc("audit", "--json", env=env)
    if done.returncode != 0:
        return []
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def guard_events(audit: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in audit if event["source"] == "guard"]


def proxy_events(audit: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in audit if event["source"] == "proxy"]


def is_blocked(event: dict[str, Any]) -> bool:
    record = event["record"]
    verdict = str(record.get("verdict", "")).lower()
    if verdict:
        return verdict not in ("allow", "allowed")
    return record.get("allowed") is False


def what(event: dict[str, Any]) -> str:
    """The decision and its subject: the command, or the request's host."""
    record = event["record"]
    if event["source"] == "proxy":
        return event["summary"]
    subject = record.get("command") or " ".join(record.get("argv") or [])
    entry, rule = record.get("entry", ""), record.get("rule")
    return f"{record.get('verdict', '?')} ({entry}) {subject}" + (
        f" [{rule}]" if rule else ""
    )


def mentions(event: dict[str, Any], text: str) -> bool:
    """Whether the event's command (or its argv, joined) or host contains `text`."""
    return text in what(event)
