"""list, stop and prune act on the caller's own sessions, and judge a
session's pid only where that pid means something."""

from __future__ import annotations

import grp
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import RUN_ID, RUN_LABEL, SCC, TEST_UID, scc

pytestmark = [pytest.mark.docker]

OTHER_UID = TEST_UID + 1


@pytest.fixture
def running_as_test_user(workspace: Path, agent_image: str) -> Iterator[str]:
    """A session started by TEST_UID; yields its id."""
    home = Path(tempfile.mkdtemp(prefix="scc-home-", dir="/tmp"))
    os.chown(home, TEST_UID, TEST_UID)
    env = {**os.environ, "HOME": str(home)}
    env |= {f"XDG_{d}_HOME": str(home / d) for d in ("STATE", "CONFIG", "CACHE")}
    proc = subprocess.Popen(
        [
            "setpriv",
            f"--reuid={TEST_UID}",
            f"--regid={TEST_UID}",
            f"--groups={grp.getgrnam('docker').gr_gid}",
            SCC,
            *("run", str(workspace), "--network", "open", "--image", agent_image),
            *("--", "sleep", "60"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (rows := _listed("--all-users")):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the session never started: {proc.communicate()[1]}")
            time.sleep(0.2)
        yield rows[0]["session"]
    finally:
        proc.terminate()
        proc.communicate(timeout=60)  # also closes the stderr pipe
        shutil.rmtree(home, ignore_errors=True)


def _listed(*flags: str, as_uid: int | None = None) -> list[dict]:
    result = scc("list", "--json", *flags, as_uid=as_uid)
    assert result.code == 0, result.err
    return [r for r in json.loads(result.out) if r["status"] != "ended"]


@pytest.mark.parametrize(
    "command",
    [["list", "--json"], ["stop", "--all"], ["prune", "--all"]],
    ids=["list", "stop-all", "prune-all"],
)
@pytest.mark.parametrize("caller", [0, OTHER_UID], ids=["root", "other-user"])
def test_another_users_session_is_not_touched_by_default(
    command: list[str], caller: int, running_as_test_user: str
) -> None:
    result = scc(*command, as_uid=caller or None)

    assert result.code == 0, result.err
    assert running_as_test_user not in result.out
    assert [r["session"] for r in _listed("--all-users")] == [running_as_test_user]


def test_root_sees_every_users_sessions_with_all_users(
    running_as_test_user: str,
) -> None:
    rows = _listed("--all-users")

    assert [(r["session"], r["user"]) for r in rows] == [
        (running_as_test_user, str(TEST_UID))
    ]
    assert all("None" not in item for item in rows[0]["objects"])
    assert f"container scc-{running_as_test_user}-agent" in rows[0]["objects"]


def test_all_users_is_for_root_only() -> None:
    result = scc("list", "--all-users", as_uid=OTHER_UID)

    assert result.code == 1
    assert result.err == (
        "scc: error: only root may act on other users' sessions (--all-users)\n"
    )


@pytest.mark.parametrize(
    ("host", "pruned"),
    [(socket.gethostname(), True), ("another-host.invalid", False)],
    ids=["this-host", "another-host"],
)
def test_prune_judges_a_dead_pid_only_for_sessions_of_this_host(
    host: str, pruned: bool, agent_image: str, docker_client
) -> None:
    sid = f"ffff{RUN_ID[:6]}{int(pruned)}"
    labels = {
        "scc.test": "1",
        RUN_LABEL: RUN_ID,
        "io.scc.session": sid,
        "io.scc.role": "agent",
        "io.scc.user": "0",
        "io.scc.host": host,
        "io.scc.pid": "4194303",  # above any pid_max: never alive here
    }
    container = docker_client.containers.create(
        agent_image, ["true"], name=f"scc-{sid}-agent", labels=labels
    )
    try:
        result = scc("prune")

        assert result.code == 0, result.err
        assert (f"pruned {sid}" in result.out) is pruned
    finally:
        if not pruned:
            container.remove(force=True)
