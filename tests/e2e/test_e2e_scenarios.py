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
from datetime import datetime

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


def rule_events(outcome, rule):  # type: ignore[no-untyped-def]
    """The guard's blocks under `rule`, in time order."""
    return [
        event
        for event in guard_events(outcome.audit)
        if is_blocked(event) and event["record"].get("rule") == rule
    ]


def instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def entry_of(event) -> str:  # type: ignore[no-untyped-def]
    """Which way the guard was asked: `hook:<agent>` or `shim:<tool>`."""
    return str(event["record"].get("entry", ""))


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
def test_force_push_is_blocked_by_the_hook_and_in_a_script_by_the_shim(
    workspace, test_hosts, provider
):
    remote_before = workspace.remote_head()

    outcome = session(workspace, provider, "force-push", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    assert workspace.remote_head() == remote_before
    blocks = rule_events(outcome, "git-force-push")
    hook = [e for e in blocks if entry_of(e).startswith("hook:")]
    shim = [e for e in blocks if entry_of(e) == "shim:git"]
    # The agent's own command never ran: its hook stopped it. The script ran,
    # and the shim stopped the push inside it.
    assert hook, outcome.describe()
    assert shim, outcome.describe()
    reason = blocks[0]["record"]["reason"]
    assert reason in outcome.result_of("git push --force origin main")
    assert reason in outcome.result_of("sh push.sh")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_hard_reset_is_blocked_and_the_changes_survive(workspace, test_hosts, provider):
    outcome = session(workspace, provider, "reset-hard", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    readme = (workspace.path / "README.md").read_text()
    assert readme.endswith("An uncommitted line.\n")
    assert workspace.status() == "M README.md"
    blocks = rule_events(outcome, "git-reset-hard")
    assert blocks, outcome.describe()
    assert blocks[0]["record"]["reason"] in outcome.result_of("git reset --hard")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_denied_host_is_refused_and_allowed_host_answers(
    workspace, test_hosts, provider
):
    outcome = session(workspace, provider, "fetch", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    denied = model_container.DENIED_HOST
    # curl: the guard may refuse it before the proxy sees it.
    by_curl = outcome.result_of(f"http://{denied}")
    guard_blocked = blocked_guard_events(outcome, denied)
    if "scc-guard" in by_curl:
        assert guard_blocked, (
            f"guard block missing from the audit\n{outcome.describe()}"
        )
        assert guard_blocked[0]["record"]["reason"] in by_curl
    else:
        assert "HTTP 403" in by_curl, outcome.describe()
    # Python's urllib is not a guarded tool: the proxy refuses it, and says so.
    assert "HTTP Error 403" in outcome.result_of("urllib"), outcome.describe()
    assert [
        e for e in proxy_events(outcome.audit) if proxy_status(e, denied) == "403"
    ], outcome.describe()
    assert HELLO in outcome.result_of(f"http://{model_container.ALLOWED_HOST}")
    assert [
        e
        for e in proxy_events(outcome.audit)
        if proxy_status(e, model_container.ALLOWED_HOST) == "200"
    ], outcome.describe()


def proxy_status(event, host: str) -> str | None:  # type: ignore[no-untyped-def]
    """The status the proxy gave a request for `host`, or None for other hosts."""
    record = event["record"]
    return str(record.get("status")) if record.get("host") == host else None


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
    # Through the proxy only the provider's own hosts were reached.
    reached = {
        e["record"].get("host")
        for e in proxy_events(outcome.audit)
        if str(e["record"].get("status")) == "200"
    }
    assert reached, outcome.describe()
    assert reached <= set(model_container.PROVIDER_HOSTS), outcome.describe()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_audit_shows_one_session_in_order(workspace, test_hosts, provider):
    outcome = session(workspace, provider, "tour", test_hosts)

    assert outcome.exit_code == 0, outcome.describe()
    assert not outcome.failed_checks(), outcome.describe()
    # Guard and proxy may write different precisions: compare instants, not text.
    times = [instant(event["time"]) for event in outcome.audit]
    assert times == sorted(times), outcome.describe()

    def first(predicate) -> int:  # type: ignore[no-untyped-def]
        for index, event in enumerate(outcome.audit):
            if predicate(event):
                return index
        raise AssertionError(f"not in the audit:\n{outcome.describe()}")

    steps = [
        first(lambda e: e["source"] == "guard" and mentions(e, "git commit")),
        first(lambda e: e["record"].get("rule") == "git-force-push"),
        first(lambda e: e["record"].get("rule") == "git-reset-hard"),
        first(lambda e: mentions(e, model_container.DENIED_HOST)),
        first(
            lambda e: (
                e["source"] == "proxy" and mentions(e, model_container.ALLOWED_HOST)
            )
        ),
    ]
    assert steps == sorted(steps), outcome.describe()
    assert {"guard", "proxy"} <= {event["source"] for event in outcome.audit}
