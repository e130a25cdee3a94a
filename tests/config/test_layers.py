"""Layer files: what validates, and the one-line errors for what does not."""

from __future__ import annotations

import textwrap

import pytest
from pydantic import BaseModel
from scc.layers import (
    LayerError,
    OrgConfig,
    PersonalProfile,
    UserConfig,
    WorkspaceConfig,
    parse_layer,
)

BAD_ORGS = [
    (
        "unknown top-level key",
        "name: a\nnetwork: open\n",
        "org.yaml: network: unknown key",
    ),
    (
        "unknown nested key",
        "name: a\nteams: {be: {netwrk_mode: open}}\n",
        "teams.be.netwrk_mode: unknown key, did you mean network_mode?",
    ),
    (
        "unknown network mode",
        "name: a\nsecurity: {network_mode: wide-open}\n",
        "security.network_mode: Input should be 'open'",
    ),
    ("missing name", "version: 1\n", "name: Field required"),
    ("wrong version", "name: a\nversion: 2\n", "version: Input should be 1"),
    (
        "IP literal host",
        "name: a\nsecurity: {allowed_hosts: ['10.0.0.1']}\n",
        "security.allowed_hosts.0: Value error, '10.0.0.1' is an IP address",
    ),
    (
        "IP literal in decimal",
        "name: a\nsecurity: {allowed_hosts: ['167772161']}\n",
        "is an IP address",
    ),
    (
        "wildcard over a top-level domain",
        "name: a\nsecurity: {allowed_hosts: ['*.com']}\n",
        "too wide",
    ),
    ("bare star", "name: a\nsecurity: {allowed_hosts: ['*']}\n", "'*' contains"),
    (
        "host with a port",
        "name: a\ndefaults: {allow_hosts: ['a.example:8080']}\n",
        "defaults.allow_hosts.0: Value error",
    ),
    (
        "unknown destination set",
        "name: a\nteams: {be: {destinations: [pypi, pipy]}}\n",
        "teams.be.destinations.1: unknown destination set 'pipy'",
    ),
    (
        "redefined built-in set",
        "name: a\ndestination_sets: {pypi: [mirror.acme.dev]}\n",
        "destination_sets.pypi: redefines the built-in set 'pypi'",
    ),
    (
        "plugin from an unapproved marketplace",
        "name: a\nclaude: {plugins: [lint@elsewhere]}\n",
        "claude.plugins.0: marketplace 'elsewhere' is not approved",
    ),
    (
        "plugin without a marketplace",
        "name: a\nclaude: {plugins: [lint]}\n",
        "claude.plugins.0: String should match pattern",
    ),
    ("YAML syntax", "name: a\nteams: [\n", "line 3: invalid YAML"),
    ("a list at the top", "- name: a\n", "expected a mapping"),
    ("a Python tag", "name: !!python/object:os.system a\n", "invalid YAML"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in BAD_ORGS], ids=[r[0] for r in BAD_ORGS]
)
def test_bad_org_config_is_one_line_naming_the_field(text: str, expected: str) -> None:
    with pytest.raises(LayerError) as caught:
        parse_layer(text, OrgConfig, "org.yaml")
    message = caught.value.message
    assert message.startswith("org.yaml: ")
    assert expected in message
    assert "\n" not in message


def test_all_problems_are_reported_together() -> None:
    text = "name: a\nfoo: 1\nsecurity: {network_mode: x}\n"
    with pytest.raises(LayerError) as caught:
        parse_layer(text, OrgConfig, "org.yaml")
    assert "foo: unknown key" in caught.value.message
    assert "security.network_mode:" in caught.value.message


def test_example_org_with_two_teams_validates(org_text: str) -> None:
    org = parse_layer(org_text, OrgConfig, "org.yaml")
    assert set(org.teams) == {"backend", "web"}
    assert org.teams["backend"].providers == ["claude"]


def test_hosts_are_normalised_to_lower_case() -> None:
    org = parse_layer(
        "name: a\nsecurity: {allowed_hosts: [Git.ACME.dev.]}", OrgConfig, "o"
    )
    assert org.security.allowed_hosts == ["git.acme.dev"]


@pytest.mark.parametrize("model", [PersonalProfile, WorkspaceConfig])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("security: {network_mode: open}\n", "security: unknown key"),
        ("teams: {}\n", "teams: unknown key"),
        ("claude: {marketplaces: {}}\n", "claude.marketplaces: unknown key"),
        ("network_mode: loose\n", "network_mode: Input should be"),
    ],
)
def test_lower_layers_cannot_carry_org_only_keys(
    model: type[PersonalProfile], text: str, expected: str
) -> None:
    with pytest.raises(LayerError) as caught:
        parse_layer(text, model, "layer.yaml")
    assert expected in caught.value.message


def test_empty_workspace_file_is_an_empty_layer() -> None:
    assert parse_layer("", WorkspaceConfig, ".scc.yaml") == WorkspaceConfig()


def test_workspace_layer_reads_choices() -> None:
    text = textwrap.dedent(
        """
        network_mode: locked-down-web
        deny_hosts: ["*.npmjs.org"]
        rules: {git-force-push: true}
        """
    )
    layer = parse_layer(text, WorkspaceConfig, ".scc.yaml")
    assert layer.deny_hosts == ["*.npmjs.org"]
    assert layer.rules == {"git-force-push": True}


UNKNOWN_KEYS = [
    (OrgConfig, "name: a\nnetwrk: x\n", "netwrk: unknown key"),
    (
        OrgConfig,
        "name: a\nteams: {be: {netwrk_mode: open}}\n",
        "teams.be.netwrk_mode: unknown key, did you mean network_mode?",
    ),
    (
        OrgConfig,
        "name: a\nsecurity: {alowed_hosts: []}\n",
        "security.alowed_hosts: unknown key, did you mean allowed_hosts?",
    ),
    (
        OrgConfig,
        "name: a\nclaude: {mcp_servers: {docs: {comand: x}}}\n",
        "claude.mcp_servers.docs.comand: unknown key, did you mean command?",
    ),
    (
        OrgConfig,
        "name: a\ndefaults: {claude: {plugin: []}}\n",
        "defaults.claude.plugin: unknown key, did you mean plugins?",
    ),
    (
        WorkspaceConfig,
        "deny_host: [a.example]\n",
        "deny_host: unknown key, did you mean deny_hosts?",
    ),
    (WorkspaceConfig, "zzz: 1\n", "zzz: unknown key"),
    (UserConfig, "provder: claude\n", "provder: unknown key, did you mean provider?"),
]


@pytest.mark.parametrize(("model", "text", "expected"), UNKNOWN_KEYS)
def test_unknown_key_is_named_with_the_closest_known_key(
    model: type[BaseModel], text: str, expected: str
) -> None:
    with pytest.raises(LayerError) as caught:
        parse_layer(text, model, "file.yaml")
    assert caught.value.message == f"file.yaml: {expected}"
