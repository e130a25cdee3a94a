"""The scripted model as a container, on a test network only the tests create.

Used by the end-to-end tests and by scripts/demo.py. Everything created here
carries the caller's labels, and `close()` removes it again.
"""

from __future__ import annotations

import io
import json
import random
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, NotFound

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"
IMAGE = "scc-e2e-model:latest"
RECORD = "/var/log/model/requests.jsonl"
# The name the agents use for their model API. The sandbox's proxy refuses
# private ranges, so the test network takes a subnet in 198.18.0.0/15.
MODEL_HOST = "model.scc-e2e.test"
# The same server answers /hello under two more names, one of which the
# scenarios allow and one they do not.
ALLOWED_HOST = "allowed.scc-e2e.test"
DENIED_HOST = "denied.scc-e2e.test"
ALIASES = (MODEL_HOST, ALLOWED_HOST, DENIED_HOST)


def build_image(client: docker.DockerClient, labels: dict[str, str]) -> str:
    """Build the model image (Debian's python3 plus one file); return its id."""
    image, _ = client.images.build(
        path=str(HERE), tag=IMAGE, labels=labels, rm=True, forcerm=True
    )
    return str(image.id)


def remove_image(client: docker.DockerClient) -> None:
    # noprune keeps the unlabelled parent layers, so the next build is cached.
    with suppress(NotFound):
        client.images.remove(IMAGE, force=True, noprune=True)


def create_test_network(
    client: docker.DockerClient, name: str, labels: dict[str, str]
) -> Any:
    """An internal network (no route out) with a /24 in 198.18.0.0/15."""
    for _ in range(20):
        third = random.randrange(0, 512)
        subnet = f"198.{18 + third // 256}.{third % 256}.0/24"
        pool = docker.types.IPAMPool(subnet=subnet)
        try:
            return client.networks.create(
                name,
                driver="bridge",
                internal=True,
                labels=labels,
                ipam=docker.types.IPAMConfig(pool_configs=[pool]),
            )
        except APIError as error:
            if "overlap" not in str(error).lower():
                raise
    raise RuntimeError("no free /24 in 198.18.0.0/15 for the test network")


class ModelContainer:
    """One running scripted model, reachable by `aliases` on `network`."""

    def __init__(
        self,
        client: docker.DockerClient,
        network: str,
        labels: dict[str, str],
        scenarios: Path = SCENARIOS,
        aliases: tuple[str, ...] = ALIASES,
    ) -> None:
        endpoint = client.api.create_endpoint_config(aliases=list(aliases))
        self.container = client.containers.create(
            IMAGE,
            labels=labels,
            network=network,
            networking_config={network: endpoint},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
        )
        self.container.put_archive("/srv", _scenarios_tar(scenarios))
        self.container.start()
        self._wait_ready()

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.container.reload()
            if b"scripted model on" in self.container.logs():
                return
            if self.container.status == "exited":
                break
            time.sleep(0.1)
        logs = self.container.logs().decode(errors="replace")
        raise RuntimeError(f"scripted model did not start: {logs}")

    def records(self) -> list[dict[str, Any]]:
        code, output = self.container.exec_run(["cat", RECORD])
        if code != 0:
            return []
        return [json.loads(line) for line in output.decode().splitlines()]

    def checks(self, scenario: str) -> list[dict[str, Any]]:
        return [
            record
            for record in self.records()
            if record["kind"] == "check" and record["scenario"] == scenario
        ]

    def requests(self) -> list[dict[str, Any]]:
        return [record for record in self.records() if record["kind"] == "request"]

    def close(self) -> None:
        with suppress(NotFound):
            self.container.remove(force=True)


@contextmanager
def model_on_network(
    client: docker.DockerClient, name: str, labels: dict[str, str]
) -> Iterator[tuple[Any, ModelContainer]]:
    """A fresh test network with the scripted model on it; both removed after."""
    network = create_test_network(client, name, labels)
    model = None
    try:
        model = ModelContainer(client, network.name, labels)
        yield network, model
    finally:
        if model is not None:
            model.close()
        network.remove()


def _scenarios_tar(source: Path) -> bytes:
    """The scenarios as /srv/scenarios/*.json, readable by the server's user."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo("scenarios")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        for file in sorted(source.glob("*.json")):
            data = file.read_bytes()
            info = tarfile.TarInfo(f"scenarios/{file.name}")
            info.size, info.mode = len(data), 0o444
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
