"""The packaging and tooling promises of the foundation."""

from __future__ import annotations

import subprocess
import sys

import pytest
import scc
import scc_guard


def test_host_and_guard_share_one_version() -> None:
    assert scc.__version__ == scc_guard.__version__


@pytest.mark.parametrize("program", ["scc", "scc-guard"])
def test_console_scripts_answer_help(program: str) -> None:
    bindir = __import__("pathlib").Path(sys.executable).parent
    proc = subprocess.run(
        [str(bindir / program), "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage" in proc.stdout.lower()


@pytest.mark.docker
def test_engine_answers(docker_client) -> None:  # type: ignore[no-untyped-def]
    assert docker_client.version()["ApiVersion"]
