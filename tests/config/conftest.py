"""Config tests: no stray settings from the machine, and a CLI runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from scc.cli import main

_SETTINGS = (
    "SCC_CA_CERT",
    "SCC_EGRESS_NETWORK",
    "NO_COLOR",
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
)

EXAMPLE_ORG = Path(__file__).parents[2] / "docs" / "examples" / "org.yaml"


@pytest.fixture(autouse=True)
def no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def config_home(hermetic_env: Path) -> Path:
    return hermetic_env / ".config" / "scc"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to a file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return _write


@pytest.fixture
def org_text() -> str:
    return EXAMPLE_ORG.read_text()


@pytest.fixture
def org_file(write: Callable[[str, str], Path], org_text: str) -> Path:
    return write("org.yaml", org_text)


@pytest.fixture
def scc() -> Callable[..., Result]:
    """Run `scc ARGS...` in-process; stdout and stderr kept apart."""

    def _run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input)

    return _run
