"""Fixtures for the sandbox tests: a throwaway agent image, workspaces owned by
a test user, and `scc` run as a real process.

Every object these tests make carries `scc.test=1` and a label unique to this
test run, so cleanup removes exactly ours and never another suite's.
"""

from __future__ import annotations

import contextlib
import grp
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

RUN_LABEL = "scc.test.sandbox"
RUN_ID = uuid.uuid4().hex[:10]
TEST_UID = 1500
SCC = str(Path(sys.executable).with_name("scc"))
AGENT_DOCKERFILE = r"""FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3 curl ca-certificates openssl dnsmasq-base >/dev/null \
 && rm -rf /var/lib/apt/lists/*
RUN useradd -u 1000 -m agent && install -d -o 1000 -g 1000 -m 0700 /home/agent/.claude
# Stands in for the agent binary in terminal tests: reports the terminal size
# at start and on every resize, echoes a line, exits with a known code.
RUN printf '%s\n' '#!/bin/sh' 'trap "echo resized \$(stty size)" WINCH' \
    'echo size $(stty size)' 'read line; echo "got $line"' \
    'while [ "$1" = wait ]; do sleep 0.1; done' 'exit 5' > /usr/local/bin/claude \
 && chmod 755 /usr/local/bin/claude
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def run_labels(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SCC_LABELS", f"scc.test=1,{RUN_LABEL}={RUN_ID}")
    return RUN_ID


def ours(client) -> dict[str, list]:  # type: ignore[no-untyped-def]
    selector = {"label": f"{RUN_LABEL}={RUN_ID}"}
    return {
        "containers": client.containers.list(all=True, filters=selector),
        "networks": client.networks.list(filters=selector),
        "volumes": client.volumes.list(filters=selector),
    }


def session_leftovers(client) -> list[str]:  # type: ignore[no-untyped-def]
    """Objects of sessions (not the per-user state volumes, which persist)."""
    left = []
    for kind, objs in ours(client).items():
        for obj in objs:
            attrs = obj.attrs
            labels = attrs.get("Labels") or attrs.get("Config", {}).get("Labels") or {}
            if "io.scc.session" in labels and labels.get("io.scc.role") != "state":
                left.append(f"{kind} {obj.name}")
    return left


@pytest.fixture(scope="session")
def agent_image(docker_client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    tag = f"scc-sandbox-test-agent:{RUN_ID}"
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        data = AGENT_DOCKERFILE.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    docker_client.images.build(
        fileobj=context,
        custom_context=True,
        tag=tag,
        rm=True,
        forcerm=True,
        labels={"scc.test": "1", RUN_LABEL: RUN_ID},
    )
    yield tag  # removed with the run's other objects by remove_ours


@pytest.fixture(scope="session", autouse=True)
def remove_ours(request) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    try:
        import docker
        import docker.errors

        client = docker.from_env()
    except Exception:
        return
    found = ours(client)
    for obj in found["containers"]:
        obj.remove(force=True)
    for obj in found["networks"] + found["volumes"]:
        obj.remove()
    for tag in ("scc-sandbox-test-agent:" + RUN_ID,):
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag, force=True)
    for layer in client.images.list(
        all=True, filters={"label": f"{RUN_LABEL}={RUN_ID}"}
    ):
        with contextlib.suppress(docker.errors.NotFound):
            client.images.remove(layer.id, force=True)


@pytest.fixture
def workspace() -> Iterator[Path]:
    """A git workspace owned by the test user, outside any home directory."""
    path = Path(tempfile.mkdtemp(prefix="scc-ws-", dir="/tmp"))
    path.chmod(0o755)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for sub in [path, *path.rglob("*")]:
        os.lchown(sub, TEST_UID, TEST_UID)
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=True)


def scc(
    *args: str, as_uid: int | None = None, timeout: float = 120, **env: str
) -> Result:
    """Run the real `scc` command line; as another uid through setpriv."""
    argv = [SCC, *args]
    environ = {**os.environ, **env}
    if as_uid is not None:
        docker_gid = grp.getgrnam("docker").gr_gid
        home = Path(tempfile.mkdtemp(prefix="scc-home-", dir="/tmp"))
        os.chown(home, as_uid, as_uid)
        environ |= {
            "HOME": str(home),
            **{
                f"XDG_{d.upper()}_HOME": str(home / d)
                for d in ("state", "config", "cache", "data")
            },
        }
        argv = [
            "setpriv",
            f"--reuid={as_uid}",
            f"--regid={as_uid}",
            f"--groups={docker_gid}",
            *argv,
        ]
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=environ,
            timeout=timeout,
            check=False,
        )
    finally:
        if as_uid is not None:
            shutil.rmtree(environ["HOME"], ignore_errors=True)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def use_org_config(text: str, directory: Path) -> Path:
    """Write an org config with `text` and point the user's config at it."""
    org = directory / "org.yaml"
    org.write_text(text)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "scc"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.yaml").write_text(f"org: {org}\n")
    return org


def run_shell(
    workspace: Path,
    image: str,
    script: str,
    as_uid: int | None = None,
    mode: str = "open",
) -> Result:
    """`scc run` (open mode unless told) with the test image, running `script`
    with sh -c."""
    return scc(
        *run_argv(workspace, image, "sh", "-c", script, mode=mode), as_uid=as_uid
    )


def run_argv(
    workspace: Path,
    image: str,
    *command: str,
    mode: str = "open",
    extra: tuple[str, ...] = (),
) -> list[str]:
    """`scc run WORKSPACE --network MODE --image IMAGE [EXTRA] -- COMMAND`,
    without the program."""
    run = ["run", str(workspace), "--network", mode, "--image", image]
    return [*run, *extra, "--", *command]


@dataclass
class Destinations:
    """Test-made servers on a 198.18.0.0/15 network the proxy's egress leg joins."""

    network: str
    prefix: str
    dns_container: object

    @property
    def dns(self) -> str:
        return f"{self.prefix}.53"

    def ip(self, host: int) -> str:
        return f"{self.prefix}.{host}"

    def env(self) -> dict[str, str]:
        return {"SCC_EGRESS_NETWORK": self.network, "SCC_PROXY_DNS": self.dns}

    def dns_log(self) -> str:
        return self.dns_container.logs().decode()  # type: ignore[attr-defined]


TLS_SERVER = r"""
import http.server, socket, ssl, threading
plain = socket.create_server(("", 8443))
threading.Thread(target=lambda: [plain.accept()[0].close() for _ in iter(int, 1)],
                 daemon=True).start()
server = http.server.HTTPServer(("", 443), http.server.SimpleHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("/certs/cert.pem", "/certs/key.pem")
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"""
TEST_NAMES = {
    "web.scc-test.example": 80,
    "tls.scc-test.example": 43,
    "denied.scc-test.example": 80,
    "api.anthropic.com": 43,
}


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("certs")
    names = ",".join(f"DNS:{n}" for n in TEST_NAMES)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=scc-test",
            "-addext",
            f"subjectAltName={names}",
            "-keyout",
            str(path / "key.pem"),
            "-out",
            str(path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    path.chmod(0o755)
    for file in path.iterdir():
        file.chmod(0o644)
    return path


@pytest.fixture(scope="session")
def proxy_image(docker_client) -> str:  # type: ignore[no-untyped-def]
    from scc import __version__

    name = os.environ.get("SCC_PROXY_IMAGE") or f"scc-proxy:{__version__}"
    try:
        docker_client.images.get(name)
    except Exception:
        pytest.fail(f"proxy image {name} is missing: run `make images`")
    return name


@pytest.fixture(scope="session")
def destinations(docker_client, agent_image, certificate) -> Iterator[Destinations]:  # type: ignore[no-untyped-def]
    import docker.errors
    import docker.types

    labels = {"scc.test": "1", RUN_LABEL: RUN_ID}
    network = None
    for third in range(int(RUN_ID[:4], 16) % 200 + 20, 256):
        prefix = f"198.18.{third}"
        pool = docker.types.IPAMPool(subnet=f"{prefix}.0/24", gateway=f"{prefix}.1")
        try:
            network = docker_client.networks.create(
                f"scc-sandbox-test-{RUN_ID}",
                driver="bridge",
                labels=labels,
                ipam=docker.types.IPAMConfig(pool_configs=[pool]),
            )
            break
        except docker.errors.APIError:
            continue
    assert network is not None
    addresses = " ".join(f"--address=/{n}/{prefix}.{h}" for n, h in TEST_NAMES.items())
    common = {"labels": labels, "detach": True, "network": network.name}

    def serve(host: int, command: list[str], **extra: object):  # type: ignore[no-untyped-def]
        container = docker_client.containers.create(
            agent_image, command, **common, **extra
        )
        network.disconnect(container)
        network.connect(container, ipv4_address=f"{prefix}.{host}")
        container.start()
        return container

    dns = serve(
        53,
        [
            "sh",
            "-c",
            f"exec dnsmasq -k --no-resolv --no-hosts --log-queries "
            f"--log-facility=- --user=root {addresses}",
        ],
    )
    serve(80, ["python3", "-m", "http.server", "80"])
    serve(
        43,
        ["python3", "-c", TLS_SERVER],
        volumes={str(certificate): {"bind": "/certs", "mode": "ro"}},
    )
    time.sleep(1)
    yield Destinations(network.name, prefix, dns)
