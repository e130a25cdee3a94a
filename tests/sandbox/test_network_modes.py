"""The network modes against the real engine and the real Squid proxy.

Destinations are only containers on a network these tests create (198.18.0.0/15,
which the proxy's production rules do not treat as internal); the proxy resolves
names through a logging DNS server the tests run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Destinations, run_argv, scc, session_leftovers

pytestmark = [pytest.mark.docker, pytest.mark.images]

# Runs inside the agent: every attempt, how it ended, and how long it took.
ATTEMPTS = r"""
import json, os, socket, ssl, sys, time, urllib.parse, urllib.request
checks = json.loads(sys.argv[1])
proxy = urllib.parse.urlsplit(os.environ.get("HTTPS_PROXY", "http://127.0.0.1:9"))
def timed(fn):
    start = time.monotonic()
    try:
        result = fn()
    except Exception as exc:
        result = "error: " + type(exc).__name__
    return {"result": result, "seconds": round(time.monotonic() - start, 3)}
def raw(request_line):
    with socket.create_connection((proxy.hostname, proxy.port), timeout=5) as s:
        s.sendall(request_line.encode() + b"\r\nHost: x\r\n\r\n")
        return s.recv(64).split(b" ")[1].decode()
def get(url):
    return urllib.request.urlopen(url, timeout=5).status
def tcp(host, port):
    socket.create_connection((host, port), timeout=3).close()
    return "connected"
def udp(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        name = b"\x03web\x08scc-test\x07example\x00"
        query = bytes.fromhex("abcd01000001000000000000") + name + b"\x00\x01\x00\x01"
        s.sendto(query, (host, port))
        return "reply " + str(len(s.recv(512)))
def dns(name):
    return socket.getaddrinfo(name, 80)[0][4][0]
def interfaces():
    rows = open("/proc/net/dev").readlines()[2:]
    return sorted(row.split(":")[0].strip() for row in rows)
def gateway():
    for line in open("/proc/net/route").readlines()[1:]:
        f = line.split()
        if f[1] == "00000000":
            return socket.inet_ntoa(bytes.fromhex(f[2])[::-1])
out = {}
for name, (kind, *args) in checks.items():
    if kind == "gateway-tcp":
        args = [gateway(), 80]
        kind = "tcp"
    out[name] = timed(lambda: globals()[kind](*args))
print(json.dumps(out))
"""


def attempts(
    workspace: Path,
    image: str,
    mode: str,
    checks: dict,
    *extra: str,
    env: dict[str, str],
) -> tuple[dict, str]:
    command = ["python3", "-c", ATTEMPTS, json.dumps(checks)]
    result = scc(*run_argv(workspace, image, *command, mode=mode, extra=extra), **env)
    assert result.code == 0, result.err
    return json.loads(result.out), result.err


def direct_checks(dest: Destinations) -> dict:
    return {
        "tcp": ["tcp", dest.ip(80), 80],
        "udp": ["udp", dest.dns, 53],
        "dns": ["dns", "web.scc-test.example"],
        "dns-server": ["udp", "127.0.0.11", 53],
    }


def _spell(address: str, how: str) -> str:
    """Other spellings of an IPv4 address that resolvers and URL parsers accept."""
    parts = [int(p) for p in address.split(".")]
    if how == "decimal":
        return str(int.from_bytes(bytes(parts), "big"))
    if how == "hex":
        return ".".join(hex(p) for p in parts)
    return ".".join(f"0{p:o}" for p in parts)


@pytest.fixture(scope="module")
def enforced(
    agent_image: str,
    proxy_image: str,
    destinations: Destinations,
    certificate: Path,
    tmp_path_factory,
) -> tuple[dict, str, dict]:  # type: ignore[no-untyped-def]
    import subprocess
    import tempfile

    ws = Path(tempfile.mkdtemp(prefix="scc-ws-", dir="/tmp"))
    ws.chmod(0o755)
    subprocess.run(["chown", "1500:1500", str(ws)], check=True)
    d = destinations
    checks = {
        **direct_checks(d),
        "get-allowed": ["get", "http://web.scc-test.example/"],
        "connect-allowed": ["get", "https://tls.scc-test.example/"],
        "get-denied": ["raw", "GET http://denied.scc-test.example/ HTTP/1.1"],
        "connect-denied": ["raw", "CONNECT denied.scc-test.example:443 HTTP/1.1"],
        "connect-port": ["raw", "CONNECT tls.scc-test.example:8443 HTTP/1.1"],
        "ip-dotted": ["raw", f"GET http://{d.ip(80)}/ HTTP/1.1"],
        "ip-decimal": ["raw", f"GET http://{_spell(d.ip(80), 'decimal')}/ HTTP/1.1"],
        "ip-hex": ["raw", f"GET http://{_spell(d.ip(80), 'hex')}/ HTTP/1.1"],
        "ip-octal": ["raw", f"GET http://{_spell(d.ip(80), 'octal')}/ HTTP/1.1"],
        "ip-short": ["raw", "GET http://127.1/ HTTP/1.1"],
        "ip-v6": ["raw", "GET http://[::1]/ HTTP/1.1"],
        "ip-connect": ["raw", f"CONNECT {d.ip(43)}:443 HTTP/1.1"],
        "host-gateway": ["gateway-tcp"],
        "host-docker0": ["tcp", "172.17.0.1", 22],
        "interfaces": ["interfaces"],
    }
    found, err = attempts(
        ws,
        agent_image,
        "web-egress-enforced",
        checks,
        "--allow-host",
        "web.scc-test.example",
        "--allow-host",
        "tls.scc-test.example",
        "--ca-cert",
        str(certificate / "cert.pem"),
        env={**d.env(), "SCC_PROXY_IMAGE": proxy_image},
    )
    sessions = sorted((Path.home() / ".local/state/scc/sessions").iterdir())
    proxy_log = [
        json.loads(line)
        for line in (sessions[-1] / "proxy.jsonl").read_text().splitlines()
    ]
    subprocess.run(["rm", "-rf", str(ws)], check=True)
    return found, err, {"proxy_log": proxy_log, "dns_log": d.dns_log()}


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("get-allowed", 200),
        ("connect-allowed", 200),
        ("get-denied", "403"),
        ("connect-denied", "403"),
        ("connect-port", "403"),
        ("ip-dotted", "403"),
        ("ip-decimal", "403"),
        ("ip-hex", "403"),
        ("ip-octal", "403"),
        ("ip-short", "403"),
        ("ip-v6", "403"),
        ("ip-connect", "403"),
    ],
)
def test_enforced_mode_allows_only_allowlisted_names_through_the_proxy(
    enforced: tuple, check: str, expected: object
) -> None:
    found, _, _ = enforced
    assert found[check]["result"] == expected


@pytest.mark.parametrize(
    "check", ["tcp", "udp", "dns", "dns-server", "host-gateway", "host-docker0"]
)
def test_enforced_mode_direct_traffic_fails_fast(enforced: tuple, check: str) -> None:
    found, _, _ = enforced
    assert found[check]["result"].startswith("error:"), found[check]
    assert found[check]["seconds"] < 1.5


def test_enforced_agent_has_one_interface_besides_loopback(enforced: tuple) -> None:
    assert enforced[0]["interfaces"]["result"] == ["eth0", "lo"]


def test_denials_are_audited_and_told_to_the_user_one_line_each(
    enforced: tuple,
) -> None:
    _, err, logs = enforced
    denied = {(r["host"], r["status"]) for r in logs["proxy_log"]}
    assert ("denied.scc-test.example", "403") in denied
    assert ("web.scc-test.example", "200") in denied
    lines = [line for line in err.splitlines() if line.startswith("scc: blocked")]
    assert (
        "scc: blocked denied.scc-test.example: not on the allowlist; add "
        "--allow-host denied.scc-test.example (within policy) or ask your org "
        "to allow it" in lines
    )
    assert len(lines) == len(set(lines)), "one line per host and reason"


def test_a_denied_name_is_never_resolved(enforced: tuple) -> None:
    dns_log = enforced[2]["dns_log"]
    assert "web.scc-test.example" in dns_log
    assert "denied.scc-test.example" not in dns_log


def test_enforced_session_leaves_nothing(enforced: tuple, docker_client) -> None:
    assert session_leftovers(docker_client) == []


def test_locked_down_mode_has_only_loopback_and_the_provider_channel(
    workspace: Path,
    agent_image: str,
    proxy_image: str,
    destinations: Destinations,
    certificate: Path,
    docker_client,
) -> None:
    d = destinations
    checks = {
        **direct_checks(d),
        "interfaces": ["interfaces"],
        "provider": ["get", "https://api.anthropic.com/"],
        "other-host": ["raw", "CONNECT tls.scc-test.example:443 HTTP/1.1"],
    }
    found, err = attempts(
        workspace,
        agent_image,
        "locked-down-web",
        checks,
        "--ca-cert",
        str(certificate / "cert.pem"),
        env={**d.env(), "SCC_PROXY_IMAGE": proxy_image},
    )
    assert found["interfaces"]["result"] == ["lo"]
    assert found["provider"]["result"] == 200
    assert found["other-host"]["result"] == "403"
    for check in direct_checks(d):
        assert found[check]["result"].startswith("error:"), (check, found[check])
        assert found[check]["seconds"] < 1.5
    assert "scc: blocked tls.scc-test.example: locked-down-web" in err
    assert session_leftovers(docker_client) == []
