"""Session start-up and proxy overhead against their targets (`make bench BENCH=host`).

Medians of RUNS runs in this one process:
- `scc run -- true` in each network mode against `docker run --rm IMAGE true`
  (targets: at most 0.5 s added in open mode, 1.0 s in enforced mode);
- one HTTP request through the session's proxy against the same request made
  directly, each on a new connection (target: at most 2 ms added).
The request goes only to a server container this benchmark creates, on its
own network; everything it creates is labelled and removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
REQUESTS = 50
ADDED_TARGETS_S = {"open": 0.5, "web-egress-enforced": 1.0, "locked-down-web": None}
PROXY_TARGET_MS = 2.0
LABEL = f"scc.bench={uuid.uuid4().hex[:8]}"
SERVER_NAME = "bench.scc-test.example"
TIMER = r"""
import json, os, statistics, sys, time, urllib.request
url, count = sys.argv[1], int(sys.argv[2])
proxy = os.environ.get("HTTP_PROXY")
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({"http": proxy} if proxy else {}))
timings = []
for _ in range(count + 5):
    start = time.perf_counter()
    opener.open(url, timeout=5).read()
    timings.append(time.perf_counter() - start)
print(json.dumps(statistics.median(timings[5:]) * 1000))
"""


def run() -> None:
    import docker
    from scc import __version__

    image = f"scc-claude:{__version__}"
    client = docker.from_env()
    os.environ["SCC_LABELS"] = LABEL
    workspace = _workspace()
    try:
        baseline = _median(lambda: _time(["docker", "run", "--rm", image, "true"]))
        print(f"{'docker run --rm IMAGE true':<40}{baseline:>8.2f} s")
        scc = [sys.executable, "-c", "from scc.cli import entry; entry()", "run"]
        for mode, target in ADDED_TARGETS_S.items():
            argv = [*scc, workspace, "--network", mode, "--", "true"]
            took = _median(lambda argv=argv: _time(argv))
            _report(f"scc run -- true ({mode})", took, baseline, target, "s")
        _proxy_overhead(client, image, workspace)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
        _cleanup(client)
        client.close()


def _workspace() -> str:
    path = tempfile.mkdtemp(prefix="scc-bench-")
    os.chmod(path, 0o755)
    if os.getuid() == 0:
        os.chown(path, 65534, 65534)
    return path


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def _median(measure) -> float:  # type: ignore[no-untyped-def]
    measure()  # warm caches; not counted
    return statistics.median(measure() for _ in range(RUNS))


def _report(
    name: str, value: float, base: float, target: float | None, unit: str
) -> None:
    added = value - base
    verdict = "" if target is None else ("ok" if added <= target else "OVER")
    limit = "" if target is None else f"(target <= {target} {unit})"
    print(
        f"{name:<40}{value:>8.2f} {unit}  added {added:+.2f} {unit} {limit} {verdict}"
    )


def _proxy_overhead(client, image: str, workspace: str) -> None:  # type: ignore[no-untyped-def]
    import docker.types

    key, value = LABEL.split("=")
    labels = {key: value}
    pool = docker.types.IPAMPool(subnet="198.19.251.0/24", gateway="198.19.251.1")
    network = client.networks.create(
        f"scc-bench-{value}",
        driver="bridge",
        labels=labels,
        ipam=docker.types.IPAMConfig(pool_configs=[pool]),
    )
    server = client.containers.create(
        image,
        ["python3", "-m", "http.server", "80", "-d", "/etc/scc"],
        entrypoint=[],
        user="0:0",
        labels=labels,
        network=network.name,
    )
    network.disconnect(server)
    network.connect(server, aliases=[SERVER_NAME])
    server.start()
    time.sleep(1)
    url = f"http://{SERVER_NAME}/"
    output = client.containers.run(
        image,
        ["python3", "-c", TIMER, url, str(REQUESTS)],
        entrypoint=[],
        user="65534:65534",
        labels=labels,
        network=network.name,
        remove=True,
    )
    direct = float(json.loads(output))
    print(f"{'request direct':<40}{direct:>8.2f} ms")
    proxied = _through_proxy(workspace, network.name, url)
    _report("request through the proxy", proxied, direct, PROXY_TARGET_MS, "ms")


def _through_proxy(workspace: str, network: str, url: str) -> float:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from scc.cli import entry; entry()",
            "run",
            workspace,
            "--network",
            "web-egress-enforced",
            "--allow-host",
            SERVER_NAME,
            "--",
            "python3",
            "-c",
            TIMER,
            url,
            str(REQUESTS),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SCC_EGRESS_NETWORK": network},
    )
    if proc.returncode != 0:
        print(f"proxy leg failed: {proc.stderr.strip().splitlines()[-1:]}")
        return float("nan")
    return float(json.loads(proc.stdout))


def _cleanup(client) -> None:  # type: ignore[no-untyped-def]
    selector = {"label": LABEL}
    for container in client.containers.list(all=True, filters=selector):
        container.remove(force=True)
    for network in client.networks.list(filters=selector):
        network.remove()
    for volume in client.volumes.list(filters=selector):
        volume.remove(force=True)
