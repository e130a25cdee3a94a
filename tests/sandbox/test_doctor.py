"""`scc doctor`, and the isolation probe it shares with every enforced start."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from scc.sandbox import FAST_ARP, PRELUDE, PRELUDE_PATH

from .conftest import RUN_ID, RUN_LABEL, scc, use_org_config


def _volumes(client) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        v.name for v in client.volumes.list(filters={"label": f"{RUN_LABEL}={RUN_ID}"})
    }


@pytest.mark.images
def test_doctor_passes_every_check_on_a_ready_machine_and_leaves_nothing(
    docker_client,
) -> None:
    before = _volumes(docker_client)

    result = scc("doctor", "--json")

    assert _volumes(docker_client) == before  # not even a state volume
    checks = {c["name"]: c for c in json.loads(result.out)}
    assert result.code == 0, checks
    assert {
        "policy",
        "engine",
        "gateway isolation",
        "guard canary",
        "proxy canary",
    } <= set(checks)
    assert all(c["ok"] for c in checks.values())
    # The canary session kept its audit elsewhere: `scc audit` does not show it.
    assert not (Path(os.environ["HOME"]) / ".local/state/scc").exists()
    assert scc("audit").err == "scc: error: no sessions recorded yet\n"


@pytest.mark.images
def test_doctor_with_a_broken_org_config_fails_the_policy_and_skips_the_canaries(
    tmp_path: Path,
) -> None:
    org = use_org_config("name: acme\nsurprise: 1\n", tmp_path)

    result = scc("doctor")

    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == f"FAIL  policy: {org}: surprise: unknown key"
    assert lines[-1] == "-     canaries: skipped: the policy does not load"
    assert [line for line in lines if line.startswith("FAIL")] == [lines[0]]
    assert "None" not in result.out


def test_doctor_reports_an_unreachable_engine() -> None:
    result = scc("doctor", DOCKER_HOST="unix:///nonexistent.sock")
    assert result.code == 1
    policy, engine = result.out.splitlines()
    assert policy.startswith("ok    policy: ")
    assert engine.startswith("FAIL  engine: cannot reach the Docker engine")


@pytest.mark.docker
def test_probe_refuses_to_start_where_the_host_answers_at_the_gateway(
    docker_client, agent_image: str
) -> None:
    labels = {"scc.test": "1", RUN_LABEL: RUN_ID}
    network = docker_client.networks.create(
        f"scc-sandbox-test-open-{RUN_ID}", driver="bridge", labels=labels
    )
    try:
        gateway = network.attrs["IPAM"]["Config"][0]["Gateway"]
        container = docker_client.containers.run(
            agent_image,
            [
                "python3",
                "-I",
                "-S",
                PRELUDE_PATH,
                "probe",
                gateway,
                "--",
                "echo",
                "ran",
            ],
            network=network.name,
            sysctls=FAST_ARP,
            labels=labels,
            detach=True,
            volumes={str(PRELUDE): {"bind": PRELUDE_PATH, "mode": "ro"}},
        )
        status = container.wait(timeout=30)["StatusCode"]
        output = container.logs().decode()
        container.remove(force=True)
    finally:
        network.remove()
    assert status == 125
    assert "ran" not in output
    assert f"the host answers at the internal gateway {gateway}" in output
