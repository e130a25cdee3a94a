"""Building images: the context, the arguments, the CLI's edges."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import scc
from click.testing import CliRunner
from scc.cli import main
from scc.images import (
    RECIPES,
    assemble_context,
    build_args,
    build_image,
    object_labels,
    read_ca_cert,
)
from scc_guard.policy import Policy
from scc_guard.squid import render_squid_conf

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "corp-ca.pem"
    path.write_text(PEM)
    return path


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("claude", ["Dockerfile", "managed-settings.json", "claude.json"]),
        ("codex", ["Dockerfile", "config.toml", "requirements.toml"]),
    ],
)
def test_provider_context_holds_dockerfile_guard_and_ca(
    tmp_path: Path, ca_file: Path, kind: str, expected: list[str]
) -> None:
    context = tmp_path / "context"
    assemble_context(RECIPES[kind], context, ca_file)
    shared = ["npm_fetch.py", "install-guard.sh", "smoke.sh"]
    guard = ["guard/pyproject.toml", "guard/scc_guard/__init__.py"]
    for name in [*expected, *shared, *guard]:
        assert (context / name).is_file(), name
    assert (context / "ca/scc-extra.crt").read_text() == PEM
    assert not list(context.rglob("__pycache__"))


def test_without_extra_ca_the_context_has_an_empty_ca_dir(tmp_path: Path) -> None:
    context = tmp_path / "context"
    assemble_context(RECIPES["claude"], context, None)
    assert list((context / "ca").iterdir()) == []


def test_proxy_context_bakes_in_the_default_policy(tmp_path: Path) -> None:
    context = tmp_path / "context"
    assemble_context(RECIPES["proxy"], context, None)
    assert (context / "squid.conf").read_text() == render_squid_conf(Policy())
    assert not (context / "guard").exists()


@pytest.mark.parametrize(
    ("kind", "version", "expected"),
    [
        ("claude", None, {"CLAUDE_CODE_VERSION": "2.1.332"}),
        ("claude", "2.2.0", {"CLAUDE_CODE_VERSION": "2.2.0"}),
        ("codex", None, {"CODEX_VERSION": "0.171.0"}),
        ("proxy", None, {}),
    ],
)
def test_build_args_carry_base_and_versions(
    kind: str, version: str | None, expected: dict[str, str]
) -> None:
    args = build_args(RECIPES[kind], "corp/debian:12", version)
    common = {"BASE_IMAGE": "corp/debian:12", "SCC_VERSION": scc.__version__}
    assert args == common | expected


def test_mirrors_pass_through_as_build_args(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCC_PIP_INDEX_URL", "https://pypi.corp/simple")
    monkeypatch.setenv("SCC_NPM_REGISTRY", "https://npm.corp")
    args = build_args(RECIPES["codex"], "debian:bookworm-slim", None)
    assert args["PIP_INDEX_URL"] == "https://pypi.corp/simple"
    assert args["NPM_REGISTRY"] == "https://npm.corp"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("not a cert", "holds no PEM certificate")],
)
def test_bad_ca_certificates_are_refused(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["image", "build", "--ca-cert", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_ca_certificate_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCC_CA_CERT", str(tmp_path / "missing.pem"))
    result = CliRunner().invoke(main, ["image", "build", "proxy"])
    assert result.exit_code == 1
    assert "missing.pem" in result.output


def test_read_ca_cert_accepts_a_pem_bundle(ca_file: Path) -> None:
    assert read_ca_cert(str(ca_file)) == ca_file.resolve()
    assert read_ca_cert(None) is None


def test_ca_certificate_comes_from_the_config_key(
    tmp_path: Path, ca_file: Path
) -> None:
    from scc.config import config_path

    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(f"ca_cert: {ca_file}\n")
    assert read_ca_cert(None) == ca_file.resolve()


def test_unknown_image_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["image", "build", "nginx"])
    assert result.exit_code == 2


@pytest.mark.parametrize("verb", ["build", "list", "base", "verify"])
def test_image_commands_have_help(verb: str) -> None:
    result = CliRunner().invoke(main, ["image", verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_object_labels_add_scc_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCC_LABELS", "scc.test=1, team=core ,bad")
    assert object_labels("verify") == {
        "io.scc.role": "verify",
        "scc.test": "1",
        "team": "core",
    }


@pytest.mark.docker
@pytest.mark.images
def test_a_second_build_comes_from_the_layer_cache(docker_client, built) -> None:  # type: ignore[no-untyped-def]
    recipe = built("proxy")
    lines: list[str] = []
    started = time.monotonic()
    build_image(docker_client, recipe, say=lines.append, verbose=True)
    assert time.monotonic() - started < 60
    steps: list[list[str]] = []
    for line in lines:
        if line.startswith("[proxy] Step "):
            steps.append([])
        if steps:
            steps[-1].append(line)
    work = [step for step in steps if " : RUN " in step[0] or " : COPY " in step[0]]
    assert work
    for step in work:
        assert any("Using cache" in line for line in step), step[0]


@pytest.mark.docker
@pytest.mark.images
def test_image_list_shows_versions_from_labels(built) -> None:  # type: ignore[no-untyped-def]
    built("proxy")
    result = CliRunner().invoke(main, ["image", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert f"scc-proxy:{scc.__version__}" in result.output
