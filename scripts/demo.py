"""See scc work: the real Claude Code in scc's sandbox, doing an ordinary task.

    make demo        (or: .venv/bin/python scripts/demo.py)

A sample git repository with a local remote is created in a temporary
directory. Claude Code runs in it through `scc run`, in web-egress-enforced
mode, and is asked to: commit a change, force-push over the remote (twice:
directly and from a script), throw away uncommitted work with
`git reset --hard`, and fetch from a host that is not allowed and from one
that is. The demo then prints what the agent tried, what scc did, and the
session's audit.

No API key is needed: a scripted model plays the model's part from
tests/e2e/scenarios/. Everything else is real: Claude Code, git, the guard,
the Squid proxy and the Docker sandbox. The model runs on a Docker network
with no route out, and nothing here contacts any outside host. Everything
the demo creates is removed at the end.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
import uuid
from contextlib import ExitStack
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from agents import CREDENTIALS, agent_command
from scripted_model import container as model_container
from scripted_model.server import load_scenarios
from scripted_model.transcript import Exchange, exchanges
from session import (
    SCC,
    guard_events,
    is_blocked,
    latest_audit,
    mentions,
    what,
)
from workspace import Workspace, create_workspace, owner_for_sessions

DEMO_LABELS = {"io.scc.demo": "1"}
PARTS = [
    ("commit", "Edit a file and commit"),
    ("force-push", "Force-push over the remote, directly and from a script"),
    ("reset-hard", "Throw away uncommitted work with git reset --hard"),
    ("fetch", "Fetch from a host that is not allowed, then from one that is"),
]
SECRETS = ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "OPENAI_API_KEY")
SECRETS += ("CODEX_API_KEY",)
# How a block reads in a tool result: the shim's stderr or the hook's reason.
GUARD_TOLD = re.compile(
    r"scc-guard:? blocked \[([\w-]+)\] ([^;\n]+?)(?:;|\. Safe|$)", re.M
)
COLOUR = sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def style(text: str, **styles: object) -> str:
    return click.style(text, **styles) if COLOUR else text  # type: ignore[arg-type]


def say(text: str = "", **styles: object) -> None:
    click.echo(style(text, **styles))


def main() -> int:
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as error:  # any failure to reach the engine
        say(f"demo: no Docker engine ({error}); run `make docker` first", fg="red")
        return 1
    with ExitStack() as cleanup, tempfile.TemporaryDirectory() as scratch:
        say("Setting up", bold=True)
        say("  building the scripted model (Debian's python3, one file)")
        model_container.build_image(client, DEMO_LABELS)
        cleanup.callback(model_container.remove_image, client)
        name = f"scc-demo-{uuid.uuid4().hex[:8]}"
        say(f"  starting it on {name}, a Docker network with no route out")
        network, model = cleanup.enter_context(
            model_container.model_on_network(client, name, DEMO_LABELS)
        )
        workspace = create_workspace(Path(scratch) / "sample-project")
        say(f"  sample repository with a local remote: {workspace.path}")
        remote_before = workspace.remote_head()
        env = scc_environment(Path(scratch), network.name)
        cleanup.callback(remove_demo_volumes, client)
        say()
        say("Running Claude Code in scc (web-egress-enforced)", bold=True)
        exit_code = run_claude(workspace, env)
        records = model.records()
        audit = latest_audit(env)
        say()
        tell(exchanges(records, "tour"), audit, workspace)
        show_audit(audit)
        held = summarise(workspace, remote_before, exit_code)
    return 0 if exit_code == 0 and held else 1


def scc_environment(scratch: Path, egress_network: str) -> dict[str, str]:
    """The user's environment, minus real secrets and config, plus the demo's."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    for variable in ("CONFIG", "CACHE", "DATA", "STATE"):
        env[f"XDG_{variable}_HOME"] = str(scratch / "xdg" / variable.lower())
    env["SCC_LABELS"] = ",".join(f"{k}={v}" for k, v in DEMO_LABELS.items())
    return {**env, **CREDENTIALS["claude"], "SCC_EGRESS_NETWORK": egress_network}


def remove_demo_volumes(client) -> None:  # type: ignore[no-untyped-def]
    """The agent state volume, if this demo created it (it carries our label)."""
    label = ",".join(f"{k}={v}" for k, v in DEMO_LABELS.items())
    for volume in client.volumes.list(filters={"label": label}):
        volume.remove(force=True)


def run_claude(workspace: Workspace, env: dict[str, str]) -> int:
    hosts = (model_container.MODEL_HOST, model_container.ALLOWED_HOST)
    args = [str(SCC), "run", str(workspace.path), "--provider", "claude"]
    args += ["--network", "web-egress-enforced"]
    for host in hosts:
        args += ["--allow-host", host]
    args += ["--", *agent_command("claude", "tour")]
    say(f"  $ scc run {workspace.path.name} --provider claude ... -- claude -p ...")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    for line in done.stderr.splitlines():
        say(f"  | {line}", dim=True)
    for line in done.stdout.strip().splitlines()[-3:]:
        say(f"  claude: {line}")
    return done.returncode


def tell(found: list[Exchange], audit: list[dict], workspace: Workspace) -> None:
    """Each part of the tour: what the agent tried, and what scc did about it."""
    scenarios = load_scenarios(model_container.SCENARIOS)
    offset = 0
    for number, (scenario, title) in enumerate(PARTS, start=1):
        say(f"{number}. {title}", bold=True)
        count = len(scenarios[scenario].steps)
        for exchange in found[offset : offset + count]:
            say(f"   agent: {exchange.said}", fg="cyan")
            action = exchange.action.replace(f"{workspace.path}/", "")
            say(f"     $ {first_line(action)}")
            verdict, colour = what_scc_did(exchange, audit)
            say(f"   scc:   {verdict}", fg=colour)
        if len(found) < offset + count:
            say("   (the agent stopped before this part)", fg="yellow")
        offset += count
        say()


def what_scc_did(exchange: Exchange, audit: list[dict]) -> tuple[str, str]:
    result = exchange.result
    for event in guard_events(audit):
        reason = str(event["record"].get("reason") or "")
        if is_blocked(event) and reason and reason in result:
            rule = event["record"].get("rule")
            return f"blocked by the guard [{rule}]: {reason}", "red"
    told = GUARD_TOLD.search(result)
    if told:  # the guard's own words in the tool result
        return f"blocked by the guard [{told[1]}]: {told[2]}", "red"
    if "HTTP 403" in result or "HTTP Error 403" in result:
        return "refused by the proxy: 403, host not on the allowlist", "red"
    if any(is_blocked(e) and mentions(e, exchange.action) for e in audit):
        return f"blocked: {first_line(result)}", "red"
    return f"allowed; output: {first_line(result) or '(none)'}", "green"


def show_audit(audit: list[dict]) -> None:
    say("What `scc audit` recorded, guard and proxy in one timeline", bold=True)
    model_calls = housekeeping = 0
    for event in audit:
        record = event["record"]
        if record.get("host") == model_container.MODEL_HOST:
            model_calls += 1
        elif (record.get("argv") or [None, None])[1:2] == ["-c"]:
            housekeeping += 1  # Claude Code's own `git -c ...` status queries
        elif event["source"] == "guard" or record.get("host") not in (None, "-"):
            blocked = is_blocked(event) or str(record.get("status")) == "403"
            line = textwrap.shorten(f"{event['time']}  {what(event)}", 100)
            say(f"   {event['source']:5}  {line}", fg="red" if blocked else None)
    say(f"   (and {model_calls} model API calls through the proxy, {housekeeping}")
    say("    decisions on Claude Code's own background git queries: `scc audit`)")
    say()


def summarise(workspace: Workspace, remote_before: str, exit_code: int) -> bool:
    """Print what the repository shows; whether everything held."""
    say("The repository afterwards", bold=True)
    owner = owner_for_sessions()
    whose = "you" if owner == os.getuid() else f"the workspace's owner (uid {owner})"
    checks = [
        ("the agent's commit is there", "Add a greeting" in workspace.log()),
        ("the remote is unchanged", workspace.remote_head() == remote_before),
        ("the uncommitted change survived", "README.md" in workspace.status()),
        (f"all files belong to {whose}", owned_by(workspace.path, owner)),
    ]
    for text, held in checks:
        say(f"   {'ok ' if held else 'NO '} {text}", fg="green" if held else "red")
    if exit_code != 0:
        say(f"   scc run exited {exit_code}", fg="red")
    return all(held for _, held in checks)


def owned_by(path: Path, uid: int) -> bool:
    return all(p.stat().st_uid == uid for p in path.rglob("*") if p.is_file())


def first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return textwrap.shorten(lines[0], 100) if lines else ""


if __name__ == "__main__":
    sys.exit(main())
