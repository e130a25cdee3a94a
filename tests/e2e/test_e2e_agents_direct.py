"""The real agent binaries hold a scripted conversation with the model.

No scc here: each agent runs in a plain container on an internal network that
the test created (no route out), next to the scripted model. This proves the
model speaks enough of each API; the scc scenarios build on it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from scripted_model.container import MODEL_HOST

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
AGENTS = Path(os.environ.get("SCC_E2E_AGENTS", "/tmp/npmtest/node_modules"))
CLAUDE = AGENTS / "@anthropic-ai/claude-code/bin/claude.exe"
CODEX = AGENTS / "@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl"
BASE = "debian:bookworm-slim"
QUIET = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}
CODEX_CONFIG = f"""\
model = "scripted"
model_provider = "scripted"
check_for_update_on_startup = false

[analytics]
enabled = false

[model_providers.scripted]
name = "Scripted model"
base_url = "http://{MODEL_HOST}/v1"
env_key = "SCRIPTED_API_KEY"
wire_api = "responses"
"""


def _needs(path: Path) -> None:
    if not path.exists():
        message = f"agent binary not found: {path} (set SCC_E2E_AGENTS)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def claude_run(workspace: Path, prompt: str) -> dict:
    _needs(CLAUDE)
    return {
        "command": ["claude", "-p", "--dangerously-skip-permissions", prompt],
        "environment": {
            **QUIET,
            "HOME": "/tmp",
            "ANTHROPIC_BASE_URL": f"http://{MODEL_HOST}",
            "ANTHROPIC_API_KEY": "sk-ant-scripted",
        },
        "volumes": {str(CLAUDE): {"bind": "/usr/local/bin/claude", "mode": "ro"}},
    }


def codex_run(workspace: Path, prompt: str) -> dict:
    _needs(CODEX)
    home = workspace.parent / "codex-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(CODEX_CONFIG)
    os.chmod(home, 0o777)
    flags = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]
    return {
        "command": ["/opt/codex/bin/codex", "exec", *flags, prompt],
        "environment": {
            "HOME": "/tmp",
            "CODEX_HOME": "/codex-home",
            "SCRIPTED_API_KEY": "scripted",
        },
        "volumes": {
            str(CODEX): {"bind": "/opt/codex", "mode": "ro"},
            str(home): {"bind": "/codex-home", "mode": "rw"},
        },
    }


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("agent", [claude_run, codex_run], ids=["claude", "codex"])
def test_agent_holds_the_scripted_conversation(
    docker_client, model, labels, tmp_path, agent
):
    network, server = model
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.chmod(workspace, 0o777)
    run = agent(workspace, "Please follow scenario:probe")
    run["volumes"][str(workspace)] = {"bind": "/ws", "mode": "rw"}

    container = docker_client.containers.run(
        BASE,
        detach=True,
        labels=labels,
        network=network.name,
        user=f"{os.getuid() or 1000}:{os.getgid() or 1000}",
        working_dir="/ws",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        **run,
    )
    try:
        status = container.wait(timeout=180)["StatusCode"]
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)

    assert status == 0, output
    assert "All probe steps done." in output
    assert (workspace / "notes.txt").read_text() == "scripted note\n"
    checks = server.checks("probe")
    assert [(c["step"], c["passed"]) for c in checks] == [
        (1, True),
        (2, True),
        (3, True),
    ]
    assert "hello-from-agent" in checks[0]["result"]
    paths = {r["path"].split("?")[0] for r in server.requests()}
    assert paths & {"/v1/messages", "/v1/responses"}
