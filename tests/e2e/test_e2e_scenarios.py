"""The issue's scenarios: the real agents doing real work under `scc run`.

Each test is one scc session on a real git repository with a local bare
remote: the real agent image, the real guard (hook and shims), the real Squid
sidecar. Only the model is scripted. It sits on a test network that has no
route out, in 198.18.0.0/15, and the sandbox reaches it only through the
proxy by an allowed name (`web-egress-enforced`), or through the relay to
the proxy (`locked-down-web`).

Evidence comes from three places that could each disagree: the repository
itself, the tool results the agent sent back to the model, and `scc audit`.
"""

from __future__ import annotations

import uuid

import pytest
from scripted_model import container as model_container
from scripted_model.server import HELLO
from session import (
    LOCKED,
    guard_events,
    is_blocked,
    mentions,
    proxy_events,
    run_scenario,
)
from workspace import create_workspace, owner_for_sessions

pytestmark = [pytest.mark.docker, pytest.mark.images, pytest.mark.slow]
PROVIDERS = ["claude", "codex"]
LABELS = {"scc.test": "1"}


@pytest.fixture(scope="module")
def test_hosts(docker_client, model_image, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The egress test network with the model (and the test hosts) on it."""
    name = f"scc-e2e-egress-{uuid.uuid4().hex[:8]}"
    certificates = tmp_path_factory.mktemp("certs")
    ca = model_container.make_certificates(certificates)
    with model_container.model_on_network(
        docker_client, name, LABELS, certificates
    ) as (network, model):
        yield network, model, ca
    # scc keeps each user's agent state between sessions; ours are test objects.
    uid = str(owner_for_sessions())
    for volume in docker_client.volumes.list(filters={"label": "scc.test=1"}):
        if (volume.attrs.get("Labels") or {}).get("io.scc.uid") == uid:
            volume.remove(force=True)


@pytest.fixture
def workspace(tmp_path):  # type: ignore[no-untyped-def]
    return create_workspace(tmp_path / "project")


def session(workspace, provider, scenario, test_hosts, **options):  # type: ignore[no-untyped-def]
    network, model, ca = test_hosts
    return run_scenario(
        workspace.path, provider, scenario, model, network.name, ca_cert=ca, **options
    )


def blocked_guard_events(outcome, command):  # type: ignore[no-untyped-def]
    return [
        event
        for event in guard_events(outcome.audit)
        if is_blocked(event) and mentions(event, command)
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_agent_edits_a_file_and_commits(workspace, test_hosts, provider):
    before = workspace.log()

    outcome = session(workspace, provider, "commit", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert outcome.final == "Committed the greeting.", outcome.describe()
    assert workspace.log() == ["Add a greeting", *before]
    greeting = workspace.path / "GREETING.md"
    assert greeting.read_text() == "Hello from the agent.\n"
    owner = owner_for_sessions()
    assert greeting.stat().st_uid == owner
    objects = workspace.path / ".git/objects"
    assert {p.stat().st_uid for p in objects.rglob("*") if p.is_file()} == {owner}
    allowed = [e for e in guard_events(outcome.audit) if not is_blocked(e)]
    assert any(mentions(e, "git commit") for e in allowed), outcome.describe()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_force_push_is_blocked_from_the_agent_and_from_a_script(
    workspace, test_hosts, provider
):
    remote_before = workspace.remote_head()

    outcome = session(workspace, provider, "force-push", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    assert workspace.remote_head() == remote_before
    blocks = blocked_guard_events(outcome, "push")
    # Once for the agent's own command, once for the push inside push.sh.
    assert len(blocks) >= 2, outcome.describe()
    direct = outcome.result_of("git push --force origin main")
    scripted = outcome.result_of("sh push.sh")
    for result in (direct, scripted):
        assert any(e["record"].get("reason", "\0") in result for e in blocks), (
            outcome.describe()
        )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_hard_reset_is_blocked_and_the_changes_survive(workspace, test_hosts, provider):
    outcome = session(workspace, provider, "reset-hard", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    readme = (workspace.path / "README.md").read_text()
    assert readme.endswith("An uncommitted line.\n")
    assert workspace.status() == "M README.md"
    blocks = blocked_guard_events(outcome, "reset")
    assert blocks, outcome.describe()
    result = outcome.result_of("git reset --hard")
    assert any(e["record"].get("reason", "\0") in result for e in blocks)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_denied_host_is_refused_and_allowed_host_answers(
    workspace, test_hosts, provider
):
    outcome = session(workspace, provider, "fetch", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    denied = outcome.result_of(model_container.DENIED_HOST)
    guard_blocked = blocked_guard_events(outcome, model_container.DENIED_HOST)
    proxy_denied = [
        e
        for e in proxy_events(outcome.audit)
        if str(e["record"].get("status")) == "403"
        and mentions(e, model_container.DENIED_HOST)
    ]
    if guard_blocked:
        assert guard_blocked[0]["record"].get("reason", "\0") in denied
    else:
        assert "HTTP 403" in denied, outcome.describe()
        assert proxy_denied, outcome.describe()
    assert HELLO in outcome.result_of(model_container.ALLOWED_HOST)
    assert any(
        mentions(e, model_container.ALLOWED_HOST)
        and str(e["record"].get("status")) == "200"
        for e in proxy_events(outcome.audit)
    ), outcome.describe()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_locked_down_reaches_its_model_and_nothing_else(
    workspace, test_hosts, provider
):
    outcome = session(workspace, provider, "locked-down", test_hosts, mode=LOCKED)

    assert outcome.exit_code == 0, outcome.describe()
    # The conversation happened at all: the model was reached.
    assert outcome.final == "Only the model answered; nothing else was reachable."
    assert not outcome.failed_checks(), outcome.describe()
    assert HELLO not in outcome.result_of(model_container.ALLOWED_HOST)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_audit_shows_one_session_in_order(workspace, test_hosts, provider):
    outcome = session(workspace, provider, "tour", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    times = [event["time"] for event in outcome.audit]
    assert times == sorted(times)

    def first(predicate) -> int:  # type: ignore[no-untyped-def]
        for index, event in enumerate(outcome.audit):
            if predicate(event):
                return index
        raise AssertionError(f"not in the audit:\n{outcome.describe()}")

    steps = [
        first(lambda e: e["source"] == "guard" and mentions(e, "git commit")),
        first(lambda e: is_blocked(e) and mentions(e, "push")),
        first(lambda e: is_blocked(e) and mentions(e, "reset")),
        first(lambda e: mentions(e, model_container.DENIED_HOST)),
        first(
            lambda e: (
                e["source"] == "proxy" and mentions(e, model_container.ALLOWED_HOST)
            )
        ),
    ]
    assert steps == sorted(steps), outcome.describe()
    assert {"guard", "proxy"} <= {event["source"] for event in outcome.audit}
