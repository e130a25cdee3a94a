"""The packaging and tooling promises of the foundation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import scc
import scc_guard


def test_host_and_guard_share_one_version() -> None:
    assert scc.__version__ == scc_guard.__version__


@pytest.mark.parametrize("program", ["scc", "scc-guard"])
def test_console_scripts_answer_help(program: str) -> None:
    bindir = Path(sys.executable).parent
    proc = subprocess.run(
        [str(bindir / program), "--help"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage" in proc.stdout.lower()


@pytest.mark.docker
def test_engine_answers(docker_client) -> None:  # type: ignore[no-untyped-def]
    assert docker_client.version()["ApiVersion"]


REPO = Path(__file__).resolve().parent.parent


def _fresh_venv(tmp_path: Path, *install: str) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "-q", *install],
        check=True,
        capture_output=True,
    )
    return venv / "bin"


@pytest.mark.slow
def test_fresh_venv_install_gives_both_commands(tmp_path: Path) -> None:
    bindir = _fresh_venv(tmp_path, str(REPO))
    for program in ("scc", "scc-guard"):
        proc = subprocess.run(
            [str(bindir / program), "--help"], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert "usage" in proc.stdout.lower()


@pytest.mark.slow
def test_guard_installs_alone_without_the_docker_sdk(tmp_path: Path) -> None:
    bindir = _fresh_venv(tmp_path, str(REPO / "guard"))
    proc = subprocess.run(
        [str(bindir / "python"), "-c", "import docker"], capture_output=True
    )
    assert proc.returncode != 0
    check = subprocess.run(
        [
            str(bindir / "scc-guard"),
            "check",
            "--network-mode",
            "open",
            "--",
            "git push --force",
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1
    assert "git-force-push" in check.stdout + check.stderr
    version = subprocess.run(
        [str(bindir / "scc-guard"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.strip() == scc_guard.__version__


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", "1 error"), ("", "1 skipped")], ids=["ci", "local"]
)
def test_docker_tests_fail_in_ci_and_skip_locally_without_an_engine(
    tmp_path: Path, ci: str, outcome: str
) -> None:
    probe = REPO / "tests" / f"test_zz_probe_{ci or 'local'}_{os.getpid()}.py"
    probe.write_text(
        "import pytest\n\n@pytest.mark.docker\ndef test_needs_engine():\n    pass\n"
    )
    env = {
        **os.environ,
        "CI": ci,
        "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock",
    }
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(probe),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
        )
    finally:
        probe.unlink()
    assert outcome in proc.stdout, proc.stdout
    assert (proc.returncode != 0) == bool(ci)


def test_no_file_holds_merge_conflict_markers() -> None:
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    markers = ("<<<<<<< ", ">>>>>>> ")
    found = [
        f"{name}:{number}"
        for name in tracked
        if name.endswith((".md", ".py", ".toml", ".sh", ".conf", "Makefile"))
        for number, line in enumerate(
            (REPO / name).read_text(errors="replace").splitlines(), start=1
        )
        if line.startswith(markers)
    ]
    assert found == []
