"""The proxy image with configs rendered from real policies, in real Squid."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from pathlib import Path

import pytest
from scc.images import object_labels
from scc_guard.policy import NetworkMode, Policy
from scc_guard.squid import render_squid_conf

pytestmark = [pytest.mark.docker, pytest.mark.images]

CONF = "/etc/squid/scc/squid.conf"
POLICIES = {
    "default": Policy(),
    "allowlist": Policy(allowed_hosts=("api.anthropic.com", "github.com")),
    "wildcards": Policy(allowed_hosts=("*.pypi.org", "*.npmjs.org", "pypi.org")),
    "locked": Policy(
        network_mode=NetworkMode.LOCKED, allowed_hosts=("registry.npmjs.org",)
    ),
    "open": Policy(network_mode=NetworkMode.OPEN),
}


def write_conf(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "squid.conf"
    path.write_text(text)
    path.chmod(0o644)
    return path


def check(docker_client, tag: str, conf: Path) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    container = docker_client.containers.create(
        tag,
        ["--check"],
        labels=object_labels("test"),
        network_disabled=True,
        read_only=True,
        volumes={str(conf): {"bind": CONF, "mode": "ro"}},
    )
    try:
        container.start()
        status = container.wait(timeout=60)["StatusCode"]
        return status, container.logs().decode()
    finally:
        container.remove(force=True)


@pytest.mark.parametrize("name", list(POLICIES))
def test_rendered_configs_pass_squid_parse(
    docker_client,
    built,
    tmp_path: Path,
    name: str,  # type: ignore[no-untyped-def]
) -> None:
    conf = write_conf(tmp_path, render_squid_conf(POLICIES[name]))
    status, output = check(docker_client, built("proxy").tag, conf)
    assert status == 0, output


@pytest.mark.parametrize(
    "broken",
    [
        "http_port 3128\nno_such_directive on\n",
        "acl x dstdomain -n\nhttp_access allow y\n",
    ],
)
def test_a_broken_config_keeps_the_proxy_from_starting(
    docker_client,
    built,
    tmp_path: Path,
    broken: str,  # type: ignore[no-untyped-def]
) -> None:
    conf = write_conf(tmp_path, broken)
    status, output = check(docker_client, built("proxy").tag, conf)
    assert status != 0
    assert "refusing to start" in output


@pytest.fixture
def proxy(docker_client, built, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A running proxy allowing only allowed.test, hardened as the sandbox runs it."""
    logs = tmp_path / "audit"
    logs.mkdir()
    logs.chmod(0o777)
    policy = Policy(allowed_hosts=("allowed.test",))
    conf = write_conf(tmp_path, render_squid_conf(policy))
    network = docker_client.networks.create(
        f"scc-test-proxy-{uuid.uuid4().hex[:8]}", labels=object_labels("network")
    )
    # The allowed name resolves, through Docker's DNS, to the proxy's own
    # private address on this network: an internal destination.
    endpoint = docker_client.api.create_endpoint_config(aliases=["allowed.test"])
    container = docker_client.containers.create(
        built("proxy").tag,
        labels=object_labels("proxy"),
        read_only=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        network=network.name,
        networking_config={network.name: endpoint},
        volumes={
            str(conf): {"bind": CONF, "mode": "ro"},
            str(logs): {"bind": "/var/log/scc", "mode": "rw"},
        },
    )
    try:
        container.start()
        deadline = time.monotonic() + 30
        while b"Accepting HTTP" not in container.logs():
            assert time.monotonic() < deadline, container.logs().decode()
            time.sleep(0.3)
        container.reload()
        address = container.attrs["NetworkSettings"]["Networks"][network.name]
        yield container, address["IPAddress"], logs / "proxy.jsonl"
    finally:
        container.remove(force=True)
        network.remove()


def ask(address: str, method: str, target: str) -> int:
    connection = http.client.HTTPConnection(address, 3128, timeout=10)
    try:
        connection.request(
            method,
            target,
            headers={"Host": target.split("/")[2]} if "://" in target else {},
        )
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "http://denied.test/"),
        ("GET", "http://127.0.0.1/"),
        ("GET", "http://2130706433/"),
        ("GET", "http://0x7f000001/"),
        ("GET", "http://[::1]/"),
        ("GET", "http://allowed.test:8080/"),
        ("GET", "http://allowed.test/"),
        ("CONNECT", "allowed.test:443"),
        ("CONNECT", "allowed.test:22"),
        ("CONNECT", "denied.test:443"),
    ],
)
def test_the_proxy_refuses_with_403_and_logs_json(
    proxy, method: str, target: str
) -> None:  # type: ignore[no-untyped-def]
    _, address, log = proxy
    assert ask(address, method, target) == 403
    deadline = time.monotonic() + 10
    while not (log.exists() and log.read_text().strip()):
        assert time.monotonic() < deadline, "no access log line"
        time.sleep(0.2)
    record = json.loads(log.read_text().splitlines()[-1])
    assert record["status"] == "403"
    assert record["method"] == method
    assert set(record) >= {
        "time",
        "client",
        "method",
        "host",
        "port",
        "status",
        "bytes",
    }


def test_the_proxy_runs_unprivileged(proxy) -> None:  # type: ignore[no-untyped-def]
    container, _, _ = proxy
    status, output = container.exec_run(["id", "-u"])
    assert status == 0
    assert output.decode().strip() != "0"


def test_the_baked_in_config_is_the_default_policy_rendered() -> None:
    committed = Path(__file__).parents[2] / "squid" / "squid.conf"
    assert committed.read_text() == render_squid_conf(Policy())
