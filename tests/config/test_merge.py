"""The merge: org security is absolute, lower layers choose inside it."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scc.config import config_path, profile_path
from scc.destinations import BUILTIN_SETS
from scc.errors import PolicyBlocked, SccError
from scc.merge import explain_session, resolve_session, with_image_settings
from scc_guard.policy import NetworkMode, Policy, RuleSetting

ORG_TWO_TEAMS = (
    Path(__file__).parents[2] / "docs" / "examples" / "org.yaml"
).read_text()

CLAUDE_HOSTS = set(BUILTIN_SETS["claude"])


@dataclass
class Case:
    """One merge: the layers in force, the command line, and what must come out."""

    team: str | None = None
    profile: str | None = None
    workspace: str | None = None
    cli: dict[str, Any] = field(default_factory=dict)
    mode: NetworkMode = NetworkMode.ENFORCED
    hosts_in: tuple[str, ...] = ()
    hosts_out: tuple[str, ...] = ()
    rules: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    messages: tuple[str, ...] = ()
    org: str | None = ORG_TWO_TEAMS


def _configure(case: Case, root: Path, workspace: Path) -> None:
    lines = []
    if case.org is not None:
        (root / "org.yaml").write_text(textwrap.dedent(case.org))
        lines.append(f"org: {root / 'org.yaml'}")
    if case.team:
        lines.append(f"team: {case.team}")
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text("\n".join(lines) + "\n")
    if case.profile is not None:
        profile_path().write_text(textwrap.dedent(case.profile))
    if case.workspace is not None:
        (workspace / ".scc.yaml").write_text(textwrap.dedent(case.workspace))


CASES = {
    "no org: enforced with only the provider's hosts": Case(
        org=None, hosts_in=tuple(CLAUDE_HOSTS), hosts_out=("pypi.org",)
    ),
    "no org: --allow-host adds any host": Case(
        org=None, cli={"allow_hosts": ["pypi.org"]}, hosts_in=("pypi.org",)
    ),
    "no org: --network open is allowed": Case(
        org=None, cli={"network": "open"}, mode=NetworkMode.OPEN
    ),
    "org defaults apply without a team": Case(
        hosts_in=("github.com", "api.github.com"), hosts_out=("pypi.org",)
    ),
    "a team combines destination sets": Case(
        team="backend",
        hosts_in=("github.com", "pypi.org", "git.acme.dev", "*.artifacts.acme.dev"),
        hosts_out=("registry.npmjs.org",),
    ),
    "provider hosts are allowed automatically": Case(
        team="web", mode=NetworkMode.LOCKED, hosts_in=tuple(CLAUDE_HOSTS)
    ),
    "a team may pick a stricter mode": Case(
        team="web", mode=NetworkMode.LOCKED, hosts_in=("registry.npmjs.org",)
    ),
    "org rules: true is absolute, false is off": Case(
        rules={"git-force-push": (True, True), "git-stash-drop": (False, False)}
    ),
    "a team widening past the org is ignored and reported": Case(
        org=ORG_TWO_TEAMS.replace(
            "destinations: [npm]",
            "destinations: [npm]\n    allow_hosts: [evil.example]",
        ),
        team="web",
        mode=NetworkMode.LOCKED,
        hosts_out=("evil.example",),
        messages=("team web: host evil.example ignored: not permitted by org acme",),
    ),
    "a mode looser than the org's bound is ignored and reported": Case(
        profile="network_mode: open\n",
        messages=(
            "personal profile: network_mode open ignored: org acme security allows "
            "nothing looser than web-egress-enforced",
        ),
    ),
    "the personal profile adds hosts inside the bounds": Case(
        profile="destinations: [npm]\n", hosts_in=("registry.npmjs.org",)
    ),
    "the personal profile cannot add hosts past the bounds": Case(
        profile="allow_hosts: [evil.example]\n",
        hosts_out=("evil.example",),
        messages=("personal profile: host evil.example ignored",),
    ),
    "a workspace may pick a stricter mode": Case(
        workspace="network_mode: locked-down-web\n", mode=NetworkMode.LOCKED
    ),
    "a workspace may not loosen the team's mode": Case(
        team="web",
        workspace="network_mode: web-egress-enforced\n",
        mode=NetworkMode.LOCKED,
        messages=("workspace .scc.yaml: network_mode web-egress-enforced ignored",),
    ),
    "a workspace may not add hosts, even permitted ones": Case(
        workspace="destinations: [pypi]\n",
        hosts_out=("pypi.org",),
        messages=("workspace .scc.yaml: host pypi.org ignored: a workspace may only",),
    ),
    "a workspace may take hosts away": Case(
        team="backend",
        workspace="deny_hosts: ['*.github.com', pypi.org]\n",
        hosts_in=("github.com",),
        hosts_out=("api.github.com", "pypi.org"),
        messages=("workspace .scc.yaml: host pypi.org taken away",),
    ),
    "denying a name below an allowed wildcard takes the wildcard away": Case(
        team="backend",
        workspace="deny_hosts: [secret.artifacts.acme.dev]\n",
        hosts_in=("git.acme.dev",),
        hosts_out=("*.artifacts.acme.dev", "secret.artifacts.acme.dev"),
        messages=("host *.artifacts.acme.dev taken away (to deny secret.",),
    ),
    "nobody takes the provider's hosts away": Case(
        workspace="deny_hosts: [api.anthropic.com]\n", hosts_in=("api.anthropic.com",)
    ),
    "a workspace may turn rules on": Case(
        workspace="rules: {git-stash-drop: true, git-rm-force: true}\n",
        rules={"git-stash-drop": (True, False), "git-rm-force": (True, False)},
    ),
    "nobody below the org turns an absolute rule off": Case(
        team="backend",
        profile="rules: {git-force-push: false}\n",
        workspace="rules: {git-force-push: false}\n",
        rules={"git-force-push": (True, True)},
        messages=(
            "personal profile: rule git-force-push off ignored: org acme security "
            "keeps it on",
            "workspace .scc.yaml: rule git-force-push off ignored",
        ),
    ),
    "only the org's layers turn other rules off": Case(
        org=ORG_TWO_TEAMS.replace(
            "destinations: [npm]",
            "destinations: [npm]\n    rules: {git-reset-hard: false}",
        ),
        team="web",
        profile="rules: {git-clean-force: false}\n",
        mode=NetworkMode.LOCKED,
        rules={"git-reset-hard": (False, False)},
        messages=("personal profile: rule git-clean-force off ignored: only the org",),
    ),
    "--allow-host inside the bounds is added": Case(
        cli={"allow_hosts": ["registry.npmjs.org"]}, hosts_in=("registry.npmjs.org",)
    ),
    "--allow-host past the bounds is ignored and reported": Case(
        cli={"allow_hosts": ["evil.example", "status.acme.dev"]},
        hosts_in=("status.acme.dev",),
        hosts_out=("evil.example",),
        messages=(
            "command line --allow-host: host evil.example ignored: not permitted",
        ),
    ),
    "--allow-host under a permitted wildcard is added": Case(
        cli={"allow_hosts": ["x.artifacts.acme.dev"]},
        hosts_in=("x.artifacts.acme.dev",),
    ),
    "--allow-host wider than a permitted wildcard is ignored": Case(
        cli={"allow_hosts": ["*.acme.dev"]},
        hosts_out=("*.acme.dev",),
        messages=("host *.acme.dev ignored",),
    ),
    "--network may choose inside the bounds over a workspace": Case(
        team="web",
        cli={"network": "web-egress-enforced"},
        mode=NetworkMode.ENFORCED,
    ),
    "--network past the bounds is ignored and reported": Case(
        cli={"network": "open"},
        mode=NetworkMode.ENFORCED,
        messages=("command line: network_mode open ignored",),
    ),
    "an org bound of locked-down holds for everyone": Case(
        org="name: strict\nsecurity: {network_mode: locked-down-web}\n",
        cli={"network": "web-egress-enforced"},
        mode=NetworkMode.LOCKED,
        messages=("command line: network_mode web-egress-enforced ignored",),
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_merge(case: Case, tmp_path: Path, workspace: Path) -> None:
    _configure(case, tmp_path, workspace)
    settings = resolve_session(workspace, **case.cli)
    hosts = set(settings.policy.allowed_hosts)

    assert settings.policy.network_mode == case.mode
    assert set(case.hosts_in) <= hosts
    assert not set(case.hosts_out) & hosts
    for rule, (enabled, absolute) in case.rules.items():
        assert settings.policy.rules[rule] == RuleSetting(
            enabled=enabled, absolute=absolute
        )
    for expected in case.messages:
        assert any(expected in m for m in settings.messages), settings.messages
    if not case.messages:
        assert not [m for m in settings.messages if "ignored" in m]


def test_the_result_is_the_guard_policy_model(tmp_path: Path, workspace: Path) -> None:
    _configure(Case(team="backend"), tmp_path, workspace)
    policy = resolve_session(workspace).policy
    assert isinstance(policy, Policy)
    assert Policy.model_validate_json(policy.model_dump_json()) == policy
    assert policy.model_copy(update={"session": "s1"}).session == "s1"


def test_explain_names_the_layer_of_every_value(
    tmp_path: Path, workspace: Path
) -> None:
    case = Case(
        team="backend",
        profile="destinations: [npm]\n",
        workspace="network_mode: locked-down-web\n",
    )
    _configure(case, tmp_path, workspace)
    explained = {
        s.key: s.layer
        for s in explain_session(workspace, allow_hosts=["status.acme.dev"]).explained
    }
    assert explained["network_mode"] == "workspace .scc.yaml"
    assert explained["hosts.github.com"] == "org acme defaults"
    assert explained["hosts.pypi.org"] == "team backend"
    assert explained["hosts.registry.npmjs.org"] == "personal profile"
    assert explained["hosts.status.acme.dev"] == "command line --allow-host"
    assert explained["hosts.api.anthropic.com"] == "provider claude (automatic)"
    assert explained["rules.git-force-push"] == "org acme security"
    assert explained["providers"] == "team backend"
    assert explained["claude.plugins.lint@acme-tools"] == "team backend"


@pytest.mark.parametrize(
    ("team", "flag", "config", "expected"),
    [
        (None, None, None, "claude"),
        (None, "codex", None, "codex"),
        (None, None, "codex", "codex"),
        ("backend", None, None, "claude"),
        ("backend", None, "codex", PolicyBlocked),
        ("backend", "codex", None, PolicyBlocked),
    ],
)
def test_provider_choice_and_team_allowlist(
    tmp_path: Path,
    workspace: Path,
    team: str | None,
    flag: str | None,
    config: str | None,
    expected: Any,
) -> None:
    _configure(Case(team=team), tmp_path, workspace)
    if config:
        with config_path().open("a") as out:
            out.write(f"provider: {config}\n")
    if isinstance(expected, str):
        settings = resolve_session(workspace, provider=flag)
        assert settings.provider == expected
        assert set(BUILTIN_SETS[expected]) <= set(settings.policy.allowed_hosts)
        assert settings.provider_hosts == BUILTIN_SETS[expected]
        return
    with pytest.raises(expected) as caught:
        resolve_session(workspace, provider=flag)
    assert "not allowed by team backend (allowed: claude)" in caught.value.message
    assert caught.value.exit_code == 3


def test_only_approved_claude_extras_reach_the_agent(
    tmp_path: Path, workspace: Path
) -> None:
    case = Case(
        team="backend",
        workspace="claude: {plugins: [review@acme-tools, miner@evil], "
        "mcp_servers: [docs, exfil]}\n",
    )
    _configure(case, tmp_path, workspace)
    settings = resolve_session(workspace)
    managed = settings.agent_settings["managed-settings.json"]
    mcp = settings.agent_settings["managed-mcp.json"]

    assert managed["enabledPlugins"] == {
        "lint@acme-tools": True,
        "review@acme-tools": True,
    }
    assert managed["extraKnownMarketplaces"] == {
        "acme-tools": {"source": {"source": "github", "repo": "acme/claude-plugins"}}
    }
    assert managed["strictKnownMarketplaces"] == [
        {"source": "github", "repo": "acme/claude-plugins"}
    ]
    assert managed["allowedMcpServers"] == [{"serverName": "docs"}]
    assert mcp == {
        "mcpServers": {"docs": {"type": "http", "url": "https://docs.acme.dev/mcp"}}
    }
    assert any("miner@evil dropped" in m for m in settings.messages)
    assert any("MCP server exfil dropped" in m for m in settings.messages)


def test_without_approvals_no_marketplace_or_mcp_server_is_allowed(
    tmp_path: Path, workspace: Path
) -> None:
    _configure(
        Case(org=None, profile="claude: {plugins: [x@y]}\n"), tmp_path, workspace
    )
    settings = resolve_session(workspace)
    managed = settings.agent_settings["managed-settings.json"]
    assert managed["strictKnownMarketplaces"] == []
    assert managed["allowedMcpServers"] == []
    assert managed["enabledPlugins"] == {}
    assert any("x@y dropped" in m for m in settings.messages)


def test_codex_sessions_get_no_claude_settings(tmp_path: Path, workspace: Path) -> None:
    _configure(Case(), tmp_path, workspace)
    assert resolve_session(workspace, provider="codex").agent_settings == {}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"provider": "gemini"}, "unknown provider 'gemini'"),
        ({"network": "wide"}, "unknown network mode 'wide'"),
        (
            {"allow_hosts": ["169.254.169.254"]},
            "--allow-host: '169.254.169.254' is an IP",
        ),
        ({"allow_hosts": ["*"]}, "--allow-host: '*' contains characters"),
    ],
)
def test_bad_requests_are_one_line_errors(
    workspace: Path, kwargs: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SccError) as caught:
        resolve_session(workspace, **kwargs)
    assert expected in caught.value.message


def test_a_missing_workspace_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SccError, match="does not exist"):
        resolve_session(tmp_path / "nowhere")


def test_an_unknown_team_is_an_error(tmp_path: Path, workspace: Path) -> None:
    _configure(Case(team="mobile"), tmp_path, workspace)
    with pytest.raises(SccError, match=r"team 'mobile' is not in org config .* "):
        resolve_session(workspace)


def test_a_bad_workspace_file_is_an_error(tmp_path: Path, workspace: Path) -> None:
    _configure(Case(workspace="network: open\n"), tmp_path, workspace)
    with pytest.raises(SccError, match=r"\.scc\.yaml: network: unknown key"):
        resolve_session(workspace)


def test_credentials_stay_out_of_the_repr(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    settings = resolve_session(workspace)
    assert settings.credentials == {"ANTHROPIC_API_KEY": "sk-ant-secret"}
    assert "sk-ant-secret" not in repr(settings)


def test_egress_network_from_environment_over_config(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text("egress_network: from-config\n")
    assert resolve_session(workspace).egress_network == "from-config"
    monkeypatch.setenv("SCC_EGRESS_NETWORK", "from-env")
    assert resolve_session(workspace).egress_network == "from-env"


def test_image_override_is_passed_through(workspace: Path) -> None:
    assert resolve_session(workspace).image is None
    assert resolve_session(workspace, image="mine:1").image == "mine:1"


def test_the_fragment_joins_the_images_managed_settings_without_losing_the_hook(
    tmp_path: Path, workspace: Path
) -> None:
    image_file = Path(__file__).parents[2] / "images/claude/managed-settings.json"
    image_settings = json.loads(image_file.read_text())
    _configure(Case(team="backend"), tmp_path, workspace)
    agent = resolve_session(workspace).agent_settings

    combined = with_image_settings(image_settings, agent)
    assert combined["hooks"] == image_settings["hooks"]
    assert combined["allowManagedHooksOnly"] is True
    assert combined["enabledPlugins"] == {"lint@acme-tools": True}
    assert with_image_settings(image_settings, {}) == image_settings
