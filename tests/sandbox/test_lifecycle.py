"""Sessions end clean: stop, signals, a killed scc, and many cycles."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import SCC, run_argv, scc, session_leftovers

pytestmark = [pytest.mark.docker]


def _spawn(
    workspace: Path,
    image: str,
    *args: str,
    mode: str = "open",
    stderr: int = subprocess.DEVNULL,
) -> subprocess.Popen[str]:
    """`scc run ... -- sleep 60`; stderr to /dev/null unless told (PIPE)."""
    return subprocess.Popen(
        [SCC, *run_argv(workspace, image, "sleep", "60", mode=mode, extra=args)],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def _wait_for(predicate, limit: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _running(workspace: Path) -> list[dict]:
    rows = json.loads(scc("list", "--json").out)
    return [
        r for r in rows if r["workspace"] == str(workspace) and r["status"] == "running"
    ]


def test_missing_image_is_one_line_and_leaves_nothing(
    workspace: Path, docker_client
) -> None:
    result = scc(*run_argv(workspace, "scc-no-such-image:0", "true"))
    assert result.code == 1
    assert result.err == (
        "scc: error: image scc-no-such-image:0 not found; "
        "build it with `scc image build`\n"
    )
    assert session_leftovers(docker_client) == []


def test_list_shows_a_header_over_sessions_and_says_when_there_are_none(
    workspace: Path, agent_image: str
) -> None:
    assert scc("list").out == "no sessions\n"
    proc = _spawn(workspace, agent_image)
    _wait_for(lambda: _running(workspace))
    [row] = _running(workspace)

    listed = scc("list").out.splitlines()

    proc.terminate()
    proc.wait(timeout=20)
    assert listed[0].split() == ["SESSION", "STATUS", "MODE", "WORKSPACE"]
    assert listed[1].split() == [row["session"], "running", "open", str(workspace)]
    assert listed[1].index("running") == listed[0].index("STATUS")
    assert listed[1].index(str(workspace)) == listed[0].index("WORKSPACE")
    assert len(listed) == 2


def test_stop_ends_a_running_session_and_removes_everything(
    workspace: Path, agent_image: str, docker_client
) -> None:
    proc = _spawn(workspace, agent_image, stderr=subprocess.PIPE)
    _wait_for(lambda: _running(workspace))
    [row] = _running(workspace)
    stopped = scc("stop", row["session"])
    assert stopped.code == 0, stopped.err
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 143
    assert err == "scc: error: the session was stopped from outside\n"
    assert session_leftovers(docker_client) == []


def test_prune_all_ends_a_running_session_as_stop_does(
    workspace: Path, agent_image: str, docker_client
) -> None:
    proc = _spawn(workspace, agent_image, stderr=subprocess.PIPE)
    _wait_for(lambda: _running(workspace))
    pruned = scc("prune", "--all")
    assert pruned.code == 0, pruned.err
    _, err = proc.communicate(timeout=20)
    assert (proc.returncode, err) == (
        143,
        "scc: error: the session was stopped from outside\n",
    )
    assert session_leftovers(docker_client) == []


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
)
def test_signals_tear_the_session_down_and_exit_128_plus_the_signal(
    workspace: Path, agent_image: str, docker_client, signum: int, code: int
) -> None:
    proc = _spawn(workspace, agent_image)
    _wait_for(lambda: _running(workspace))
    proc.send_signal(signum)
    assert proc.wait(timeout=20) == code
    assert session_leftovers(docker_client) == []


@pytest.mark.parametrize("delay", [0.15, 0.4, 0.8])
def test_killing_scc_mid_start_leaves_nothing_after_prune(
    workspace: Path, agent_image: str, docker_client, delay: float
) -> None:
    proc = _spawn(workspace, agent_image)
    time.sleep(delay)
    proc.kill()
    proc.wait()
    pruned = scc("prune")
    assert pruned.code == 0, pruned.err
    assert session_leftovers(docker_client) == []


def test_prune_spares_running_sessions(
    workspace: Path, agent_image: str, docker_client
) -> None:
    proc = _spawn(workspace, agent_image)
    _wait_for(lambda: _running(workspace))
    scc("prune")
    assert _running(workspace)
    proc.terminate()
    proc.wait(timeout=20)
    assert session_leftovers(docker_client) == []


@pytest.mark.slow
def test_twenty_start_stop_cycles_leave_nothing(
    workspace: Path, agent_image: str, docker_client
) -> None:
    for _ in range(20):
        proc = _spawn(workspace, agent_image)
        _wait_for(lambda: _running(workspace))
        [row] = _running(workspace)
        assert scc("stop", row["session"]).code == 0
        proc.wait(timeout=20)
    assert session_leftovers(docker_client) == []


@pytest.mark.images
@pytest.mark.parametrize("delay", [0.3, 0.7])
def test_killing_scc_mid_start_in_enforced_mode_leaves_nothing_after_prune(
    workspace: Path, agent_image: str, docker_client, delay: float
) -> None:
    proc = _spawn(workspace, agent_image, mode="web-egress-enforced")
    time.sleep(delay)
    proc.kill()
    proc.wait()
    time.sleep(0.5)  # nothing may still be on its way once scc is gone
    assert scc("prune").code == 0
    assert session_leftovers(docker_client) == []


@pytest.mark.parametrize("egress", [False, True])
def test_a_failure_while_networks_are_made_leaves_nothing(
    workspace: Path, docker_client, monkeypatch: pytest.MonkeyPatch, egress: bool
) -> None:
    # The sandbox fails right after asking for its networks (fault injected
    # into scc's own file writing), while the engine is still creating them:
    # removal must wait for them, including the early outside network, which
    # an org-provided egress network leaves unused.
    from scc import session as ids
    from scc.early import EarlyNetwork
    from scc.merge import resolve_session
    from scc.sandbox import Sandbox, plan_session

    if egress:
        monkeypatch.setenv("SCC_EGRESS_NETWORK", "bridge")
    settings = resolve_session(workspace, network="web-egress-enforced")
    session = ids.new_session_id()
    early = EarlyNetwork(
        docker_client,
        ids.outside_network_name(session),
        ids.network_labels(session, workspace),
    )
    plan = plan_session(
        settings, workspace, ["true"], interactive=False, session=session
    )
    sandbox = Sandbox(docker_client, plan, settings, early)

    def fail() -> None:
        raise OSError("injected")

    monkeypatch.setattr(sandbox, "_write_files", fail)
    with pytest.raises(OSError, match="injected"):
        sandbox.create()
    sandbox.remove()
    assert session_leftovers(docker_client) == []


def test_prune_quarantines_what_a_killed_session_planted(
    workspace: Path, agent_image: str, docker_client
) -> None:
    # scc is killed (SIGKILL: no teardown, no check of git metadata) while
    # its agent has planted a nested repository whose config runs a program
    # in host git; `scc prune` makes the check the session could not.
    plant = (
        "mkdir -p sub/.git/objects sub/.git/refs && "
        "echo 'ref: refs/heads/master' > sub/.git/HEAD && "
        "printf '[core]\\n\\tfsmonitor = touch /tmp/planted\\n' > sub/.git/config"
    )
    command = ["sh", "-c", f"{plant} && sleep 60"]
    proc = subprocess.Popen(
        [SCC, *run_argv(workspace, agent_image, *command)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    planted = workspace / "sub" / ".git" / "config"
    _wait_for(planted.exists)
    proc.kill()
    proc.wait()
    pruned = scc("prune")
    assert pruned.code == 0, pruned.err
    assert "quarantined new git metadata sub/.git/config" in pruned.err
    assert not planted.exists()
    assert list((workspace / ".git" / "scc-quarantine").glob("*/sub/.git/config"))
    assert session_leftovers(docker_client) == []


def test_prune_deletes_old_audits_only_when_asked(
    workspace: Path, agent_image: str, docker_client
) -> None:
    from scc import session as ids

    now = int(time.time())
    old = f"{now - 40 * 86400:x}abcdef"
    recent = f"{now - 86400:x}abcdef"
    for sid in (old, recent):
        ids.create_session_dir(sid)
    assert scc("prune").code == 0
    assert ids.session_dir(old).is_dir()  # kept unless asked
    pruned = scc("prune", "--audits-older-than", "30")
    assert pruned.code == 0, pruned.err
    assert "deleted 1 audits" in pruned.out
    assert not ids.session_dir(old).exists()
    assert ids.session_dir(recent).is_dir()
    assert scc("prune", "--audits-older-than", "-1").code == 2
