"""The scripted model as a container, on a test network only the tests create.

Used by the end-to-end tests and by scripts/demo.py. Everything created here
carries the caller's labels, and `close()` removes it again.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import tarfile
import time
from collections.abc import Iterable, Iterator
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
# In locked-down-web the agent reaches only its provider's own API hosts, so
# the model answers under those names too, over TLS with a test CA. Every
# host of both providers' sets is here, so that no name the proxy may resolve
# is looked up outside; the network has no route out in any case.
PROVIDER_HOSTS = (
    "api.anthropic.com",
    "console.anthropic.com",
    "claude.ai",
    "platform.claude.com",
    "api.openai.com",
    "auth.openai.com",
    "chatgpt.com",
)
ALIASES = (MODEL_HOST, ALLOWED_HOST, DENIED_HOST, *PROVIDER_HOSTS)


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
        certificates: Path | None = None,
    ) -> None:
        endpoint = client.api.create_endpoint_config(aliases=list(aliases))
        command = ["--port", "80", "--scenarios", "/srv/scenarios", "--record", RECORD]
        if certificates is not None:
            command += ["--tls-port", "443", "--cert", "/srv/certs/cert.pem"]
            command += ["--key", "/srv/certs/key.pem"]
        self.container = client.containers.create(
            IMAGE,
            command,
            labels=labels,
            network=network,
            networking_config={network: endpoint},
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
        )
        self.container.put_archive("/srv", _tar("scenarios", scenarios.glob("*.json")))
        if certificates is not None:
            pems = [certificates / "cert.pem", certificates / "key.pem"]
            self.container.put_archive("/srv", _tar("certs", pems))
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
    client: docker.DockerClient,
    name: str,
    labels: dict[str, str],
    certificates: Path | None = None,
) -> Iterator[tuple[Any, ModelContainer]]:
    """A fresh test network with the scripted model on it; both removed after."""
    network = create_test_network(client, name, labels)
    model = None
    try:
        model = ModelContainer(client, network.name, labels, certificates=certificates)
        yield network, model
    finally:
        if model is not None:
            model.close()
        network.remove()


def _tar(folder: str, files: Iterable[Path]) -> bytes:
    """`files` under `folder/`, readable by the server's unprivileged user."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        directory = tarfile.TarInfo(folder)
        directory.type, directory.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(directory)
        for file in sorted(files):
            data = file.read_bytes()
            info = tarfile.TarInfo(f"{folder}/{file.name}")
            info.size, info.mode = len(data), 0o444
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_certificates(directory: Path, names: Iterable[str] = ALIASES) -> Path:
    """A throwaway CA and a server certificate for `names`; returns the CA's PEM.

    A real CA and a separate leaf, because rustls (Codex) refuses a CA
    certificate presented as a server's own.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = directory / "ca.pem", directory / "ca-key.pem"
    request, extensions = directory / "server.csr", directory / "server.ext"
    alt_names = ",".join(f"DNS:{name}" for name in names)
    extensions.write_text(
        f"subjectAltName={alt_names}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )
    key, cert = directory / "key.pem", directory / "cert.pem"
    ca_subject, subject = "/CN=scc end-to-end test CA", "/CN=scripted model"
    steps = [
        f"req -x509 -newkey rsa:2048 -nodes -days 2 -keyout {ca_key} -out {ca}"
        " -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign",
        f"req -newkey rsa:2048 -nodes -keyout {key} -out {request}",
        f"x509 -req -in {request} -CA {ca} -CAkey {ca_key} -CAcreateserial"
        f" -days 2 -out {cert} -extfile {extensions}",
    ]
    for step, name in zip(steps, (ca_subject, subject, None), strict=True):
        subject_args = ["-subj", name] if name else []
        command = ["openssl", *step.split(), *subject_args]
        subprocess.run(command, check=True, capture_output=True)
    return ca
