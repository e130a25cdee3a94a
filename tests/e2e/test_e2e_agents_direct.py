"""The pinned agent binaries hold a scripted conversation with the model.

No scc session here: each provider image runs as a plain container on an
internal network that the test created (no route out), next to the scripted
model, with the guard's hook and shims set aside, started with the same
command line the scc scenarios use. This proves the model speaks enough of
each API for the agent versions the images pin.
"""

from __future__ import annotations

import os

import pytest
from agents import CREDENTIALS, agent_command

# Without the guard: the shims off PATH, the agents' managed hook files empty.
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/lib/codex/codex-path"
HOOK_FILES = {
    "claude": ("/etc/claude-code/managed-settings.json", "{}\n"),
    "codex": ("/etc/codex/requirements.toml", "\n"),
}


@pytest.mark.docker
@pytest.mark.images
@pytest.mark.slow
@pytest.mark.parametrize("provider", ["claude", "codex"])
def test_agent_holds_the_scripted_conversation(
    docker_client, model, labels, tmp_path, provider
):
    from scc import __version__

    network, server = model
    image = f"scc-{provider}:{__version__}"
    workspace = tmp_path / "ws"
    workspace.mkdir()
    os.chmod(workspace, 0o777)
    hook_path, empty = HOOK_FILES[provider]
    no_hooks = tmp_path / "no-hooks"
    no_hooks.write_text(empty)
    no_hooks.chmod(0o644)
    volumes = {
        str(workspace): {"bind": "/ws", "mode": "rw"},
        str(no_hooks): {"bind": hook_path, "mode": "ro"},
    }

    container = docker_client.containers.run(
        image,
        entrypoint=[],
        command=agent_command(provider, "probe"),
        detach=True,
        labels=labels,
        network=network.name,
        working_dir="/ws",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        environment={"PATH": PLAIN_PATH, **CREDENTIALS[provider]},
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
