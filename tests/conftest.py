"""Hermetic defaults for every test, and the real-engine fixtures.

Every test gets a temporary home and config dirs and no DOCKER_*, SCC_* or
proxy variables. Docker-marked tests get a client for the real engine; under
CI=true an unreachable engine fails them instead of skipping. Whatever a test creates
carries TEST_LABEL, and the session fails if any labelled object is left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

TEST_LABEL = "scc.test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_CLEARED = ("DOCKER_", "SCC_", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")
# The CA bundle CI passes for builds, for the few tests that build images.
HOST_CA_CERT = os.environ.get("SCC_CA_CERT") or None
# Read before the hermetic fixture clears them, for the engine fixture only.
_ENGINE_ENV = {k: v for k, v in os.environ.items() if k.startswith("DOCKER_")}


@pytest.fixture(autouse=True)
def hermetic_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for sub in ("", ".config", ".cache", ".local/share"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    for name in list(os.environ):
        if name.upper().startswith(_CLEARED):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCC_LABELS", f"{TEST_LABEL}=1")
    return home


def _engine():  # type: ignore[no-untyped-def]
    import socket

    import docker

    url = _ENGINE_ENV.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if url.startswith("unix://"):
        # docker-py leaks the socket of a failed unix connection; probe first.
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(url.removeprefix("unix://"))
    client = docker.DockerClient(base_url=url)
    try:
        client.ping()
    except Exception:
        client.close()
        raise
    return client


@pytest.fixture(scope="session")
def docker_client():  # type: ignore[no-untyped-def]
    try:
        client = _engine()
    except Exception as exc:  # any failure to reach the engine
        message = f"no Docker engine: {exc}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: docker tests must run)")
        pytest.skip(message)
    yield client
    client.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("docker") or item.get_closest_marker("images"):
            item.fixturenames.insert(0, "docker_client")


def _leftovers() -> list[str]:
    import docker.errors

    try:
        client = _engine()
    except Exception:
        return []
    selector = {"label": TEST_LABEL}
    listings = {
        "container": lambda: client.containers.list(all=True, filters=selector),
        "network": lambda: client.networks.list(filters=selector),
        "volume": lambda: client.volumes.list(filters=selector),
        "image": lambda: client.images.list(filters=selector),
    }
    found = []
    for kind, listing in listings.items():
        for _ in range(3):  # an object removed while listing is not a leftover
            try:
                objects = listing()
                break
            except docker.errors.NotFound:
                continue
        else:
            objects = []
        found += [f"{kind} {getattr(obj, 'name', None) or obj.id}" for obj in objects]
    client.close()
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = _leftovers()
    if left:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"FAILED: test objects left behind: {', '.join(left)}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def labels() -> Iterator[dict[str, str]]:
    yield {TEST_LABEL: "1"}
