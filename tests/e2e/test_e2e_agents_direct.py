"""The real agent binaries hold a scripted conversation with the model.

No scc here: each agent runs in a plain container on an internal network that
the test created (no route out), next to the scripted model, started with the
same command line the scc scenarios use. This proves the model speaks enough
of each API for the pinned agent versions.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from agents import CREDENTIALS, agent_command

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
AGENTS = Path(os.environ.get("SCC_E2E_AGENTS", "/tmp/npmtest/node_modules"))
BINARIES = {
    "claude": (
        AGENTS / "@anthropic-ai/claude-code/bin/claude.exe",
        "/usr/local/bin/claude",
    ),
    "codex": (
        AGENTS / "@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl",
        "/opt/codex",
    ),
}
BASE = "debian:bookworm-slim"
PATH = "/opt/codex/bin:/opt/codex/codex-path:/usr/local/bin:/usr/bin:/bin"


def mounts(provider: str) -> dict:
    binary, target = BINARIES[provider]
    if not binary.exists():
        message = f"agent binary not found: {binary} (set SCC_E2E_AGENTS)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {str(binary): {"bind": target, "mode": "ro"}}


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("provider", ["claude", "codex"])
def test_agent_holds_the_scripted_conversation(
    docker_client, model, labels, tmp_path, provider
):
    network, server = model
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.chmod(workspace, 0o777)
    volumes = {**mounts(provider), str(workspace): {"bind": "/ws", "mode": "rw"}}

    container = docker_client.containers.run(
        BASE,
        detach=True,
        labels=labels,
        network=network.name,
        user=f"{os.getuid() or 1000}:{os.getgid() or 1000}",
        working_dir="/ws",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        command=agent_command(provider, "probe"),
        environment={"HOME": "/tmp", "PATH": PATH, **CREDENTIALS[provider]},
        volumes=volumes,
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
    api = {"claude": "/v1/messages", "codex": "/v1/responses"}[provider]
    assert {r["path"].split("?")[0] for r in server.requests()} == {api}
