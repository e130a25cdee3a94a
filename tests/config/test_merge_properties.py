"""Properties of the merge over generated layers: the bounds always hold."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from scc.destinations import BUILTIN_SETS, covered, hosts_of
from scc.layers import OrgConfig, PersonalProfile, UserConfig, WorkspaceConfig
from scc.merge import STRICTNESS, Layers, Request, merge
from scc_guard.policy import NetworkMode

ORG = OrgConfig.model_validate(
    {
        "name": "acme",
        "security": {
            "network_mode": "web-egress-enforced",
            "destinations": ["github", "acme"],
            "allowed_hosts": ["status.acme.dev"],
            "rules": {"git-force-push": True, "git-stash-drop": False},
        },
        "destination_sets": {"acme": ["git.acme.dev", "*.artifacts.acme.dev"]},
        "defaults": {"destinations": ["github"]},
    }
)
CEILING = [*hosts_of(["github", "acme"], ORG.destination_sets), "status.acme.dev"]
PROVIDER_HOSTS = set(BUILTIN_SETS["claude"])

HOSTS = st.sampled_from(
    [
        "github.com",
        "api.github.com",
        "*.github.com",
        "git.acme.dev",
        "x.artifacts.acme.dev",
        "*.artifacts.acme.dev",
        "*.acme.dev",
        "status.acme.dev",
        "pypi.org",
        "evil.example",
        "*.evil.example",
        "api.anthropic.com",
    ]
)
SETS = st.sampled_from(["github", "pypi", "npm", "acme", "claude", "nope"])
RULES = st.sampled_from(["git-force-push", "git-stash-drop", "git-reset-hard"])
MODES = st.sampled_from([None, *NetworkMode])


def _choices() -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries(
        {
            "network_mode": MODES,
            "destinations": st.lists(SETS, max_size=3),
            "allow_hosts": st.lists(HOSTS, max_size=3),
            "deny_hosts": st.lists(HOSTS, max_size=2),
            "rules": st.dictionaries(RULES, st.booleans(), max_size=3),
        }
    )


def _merge(
    profile: dict[str, object] | None,
    workspace: dict[str, object] | None,
    network: NetworkMode | None = None,
    allow: list[str] | None = None,
):  # type: ignore[no-untyped-def]
    layers = Layers(
        user=UserConfig(),
        org=ORG,
        org_origin="org.yaml",
        team=None,
        profile=PersonalProfile.model_validate(profile) if profile else None,
        workspace=WorkspaceConfig.model_validate(workspace) if workspace else None,
    )
    request = Request(network=network, allow_hosts=tuple(allow or ()))
    return merge(layers, request).policy()


@settings(max_examples=300, deadline=None)
@given(_choices(), _choices(), MODES, st.lists(HOSTS, max_size=3))
def test_nothing_passes_the_org_bounds(
    profile: dict[str, object],
    workspace: dict[str, object],
    network: NetworkMode | None,
    allow: list[str],
) -> None:
    policy = _merge(profile, workspace, network, allow)

    assert STRICTNESS[policy.network_mode] >= STRICTNESS[NetworkMode.ENFORCED]
    for host in policy.allowed_hosts:
        assert host in PROVIDER_HOSTS or covered(host, CEILING), host
    assert policy.rules["git-force-push"].enabled
    assert policy.rules["git-force-push"].absolute


@settings(max_examples=300, deadline=None)
@given(_choices(), _choices())
def test_a_workspace_only_tightens(
    profile: dict[str, object], workspace: dict[str, object]
) -> None:
    without = _merge(profile, None)
    with_ws = _merge(profile, workspace)

    assert STRICTNESS[with_ws.network_mode] >= STRICTNESS[without.network_mode]
    for host in with_ws.allowed_hosts:
        assert covered(host, without.allowed_hosts), host
    for rule, setting in without.rules.items():
        if setting.enabled:
            assert with_ws.rules[rule].enabled, rule


def test_property_fixture_is_sane(tmp_path: Path) -> None:
    policy = _merge(None, None)
    assert "github.com" in policy.allowed_hosts
    assert policy.network_mode is NetworkMode.ENFORCED
