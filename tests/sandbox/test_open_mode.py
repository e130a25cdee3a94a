"""The sandbox in open mode, against the real engine: hardening, identity,
environment, exit codes, and nothing left behind."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from .conftest import TEST_UID, run_argv, run_shell, scc, session_leftovers

pytestmark = pytest.mark.docker

PROBE = r"""
import json, os
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
def first(*paths):
    for path in paths:
        if os.path.exists(path):
            return open(path).read().strip()
def writable(path):
    try:
        with open(os.path.join(path, ".scc-probe"), "w") as f:
            f.write("x")
        os.unlink(os.path.join(path, ".scc-probe"))
        return True
    except OSError:
        return False
print(json.dumps({
    "uid": os.getuid(), "gid": os.getgid(),
    "CapEff": status("CapEff"), "CapBnd": status("CapBnd"),
    "NoNewPrivs": status("NoNewPrivs"), "Seccomp": status("Seccomp"),
    "pid1": open("/proc/1/cmdline").read().split("\0")[0],
    "pids_max": first("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"),
    "memory_max": first("/sys/fs/cgroup/memory.max",
                        "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    "write": {p: writable(p) for p in ["/", "/etc", "/usr/bin", "/tmp",
              os.environ["HOME"], os.getcwd(), os.getcwd() + "/.git/hooks"]},
    "exists": {p: os.path.exists(p) for p in ["/var/run/docker.sock",
               "/run/docker.sock", "/root/.ssh", "/root/.aws"]},
    "env": dict(os.environ),
    "home_owner": os.stat(os.environ["HOME"]).st_uid,
}))
"""


@pytest.fixture(scope="module")
def inside(agent_image: str, tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    import subprocess
    import tempfile

    ws = Path(tempfile.mkdtemp(prefix="scc-ws-", dir="/tmp"))
    ws.chmod(0o755)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    subprocess.run(["chown", "-R", f"{TEST_UID}:{TEST_UID}", str(ws)], check=True)
    env = {
        "HTTP_PROXY": "http://host-proxy.invalid:3128",
        "https_proxy": "http://host-proxy.invalid:3128",
        "AWS_SECRET_ACCESS_KEY": "host-secret",
        "ANTHROPIC_API_KEY": "sk-test-passed-explicitly",
        "LANG": "C.UTF-8",
    }
    result = scc(*run_argv(ws, agent_image, "python3", "-c", PROBE), **env)
    subprocess.run(["rm", "-rf", str(ws)], check=True)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("uid", TEST_UID),
        ("gid", TEST_UID),
        ("CapEff", "0000000000000000"),
        ("CapBnd", "0000000000000000"),
        ("NoNewPrivs", "1"),
        ("Seccomp", "2"),
        ("pid1", "/sbin/docker-init"),
        ("pids_max", "512"),
        ("memory_max", str(4 * 1024**3)),
        ("home_owner", TEST_UID),
    ],
)
def test_agent_process_is_hardened(inside: dict, field: str, expected: object) -> None:
    assert inside[field] == expected


@pytest.mark.parametrize(
    ("path", "writable"),
    [
        ("/", False),
        ("/etc", False),
        ("/usr/bin", False),
        ("/tmp", True),
        ("HOME", True),
        ("WORKSPACE", True),
        ("WORKSPACE/.git/hooks", False),
    ],
)
def test_only_scratch_home_and_workspace_are_writable(
    inside: dict, path: str, writable: bool
) -> None:
    writes = inside["write"]
    key = path.replace("HOME", inside["env"]["HOME"])
    if "WORKSPACE" in key:
        workspace = next(
            p
            for p in writes
            if p.startswith("/tmp/scc-ws-") and not p.endswith("hooks")
        )
        key = key.replace("WORKSPACE", workspace)
    assert writes[key] is writable, key


@pytest.mark.parametrize(
    "path", ["/var/run/docker.sock", "/run/docker.sock", "/root/.ssh", "/root/.aws"]
)
def test_no_engine_socket_or_host_credentials_inside(inside: dict, path: str) -> None:
    assert inside["exists"][path] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("HTTP_PROXY", None),
        ("https_proxy", None),
        ("AWS_SECRET_ACCESS_KEY", None),
        ("ANTHROPIC_API_KEY", "sk-test-passed-explicitly"),
        ("LANG", "C.UTF-8"),
        ("HOME", "/home/agent"),
        ("CLAUDE_CONFIG_DIR", "/home/agent/.claude"),
    ],
)
def test_environment_is_an_allowlist(inside: dict, name: str, expected: object) -> None:
    assert inside["env"].get(name) == expected


@pytest.mark.parametrize("code", [0, 1, 7, 42])
def test_run_exits_with_the_commands_exit_code(
    agent_image: str, workspace: Path, code: int
) -> None:
    result = run_shell(workspace, agent_image, f"echo out; echo err >&2; exit {code}")
    assert (result.code, result.out, result.err) == (code, "out\n", "err\n")


@pytest.mark.parametrize("as_uid", [None, 1500])
def test_files_the_agent_creates_belong_to_the_invoking_user(
    agent_image: str, workspace: Path, as_uid: int | None, docker_client
) -> None:
    result = run_shell(
        workspace, agent_image, "echo hi > made-inside && id -u", as_uid=as_uid
    )
    assert result.code == 0, result.err
    made = workspace / "made-inside"
    assert (made.stat().st_uid, made.stat().st_gid) == (TEST_UID, TEST_UID)
    assert result.out.strip() == str(TEST_UID)
    assert session_leftovers(docker_client) == []


def test_git_config_is_read_only_inside(agent_image: str, workspace: Path) -> None:
    result = run_shell(workspace, agent_image, "echo '[core]' >> .git/config")
    assert result.code != 0
    assert "Read-only file system" in result.err


def test_ca_certificate_is_mounted_and_exported(
    agent_image: str, workspace: Path, tmp_path: Path
) -> None:
    cert = tmp_path / "corp.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n")
    names = [
        "NODE_EXTRA_CA_CERTS",
        "SSL_CERT_FILE",
        "REQUESTS_CA_BUNDLE",
        "CODEX_CA_CERTIFICATE",
        "GIT_SSL_CAINFO",
    ]
    script = " && ".join(f'cat "${name}"' for name in names)
    ca = ("--ca-cert", str(cert))
    result = scc(*run_argv(workspace, agent_image, "sh", "-c", script, extra=ca))
    assert result.code == 0, result.err
    assert result.out == cert.read_text() * len(names)


def test_host_docker_proxy_config_is_not_injected(
    agent_image: str, workspace: Path, tmp_path: Path
) -> None:
    config = Path.home() / ".docker"
    config.mkdir(exist_ok=True)
    (config / "config.json").write_text(
        json.dumps({"proxies": {"default": {"httpProxy": "http://injected.invalid:1"}}})
    )
    result = run_shell(workspace, agent_image, "env | grep -i proxy || true")
    assert result.code == 0, result.err
    assert "injected" not in result.out


def test_agent_state_persists_per_user_and_provider(
    agent_image: str, workspace: Path, docker_client
) -> None:
    base = ("run", str(workspace), "--network", "open", "--image", agent_image, "--")
    first = scc(*base, "sh", "-c", 'echo remembered > "$CLAUDE_CONFIG_DIR/note"')
    assert first.code == 0, first.err
    second = scc(*base, "sh", "-c", 'cat "$CLAUDE_CONFIG_DIR/note"; stat -c %u .')
    assert second.out == f"remembered\n{TEST_UID}\n"
    other = scc(*base[:-1], "--provider", "codex", "--", "sh", "-c", 'ls "$CODEX_HOME"')
    assert other.code == 0 and "note" not in other.out
    assert session_leftovers(docker_client) == []


@pytest.mark.parametrize("mode", ["open", "web-egress-enforced", "locked-down-web"])
def test_the_command_gets_default_signal_handling(
    agent_image: str, workspace: Path, mode: str
) -> None:
    # The prelude is Python, which ignores SIGPIPE; exec would pass that on,
    # and `yes | head -1` would then never end by SIGPIPE.
    script = "grep SigIgn /proc/self/status; yes | head -1"
    result = run_shell(workspace, agent_image, script, mode=mode)
    assert result.code == 0, result.err
    ignored = int(result.out.split()[1], 16)
    assert not ignored & (1 << (signal.SIGPIPE - 1)), result.out
    assert result.out.splitlines()[1] == "y"
