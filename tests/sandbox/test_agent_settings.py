"""Claude Code's managed files in a session keep the image's guard hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scc.managed import managed_files

from .conftest import scc, session_leftovers

IMAGE = {
    "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"command": "guard"}]}]},
    "allowManagedHooksOnly": True,
}
FRAGMENT = {
    "managed-settings.json": {"enabledPlugins": {"p@m": True}},
    "managed-mcp.json": {"mcpServers": {"docs": {"url": "https://docs.example"}}},
}


@pytest.mark.parametrize(
    ("image", "fragment", "expected"),
    [
        (
            IMAGE,
            FRAGMENT,
            {
                "managed-settings.json": {**IMAGE, "enabledPlugins": {"p@m": True}},
                "managed-mcp.json": FRAGMENT["managed-mcp.json"],
            },
        ),
        # The fragment may not switch the image's hook or its exclusivity off.
        (
            IMAGE,
            {"managed-settings.json": {"hooks": {}, "allowManagedHooksOnly": False}},
            {"managed-settings.json": IMAGE},
        ),
        ({}, {}, {"managed-settings.json": {}}),
    ],
)
def test_managed_files_keep_the_images_hook_and_add_the_sessions_fragment(
    image: dict, fragment: dict, expected: dict
) -> None:
    assert managed_files(image, fragment) == expected


@pytest.mark.images
def test_claude_session_sees_the_guard_hook_and_the_mcp_file_beside_it(
    workspace: Path, docker_client
) -> None:
    done = scc(
        "run",
        str(workspace),
        "--provider",
        "claude",
        "--network",
        "open",
        "--",
        "sh",
        "-c",
        "cat /etc/claude-code/managed-settings.json; echo '\x1e'; "
        "cat /etc/claude-code/managed-mcp.json",
    )

    assert done.code == 0, done.err
    settings_text, mcp_text = done.out.split("\x1e")
    settings = json.loads(settings_text)
    hooks = settings["hooks"]["PreToolUse"]
    commands = [hook["command"] for entry in hooks for hook in entry["hooks"]]
    assert "/usr/local/bin/scc-guard hook claude" in commands
    assert settings["allowManagedHooksOnly"] is True
    assert "enabledPlugins" in settings  # the session's fragment is there too
    assert json.loads(mcp_text) == {"mcpServers": {}}
    assert session_leftovers(docker_client) == []
