"""The provider images, as built: the agent, the guard, and what protects it."""

from __future__ import annotations

import json

import pytest
import scc
from scc.images import RECIPES, object_labels

pytestmark = [pytest.mark.docker, pytest.mark.images]

PROTECTED = [
    "/etc/scc",
    "/etc/scc/policy.json",
    "/usr/lib/scc/shims",
    "/usr/lib/scc/shims/git",
    "/usr/lib/scc/python/scc_guard",
    "/usr/lib/scc/python/scc_guard/__init__.py",
    "/usr/local/bin/scc-guard",
]
COMMON_CHECKS = [
    "runs as the agent user",
    "scc-guard --version",
    "git resolves to the shim",
    "git status through the shim",
    "git commit through the shim",
    "git push --force is blocked",
    "the remote is unchanged",
    *(f"agent cannot write {path}" for path in PROTECTED),
    "the managed hook lets git status through",
    "the managed hook blocks a canary",
]
CHECKS = [
    *((kind, check) for kind in ("claude", "codex") for check in COMMON_CHECKS),
    ("claude", "claude --version"),
    ("claude", "agent cannot write /etc/claude-code/managed-settings.json"),
    ("claude", "managed settings allow managed hooks only"),
    ("codex", "codex --version"),
    ("codex", "agent cannot write /etc/codex/requirements.toml"),
    ("codex", "agent cannot write /etc/codex/config.toml"),
    ("codex", "codex requirements send tool calls to the guard"),
    ("codex", "codex allows managed hooks only"),
    ("codex", "codex loads its managed configuration"),
]
SIZE_TARGETS_MB = {"claude": 700, "codex": 600, "proxy": 150}


def run(docker_client, tag: str, command: list[str], **options) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    container = docker_client.containers.create(
        tag, command, labels=object_labels("test"), network_disabled=True, **options
    )
    try:
        container.start()
        status = container.wait(timeout=120)["StatusCode"]
        return status, container.logs().decode()
    finally:
        container.remove(force=True)


@pytest.mark.parametrize(("kind", "check"), CHECKS)
def test_smoke_check_passes(smoke, kind: str, check: str) -> None:  # type: ignore[no-untyped-def]
    line = smoke(kind).get(check)
    assert line is not None, f"check {check!r} did not run: {smoke(kind)}"
    assert line.startswith("ok "), line


@pytest.mark.parametrize("kind", ["claude", "codex"])
def test_agent_version_matches_its_label(docker_client, built, kind: str) -> None:  # type: ignore[no-untyped-def]
    recipe = built(kind)
    labels = docker_client.images.get(recipe.tag).labels
    status, output = run(docker_client, recipe.tag, [kind, "--version"])
    assert status == 0, output
    assert labels["io.scc.agent.version"] == recipe.agent_version
    assert recipe.agent_version in output


@pytest.mark.parametrize("kind", ["claude", "codex", "proxy"])
def test_images_carry_oci_and_scc_labels(docker_client, built, kind: str) -> None:  # type: ignore[no-untyped-def]
    labels = docker_client.images.get(built(kind).tag).labels
    for key in ("title", "version", "source", "licenses", "created"):
        assert labels.get(f"org.opencontainers.image.{key}"), key
    assert labels["org.opencontainers.image.licenses"] == "GPL-3.0-or-later"
    assert labels["io.scc.guard.version"] == scc.__version__


@pytest.mark.parametrize("kind", ["claude", "codex", "proxy"])
def test_images_stay_within_their_size_targets(docker_client, built, kind: str) -> None:  # type: ignore[no-untyped-def]
    size_mb = docker_client.images.get(built(kind).tag).attrs["Size"] / 1e6
    assert size_mb <= SIZE_TARGETS_MB[kind]


def test_a_fresh_state_volume_is_seeded_to_skip_onboarding(
    docker_client, built
) -> None:  # type: ignore[no-untyped-def]
    """As the sandbox mounts it: tmpfs home, a new named volume for the state."""
    volume = docker_client.volumes.create(labels=object_labels("state"))
    try:
        status, output = run(
            docker_client,
            built("claude").tag,
            [
                "sh",
                "-c",
                'stat -c %U "$CLAUDE_CONFIG_DIR/.claude.json" && '
                'cat "$CLAUDE_CONFIG_DIR/.claude.json"',
            ],
            read_only=True,
            tmpfs={"/home/agent": "uid=1000,gid=1000,mode=0700"},
            volumes={volume.name: {"bind": "/home/agent/.claude", "mode": "rw"}},
        )
    finally:
        volume.remove(force=True)
    assert status == 0, output
    owner, _, text = output.partition("\n")
    assert owner == "agent"
    assert json.loads(text)["hasCompletedOnboarding"] is True


@pytest.mark.parametrize(
    ("kind", "variable", "value"),
    [
        ("claude", "CLAUDE_CONFIG_DIR", "/home/agent/.claude"),
        ("claude", "DISABLE_AUTOUPDATER", "1"),
        ("codex", "CODEX_HOME", "/home/agent/.codex"),
    ],
)
def test_agent_state_lives_on_the_state_path_and_never_updates(
    docker_client,
    built,
    kind: str,
    variable: str,
    value: str,  # type: ignore[no-untyped-def]
) -> None:
    env = docker_client.images.get(built(kind).tag).attrs["Config"]["Env"]
    assert f"{variable}={value}" in env


@pytest.mark.parametrize(
    ("kind", "binaries"),
    [
        ("claude", ["/usr/local/bin/claude"]),
        (
            "codex",
            [
                "/usr/local/lib/codex/bin/codex",
                "/usr/local/lib/codex/bin/codex-code-mode-host",
            ],
        ),
    ],
)
def test_the_only_large_files_are_this_platforms_agent(
    docker_client,
    built,
    kind: str,
    binaries: list[str],  # type: ignore[no-untyped-def]
) -> None:
    status, output = run(
        docker_client,
        built(kind).tag,
        ["find", "/", "-xdev", "-type", "f", "-size", "+20M"],
        user="root",
    )
    assert status == 0, output
    assert sorted(output.split()) == binaries
    status, output = run(
        docker_client,
        built(kind).tag,
        ["sh", "-c", f"file -b {binaries[0]} || od -An -c -N4 {binaries[0]}"],
    )
    assert "E   L   F" in output or "ELF" in output


def test_provider_recipes_pin_agent_versions() -> None:
    assert RECIPES["claude"].agent_version == "2.1.332"
    assert RECIPES["codex"].agent_version == "0.171.0"
