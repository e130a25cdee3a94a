"""`scc setup` and `scc provider`: flags only, nothing written on bad input."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

Scc = Callable[..., Result]


def _files(root: Path) -> list[str]:
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        if root.exists()
        else []
    )


def test_setup_with_flags_writes_config_and_private_credentials(
    scc: Scc, org_file: Path, config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api-test")
    result = scc("setup", "--org", str(org_file), "--team", "backend")

    assert result.exit_code == 0, result.output
    assert yaml.safe_load((config_home / "config.yaml").read_text()) == {
        "org": str(org_file),
        "team": "backend",
        "provider": "claude",
    }
    credentials = config_home / "credentials.json"
    assert json.loads(credentials.read_text()) == {
        "claude": {"ANTHROPIC_API_KEY": "sk-ant-api-test"}
    }
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE((config_home / "config.yaml").stat().st_mode) == 0o600
    assert stat.S_IMODE(config_home.stat().st_mode) == 0o700
    assert "sk-ant-api-test" not in result.output


@pytest.mark.parametrize(
    ("provider", "variable"),
    [
        ("claude", "CLAUDE_CODE_OAUTH_TOKEN"),
        ("claude", "ANTHROPIC_API_KEY"),
        ("codex", "OPENAI_API_KEY"),
        ("codex", "CODEX_API_KEY"),
    ],
)
def test_setup_takes_each_providers_credential_variable(
    scc: Scc,
    config_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, "secret-1")
    result = scc("setup", "--provider", provider)

    assert result.exit_code == 0, result.output
    stored = json.loads((config_home / "credentials.json").read_text())
    assert stored == {provider: {variable: "secret-1"}}


@pytest.mark.parametrize(
    ("typed", "variable"),
    [
        ("sk-ant-api03-typed\n", "ANTHROPIC_API_KEY"),
        ("sk-ant-oat01-typed\n", "CLAUDE_CODE_OAUTH_TOKEN"),
    ],
)
def test_setup_stores_a_typed_in_credential(
    scc: Scc, config_home: Path, typed: str, variable: str
) -> None:
    # Interactive: org (empty: none), provider (default), then the secret.
    result = scc("setup", "--interactive", input="\n\n" + typed)

    assert result.exit_code == 0, result.output
    stored = json.loads((config_home / "credentials.json").read_text())
    assert stored == {"claude": {variable: typed.strip()}}
    assert typed.strip() not in result.output


def test_setup_interactive_asks_for_org_and_team(
    scc: Scc, org_file: Path, config_home: Path
) -> None:
    result = scc("setup", "--interactive", input=f"{org_file}\nweb\ncodex\n\n")

    assert result.exit_code == 0, result.output
    config = yaml.safe_load((config_home / "config.yaml").read_text())
    assert config == {"org": str(org_file), "team": "web", "provider": "codex"}


@pytest.mark.parametrize(
    ("flags", "warned"),
    [((), True), (("--no-credentials",), False)],
    ids=["none-found", "no-credentials"],
)
def test_setup_without_credentials_warns_unless_told_and_stores_none(
    flags: tuple[str, ...], warned: bool, scc: Scc, config_home: Path
) -> None:
    result = scc("setup", "--provider", "codex", *flags)

    assert result.exit_code == 0
    assert ("no credentials stored for codex" in result.stderr) is warned
    assert not (config_home / "credentials.json").exists()


BAD_SETUPS = [
    (["--org", "missing.yaml"], 1, "scc: error: --org: missing.yaml is not a file"),
    (["--org", "{bad}"], 1, "unknown destination set 'pipy'"),
    (["--org", "{org}", "--team", "mobile"], 1, "--team: no team 'mobile' in org acme"),
    (["--team", "backend"], 1, "--team needs an org config"),
    (
        ["--org", "{org}", "--team", "backend", "--provider", "codex"],
        3,
        "provider codex is not allowed here (allowed: claude)",
    ),
    (["--provider", "gemini"], 2, "scc: error: Invalid value for '--provider'"),
    (["--ca-cert", "{org}"], 1, "holds no PEM certificate"),
    (["--org", "http://example.invalid/org.yaml"], 1, "only https:// URLs"),
]


@pytest.mark.parametrize(("args", "code", "expected"), BAD_SETUPS)
def test_bad_setup_is_one_line_and_writes_nothing(
    scc: Scc,
    org_file: Path,
    write: Callable[[str, str], Path],
    hermetic_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    expected: str,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    bad = write("bad.yaml", "name: a\nteams: {be: {destinations: [pipy]}}\n")
    before = _files(hermetic_env)
    args = [a.format(org=org_file, bad=bad) for a in args]
    result = scc("setup", *args)

    assert result.exit_code == code
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert _files(hermetic_env) == before


def test_setup_keeps_earlier_choices_it_is_not_asked_to_change(
    scc: Scc, org_file: Path, config_home: Path
) -> None:
    scc("setup", "--org", str(org_file), "--team", "web", "--provider", "codex")
    result = scc("setup", "--no-credentials")

    assert result.exit_code == 0
    config = yaml.safe_load((config_home / "config.yaml").read_text())
    assert config == {"org": str(org_file), "team": "web", "provider": "codex"}


def test_setup_no_org_forgets_org_and_team(
    scc: Scc, org_file: Path, config_home: Path
) -> None:
    scc("setup", "--org", str(org_file), "--team", "web")
    assert scc("setup", "--no-org").exit_code == 0
    config = yaml.safe_load((config_home / "config.yaml").read_text())
    assert "org" not in config and "team" not in config


def test_provider_show_json_reports_allowlist_and_credential_source(
    scc: Scc, org_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scc("setup", "--org", str(org_file), "--team", "backend", "--no-credentials")
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat-secret")
    result = scc("provider", "show", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "provider": "claude",
        "allowed": ["claude"],
        "credentials": {
            "claude": "environment (CLAUDE_CODE_OAUTH_TOKEN)",
            "codex": "missing",
        },
    }
    assert "sk-ant-oat-secret" not in result.output


def test_provider_set_changes_the_default(scc: Scc, config_home: Path) -> None:
    assert scc("provider", "set", "codex").exit_code == 0
    assert yaml.safe_load((config_home / "config.yaml").read_text()) == {
        "provider": "codex"
    }
    shown = scc("provider", "show")
    assert "provider: codex" in shown.stdout


def test_provider_set_outside_the_team_allowlist_is_blocked(
    scc: Scc, org_file: Path, config_home: Path
) -> None:
    scc("setup", "--org", str(org_file), "--team", "backend", "--no-credentials")
    before = (config_home / "config.yaml").read_text()
    result = scc("provider", "set", "codex")

    assert result.exit_code == 3
    assert result.stderr == (
        "scc: error: provider codex is not allowed here (allowed: claude)\n"
    )
    assert (config_home / "config.yaml").read_text() == before


def test_config_lives_in_xdg_dirs(
    scc: Scc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert scc("provider", "set", "codex").exit_code == 0
    assert (tmp_path / "cfg" / "scc" / "config.yaml").exists()


def test_config_defaults_to_dot_config_without_xdg(
    scc: Scc, hermetic_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert scc("provider", "set", "codex").exit_code == 0
    assert (hermetic_env / ".config" / "scc" / "config.yaml").exists()
