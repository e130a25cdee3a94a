"""Fixtures for the sandbox tests: a throwaway agent image, workspaces owned by
a test user, and `scc` run as a real process.

Every object these tests make carries `scc.test=1` and a label unique to this
test run, so cleanup removes exactly ours and never another suite's.
"""

from __future__ import annotations

import grp
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

RUN_LABEL = "scc.test.sandbox"
RUN_ID = uuid.uuid4().hex[:10]
TEST_UID = 1500
SCC = str(Path(sys.executable).with_name("scc"))
AGENT_DOCKERFILE = """\
FROM debian:bookworm-slim
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
    python3 curl ca-certificates openssl dnsmasq-base >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
RUN useradd -u 1000 -m agent
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
    found = ours(client)
    return [
        f"{kind} {obj.name}"
        for kind, objs in found.items()
        for obj in objs
        if (
            obj.attrs.get("Labels") or obj.attrs.get("Config", {}).get("Labels") or {}
        ).get("io.scc.role")
        != "state"
    ]


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
    yield tag
    docker_client.images.remove(tag, force=True)


@pytest.fixture(scope="session", autouse=True)
def remove_ours(request) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    try:
        import docker

        client = docker.from_env()
    except Exception:
        return
    found = ours(client)
    for obj in found["containers"]:
        obj.remove(force=True)
    for obj in found["networks"] + found["volumes"]:
        obj.remove()


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
        environ |= {"HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
        argv = [
            "setpriv",
            f"--reuid={as_uid}",
            f"--regid={as_uid}",
            f"--groups={docker_gid}",
            *argv,
        ]
    proc = subprocess.run(
        argv, capture_output=True, text=True, env=environ, timeout=timeout, check=False
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
