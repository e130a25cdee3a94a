"""The policy model, its published schema, and the two readers agreeing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scc_guard.errors import PolicyError
from scc_guard.policy import Policy, load_policy, schema_text
from scc_guard.policyfile import SCHEMA_FILE, read_policy_view

from tests.guard.conftest import REPO

VALID = [
    {},
    {"version": 1, "session": "abc", "network_mode": "open"},
    {"network_mode": "locked-down-web", "allowed_hosts": ["github.com", "*.pypi.org"]},
    {"rules": {"git-force-push": {"enabled": False}}},
    {"rules": {"git-reset-hard": {"enabled": True, "absolute": True}}},
    {"workspace": "/workspace", "allowed_hosts": ["[::1]", "10.0.0.1"]},
]
INVALID = [
    [],
    "policy",
    {"version": 2},
    {"version": "1"},
    {"version": True},
    {"version": 1.0},
    {"network_mode": "wide-open"},
    {"network_mode": 1},
    {"allowed_hosts": "github.com"},
    {"allowed_hosts": [1]},
    {"allowed_hosts": ["http://github.com"]},
    {"allowed_hosts": ["*"]},
    {"allowed_hosts": ["evil..example"]},
    {"rules": {"no-such-rule": {}}},
    {"rules": {"git-force-push": {"enabled": "no"}}},
    {"rules": {"git-force-push": {"enabled": False, "absolute": True}}},
    {"rules": {"cannot-verify": {"enabled": False}}},
    {"rules": {"network-egress": {"enabled": False}}},
    {"rules": {"git-force-push": {"bogus": 1}}},
    {"rules": []},
    {"session": 5},
    {"session": "x" * 201},
    {"extra": 1},
]


def test_published_schema_matches_the_model() -> None:
    generated = schema_text()
    assert Path(SCHEMA_FILE).read_text() == generated
    assert (REPO / "docs" / "policy.schema.json").read_text() == generated


@pytest.mark.parametrize("data", VALID, ids=repr)
def test_both_readers_accept_a_valid_policy(data: object, tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    model = load_policy(path)
    view = read_policy_view(str(path))
    assert model.view().network_mode == view.network_mode
    assert model.view().allowed_hosts == view.allowed_hosts
    assert model.view().disabled == view.disabled


@pytest.mark.parametrize("data", INVALID, ids=repr)
def test_both_readers_reject_a_malformed_policy(data: object, tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    with pytest.raises(PolicyError):
        load_policy(path)
    with pytest.raises(PolicyError):
        read_policy_view(str(path))


@pytest.mark.parametrize("content", [None, "", "{", "null", "\x00"], ids=repr)
def test_unreadable_policy_raises_with_a_reason(
    content: str | None, tmp_path: Path
) -> None:
    path = tmp_path / "policy.json"
    if content is not None:
        path.write_text(content)
    for read in (load_policy, read_policy_view):
        with pytest.raises(PolicyError, match=str(path)):
            read(str(path))


def test_policy_is_frozen() -> None:
    policy = Policy()
    with pytest.raises(ValueError, match="frozen"):
        policy.session = "x"  # type: ignore[misc]


def test_what_the_host_renders_the_shims_read(tmp_path: Path) -> None:
    policy = Policy(
        session="s-9",
        network_mode="locked-down-web",  # type: ignore[arg-type]
        allowed_hosts=("github.com",),
        rules={"git-rm-force": {"enabled": False}},  # type: ignore[dict-item]
        workspace="/workspace",
    )
    path = tmp_path / "policy.json"
    path.write_text(policy.model_dump_json())
    view = read_policy_view(str(path))
    assert (view.session, view.network_mode, view.allowed_hosts, view.disabled) == (
        "s-9",
        "locked-down-web",
        ("github.com",),
        frozenset({"git-rm-force"}),
    )
    assert load_policy(path) == policy
