"""`scc policy show|explain|validate`, as a user and a script read them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from scc.cli import main

Scc = Callable[..., Result]


@pytest.fixture
def configured(scc: Scc, org_file: Path) -> Path:
    result = scc("setup", "--org", str(org_file), "--team", "backend")
    assert result.exit_code == 0, result.output
    return org_file


def test_show_json_is_the_policy_the_guard_reads(
    scc: Scc, configured: Path, workspace: Path
) -> None:
    from scc_guard.policy import Policy

    result = scc("policy", "show", str(workspace), "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    policy = Policy.model_validate_json(json.dumps(shown["policy"]))
    assert policy.network_mode.value == "web-egress-enforced"
    assert "pypi.org" in policy.allowed_hosts
    assert shown["provider"] == "claude"
    assert "credentials" not in shown


def test_show_takes_the_session_options(
    scc: Scc, configured: Path, workspace: Path
) -> None:
    result = scc(
        "policy", "show", str(workspace), "--json",
        "--network", "locked-down-web", "--allow-host", "registry.npmjs.org",
    )  # fmt: skip

    shown = json.loads(result.stdout)
    assert shown["policy"]["network_mode"] == "locked-down-web"
    assert "registry.npmjs.org" in shown["policy"]["allowed_hosts"]


def test_show_defaults_to_the_git_root(
    scc: Scc, configured: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / ".scc.yaml").write_text("network_mode: locked-down-web\n")
    (workspace / "src").mkdir()
    monkeypatch.chdir(workspace / "src")

    result = scc("policy", "show", "--json")
    assert json.loads(result.stdout)["policy"]["network_mode"] == "locked-down-web"


def test_explain_json_gives_each_value_with_its_layer(
    scc: Scc, configured: Path, workspace: Path
) -> None:
    (workspace / ".scc.yaml").write_text("network_mode: open\n")
    result = scc("policy", "explain", str(workspace), "--json")

    assert result.exit_code == 0, result.output
    explained = json.loads(result.stdout)
    rows = {row["key"]: row for row in explained["settings"]}
    assert rows["network_mode"] == {
        "key": "network_mode",
        "value": "web-egress-enforced",
        "layer": "built-in default",
    }
    assert rows["hosts.git.acme.dev"]["layer"] == "team backend"
    assert rows["rules.git-force-push"] == {
        "key": "rules.git-force-push",
        "value": "on",
        "layer": "org acme security",
    }
    assert any("network_mode open ignored" in m for m in explained["messages"])


def test_explain_text_lists_layers_and_warns_on_stderr(
    scc: Scc, configured: Path, workspace: Path
) -> None:
    (workspace / ".scc.yaml").write_text("allow_hosts: [evil.example]\n")
    result = scc("policy", "explain", str(workspace))

    assert "hosts.pypi.org" in result.stdout
    assert "(team backend)" in result.stdout
    assert "scc: warning: workspace .scc.yaml: host evil.example ignored" in (
        result.stderr
    )
    assert "evil.example" not in result.stdout


@pytest.mark.parametrize(
    ("name", "text", "kind", "code", "expected"),
    [
        ("org.yaml", "name: a\n", None, 0, "ok: {path} (org)"),
        (".scc.yaml", "deny_hosts: [pypi.org]\n", None, 0, "ok: {path} (workspace)"),
        (
            "p.yaml",
            "rules: {git-reset-hard: true}\n",
            "profile",
            0,
            "ok: {path} (profile)",
        ),
        ("org.yaml", "name: a\nnetwork: open\n", None, 1, "network: unknown key"),
        (".scc.yaml", "teams: {}\n", None, 1, ".scc.yaml: teams: unknown key"),
        ("p.yaml", "name: a\n", "profile", 1, "p.yaml: name: unknown key"),
    ],
)
def test_validate_files(
    scc: Scc,
    write: Callable[[str, str], Path],
    name: str,
    text: str,
    kind: str | None,
    code: int,
    expected: str,
) -> None:
    path = write(name, text)
    args = ["policy", "validate", str(path)] + (["--kind", kind] if kind else [])
    result = scc(*args)

    assert result.exit_code == code
    shown = result.stdout if code == 0 else result.stderr
    assert expected.format(path=path) in shown
    assert len(shown.strip().splitlines()) == 1


def test_validate_without_files_checks_the_layers_in_force(
    scc: Scc, configured: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / ".scc.yaml").write_text("rules: {git-reset-hard: true}\n")
    monkeypatch.chdir(workspace)
    result = scc("policy", "validate", "--json")

    assert result.exit_code == 0, result.output
    kinds = [row["kind"] for row in json.loads(result.stdout)["valid"]]
    assert kinds == ["config", "org", "workspace"]


def test_validate_without_files_fails_on_a_bad_layer(
    scc: Scc, configured: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / ".scc.yaml").write_text("rules: [git-reset-hard]\n")
    monkeypatch.chdir(workspace)
    result = scc("policy", "validate")

    assert result.exit_code == 1
    assert result.stderr.startswith("scc: error: ")
    assert "rules: Input should be a valid dictionary" in result.stderr


def test_a_missing_workspace_is_one_line(scc: Scc, tmp_path: Path) -> None:
    result = scc("policy", "show", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"scc: error: workspace {tmp_path / 'nowhere'} does not exist or is not "
        "a directory\n"
    )


@pytest.mark.parametrize(("no_color", "coloured"), [("1", False), (None, True)])
def test_no_color_is_honoured(
    configured: Path,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_color: str | None,
    coloured: bool,
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    (workspace / ".scc.yaml").write_text("network_mode: open\n")
    result = CliRunner().invoke(main, ["policy", "show", str(workspace)], color=True)
    assert "ignored" in result.stderr
    assert ("\x1b[" in result.stderr) is coloured


def test_scc_policy_runs_as_a_program(configured: Path, workspace: Path) -> None:
    scc = Path(sys.executable).parent / "scc"
    proc = subprocess.run(
        [str(scc), "policy", "show", str(workspace), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["provider"] == "claude"
