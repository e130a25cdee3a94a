"""The session plan (`--dry-run`) and refusals that happen before Docker is touched."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import SCC, TEST_UID, scc, session_leftovers, use_org_config

MODES = ["open", "web-egress-enforced", "locked-down-web"]


def plan(workspace: Path, *args: str, **env: str) -> dict:
    result = scc("run", str(workspace), "--dry-run", *args, "--", "true", **env)
    assert result.code == 0, result.err
    return result.json()  # type: ignore[return-value]


@pytest.mark.parametrize("mode", MODES)
def test_every_object_carries_session_role_and_extra_labels(
    workspace: Path, mode: str, run_labels: str
) -> None:
    found = plan(workspace, "--network", mode)
    objects = [found["agent"], *found["networks"]]
    objects += [c for c in (found["proxy"], found["relay"]) if c]
    objects += [v for v in found["volumes"] if not v["keep"]]
    for obj in objects:
        assert obj["labels"]["io.scc.session"] == found["session"]
        assert obj["labels"]["io.scc.role"] in {"agent", "proxy", "network"}
        assert obj["labels"]["scc.test"] == "1"
        assert obj["labels"]["scc.test.sandbox"] == run_labels


def test_open_mode_puts_the_agent_on_its_own_bridge(workspace: Path) -> None:
    found = plan(workspace, "--network", "open")
    assert [n["name"] for n in found["networks"]] == [found["agent"]["network"]]
    assert found["networks"][0]["internal"] is False
    assert found["proxy"] is None
    assert "HTTPS_PROXY" not in found["agent"]["env"]


def test_enforced_mode_puts_the_agent_only_on_an_isolated_internal_network(
    workspace: Path,
) -> None:
    found = plan(workspace, "--network", "web-egress-enforced")
    inside = next(
        n for n in found["networks"] if n["name"] == found["agent"]["network"]
    )
    assert inside["internal"] is True
    assert inside["options"] == {"com.docker.network.bridge.inhibit_ipv4": "true"}
    assert found["proxy"]["network"] != inside["name"]
    assert "probe" in found["agent"]["command"]
    mounts = {m["target"]: m for m in found["agent"]["mounts"]}
    assert mounts["/etc/resolv.conf"]["read_only"] is True


@pytest.mark.parametrize("mode", ["web-egress-enforced", "locked-down-web"])
def test_proxy_variables_are_set_in_both_cases_with_loopback_excluded(
    workspace: Path, mode: str
) -> None:
    env = plan(workspace, "--network", mode)["agent"]["env"]
    proxies = {
        env[n] for n in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    }
    assert len(proxies) == 1
    assert env["NO_PROXY"] == env["no_proxy"] == "localhost,127.0.0.1,::1"


def test_locked_down_mode_has_no_network_and_reaches_only_the_provider(
    workspace: Path,
) -> None:
    found = plan(workspace, "--network", "locked-down-web", "--provider", "codex")
    assert found["agent"]["network"] == "none"
    assert found["agent"]["env"]["HTTPS_PROXY"] == "http://127.0.0.1:3128"
    assert found["allowed_hosts"] == [
        "api.openai.com",
        "auth.openai.com",
        "chatgpt.com",
    ]
    assert found["relay"]["network"] == f"container:{found['proxy']['name']}"


def test_allow_host_is_refused_in_locked_down_mode(workspace: Path) -> None:
    result = scc(
        "run",
        str(workspace),
        "--dry-run",
        "--network",
        "locked-down-web",
        "--allow-host",
        "pypi.org",
        "--",
        "true",
    )
    assert result.code == 3
    assert result.err.count("\n") == 1 and "locked-down-web" in result.err


def test_allowed_hosts_add_to_the_provider_hosts(workspace: Path) -> None:
    found = plan(workspace, "--allow-host", "pypi.org")
    assert found["allowed_hosts"][-1] == "pypi.org"
    assert "api.anthropic.com" in found["allowed_hosts"]


def test_credentials_are_passed_but_redacted_in_the_plan(workspace: Path) -> None:
    env = plan(workspace, ANTHROPIC_API_KEY="sk-secret")["agent"]["env"]
    assert env["ANTHROPIC_API_KEY"] == "<redacted>"


def test_workspace_is_mounted_at_its_real_path_with_git_metadata_read_only(
    workspace: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(workspace)
    mounts = plan(link)["agent"]["mounts"]
    binds = {m["target"]: m for m in mounts if m["kind"] == "bind"}
    assert binds[str(workspace)]["source"] == str(workspace)
    assert binds[f"{workspace}/.git/hooks"]["read_only"] is True
    assert binds[f"{workspace}/.git/config"]["read_only"] is True
    assert not any(
        Path(workspace).is_relative_to(m["source"]) and m["source"] != str(workspace)
        for m in binds.values()
        if m["source"].startswith("/tmp/scc-ws")
    )


def test_agent_runs_as_the_workspace_owner_when_scc_runs_as_root(
    workspace: Path,
) -> None:
    found = plan(workspace)
    assert (found["uid"], found["gid"]) == (TEST_UID, TEST_UID)
    assert found["agent"]["user"] == f"{TEST_UID}:{TEST_UID}"


@pytest.mark.parametrize(
    ("setup", "args", "code", "message"),
    [
        ("missing", [], 1, "does not exist"),
        ("root-owned", [], 3, "refusing to run the agent as root"),
        ("home", [], 3, "is a home directory"),
        ("ok", ["--network", "wide-open"], 2, "Invalid value for '--network'"),
        ("ok", ["--ca-cert", "/nonexistent.pem"], 1, "cannot read /nonexistent.pem"),
    ],
)
def test_bad_input_gives_one_line_and_a_non_zero_exit(
    workspace: Path,
    tmp_path: Path,
    setup: str,
    args: list[str],
    code: int,
    message: str,
) -> None:
    target = {
        "missing": tmp_path / "nope",
        "root-owned": tmp_path,
        "home": Path(os.environ["HOME"]),
        "ok": workspace,
    }[setup]
    result = scc("run", str(target), *args, "--", "true")
    assert result.code == code
    assert message in result.err
    assert result.out == ""
    if code != 2:
        assert result.err.count("\n") == 1, result.err


def test_malformed_extra_labels_are_refused(workspace: Path) -> None:
    result = scc("run", str(workspace), "--dry-run", "--", "true", SCC_LABELS="novalue")
    assert (result.code, result.err) == (
        1,
        "scc: error: SCC_LABELS: 'novalue' is not key=value\n",
    )


def test_unreachable_engine_gives_one_line(workspace: Path) -> None:
    result = scc(
        "run", str(workspace), "--", "true", DOCKER_HOST="unix:///nonexistent.sock"
    )
    assert result.code == 1
    assert (
        result.err
        == "scc: error: cannot reach the Docker engine at unix:///nonexistent.sock\n"
    )


def test_a_policy_error_is_reported_before_an_unreachable_engine(
    workspace: Path, tmp_path: Path
) -> None:
    # The engine is asked first (for the session's network, made while the
    # policy is read), but a policy error is what the user needs to fix first.
    use_org_config("name: acme\nsurprise: 1\n", tmp_path)
    result = scc(
        "run", str(workspace), "--", "true", DOCKER_HOST="unix:///nonexistent.sock"
    )
    assert result.code != 0
    assert "surprise" in result.err and "Docker engine" not in result.err
    assert result.err.count("\n") == 1, result.err


def test_run_without_path_uses_the_git_root_of_the_current_directory(
    workspace: Path,
) -> None:
    below = workspace / "src" / "pkg"
    below.mkdir(parents=True)
    done = subprocess.run(
        [SCC, "run", "--dry-run", "--", "true"],
        cwd=below,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["workspace"] == str(workspace)


def test_run_needs_a_command(workspace: Path) -> None:
    result = scc("run", str(workspace))
    assert result.code == 2
    assert "give the command after --" in result.err


@pytest.mark.docker
@pytest.mark.parametrize(
    ("org_text", "message"),
    [
        ("name: [unclosed\n", "org"),
        ("name: acme\nsurprise: 1\n", "surprise"),
    ],
)
def test_bad_org_config_is_one_line_and_creates_nothing(
    workspace: Path, tmp_path: Path, org_text: str, message: str, docker_client
) -> None:
    use_org_config(org_text, tmp_path)
    result = scc("run", str(workspace), "--network", "open", "--", "true")
    assert result.code != 0
    assert result.err.count("\n") == 1 and message in result.err, result.err
    assert session_leftovers(docker_client) == []
    assert not (Path(os.environ["HOME"]) / ".local/state/scc/sessions").exists()


def test_the_current_docker_context_is_followed(
    workspace: Path, tmp_path: Path
) -> None:
    import hashlib
    import json

    config = tmp_path / "docker-config"
    meta = config / "contexts" / "meta" / hashlib.sha256(b"elsewhere").hexdigest()
    meta.mkdir(parents=True)
    (config / "config.json").write_text(json.dumps({"currentContext": "elsewhere"}))
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": "elsewhere",
                "Metadata": {},
                "Endpoints": {"docker": {"Host": "unix:///nonexistent-elsewhere.sock"}},
            }
        )
    )
    result = scc("run", str(workspace), "--", "true", DOCKER_CONFIG=str(config))
    assert result.code == 1
    assert result.err == (
        "scc: error: cannot reach the Docker engine at "
        "unix:///nonexistent-elsewhere.sock (docker context elsewhere)\n"
    )
