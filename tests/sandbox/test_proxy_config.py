"""The proxy configuration a session writes, checked as text: protections that
must never be shown by sending traffic (metadata and internal addresses)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scc import session as ids
from scc.merge import resolve_session
from scc.sandbox import Sandbox, plan_session


def rendered(workspace: Path, mode: str, *allow: str) -> tuple[list[str], list[str]]:
    settings = resolve_session(workspace, network=mode, allow_hosts=allow)
    plan = plan_session(settings, workspace, ["true"], interactive=False)
    Sandbox(None, plan, settings)._write_files()
    conf = (ids.session_dir(plan.session) / "run" / "squid.conf").read_text()
    lines = conf.splitlines()
    allowed = next(line for line in lines if line.startswith("acl scc_allowed_name"))
    return lines, allowed.split()[4:]


@pytest.mark.parametrize("mode", ["web-egress-enforced", "locked-down-web"])
def test_metadata_and_internal_addresses_are_refused_after_resolution(
    workspace: Path, mode: str
) -> None:
    lines, _ = rendered(workspace, mode)
    internal = next(line for line in lines if line.startswith("acl scc_internal dst"))
    for network in (
        "169.254.0.0/16",
        "10.0.0.0/8",
        "127.0.0.0/8",
        "100.64.0.0/10",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
        "fe80::/10",
    ):
        assert network in internal.split()
    access = [line for line in lines if line.startswith("http_access")]
    assert access.index("http_access deny scc_internal") < access.index(
        "http_access allow scc_allowed"
    )
    assert access[-1] == "http_access deny all"


def test_enforced_allowlist_is_provider_hosts_and_policy_hosts(workspace: Path) -> None:
    _, allowed = rendered(workspace, "web-egress-enforced", "pypi.org")
    assert {"api.anthropic.com", "pypi.org"} <= set(allowed)


def test_locked_down_allowlist_is_the_provider_hosts_only(workspace: Path) -> None:
    settings = resolve_session(workspace, network="locked-down-web")
    _, allowed = rendered(workspace, "locked-down-web")
    assert sorted(allowed) == sorted(settings.provider_hosts)
