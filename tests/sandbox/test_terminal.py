"""`scc start`: a real terminal, sized from the first frame, following resizes."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
import uuid
from pathlib import Path

import pytest

from .conftest import RUN_ID, RUN_LABEL, SCC, TEST_UID, session_leftovers

pytestmark = pytest.mark.docker


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _read_until(fd: int, needle: bytes, limit: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + limit
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {needle!r} in {seen!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def _start(workspace: Path, image: str, rows: int, cols: int, *args: str):  # type: ignore[no-untyped-def]
    master, slave = pty.openpty()
    _set_size(slave, rows, cols)
    proc = subprocess.Popen(
        [
            SCC,
            "start",
            str(workspace),
            "--network",
            "open",
            "--image",
            image,
            "--",
            *args,
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    return proc, master


def test_start_sizes_the_terminal_from_the_first_frame_and_exits_with_the_agent(
    workspace: Path, agent_image: str, docker_client
) -> None:
    proc, master = _start(workspace, agent_image, 37, 101)
    try:
        assert b"size 37 101" in _read_until(master, b"size ")
        os.write(master, b"hello\r")
        assert b"got hello" in _read_until(master, b"got ")
        assert proc.wait(timeout=20) == 5
    finally:
        os.close(master)
    assert session_leftovers(docker_client) == []


def test_start_follows_resizes_and_ctrl_c_tears_down(
    workspace: Path, agent_image: str, docker_client
) -> None:
    proc, master = _start(workspace, agent_image, 24, 80, "wait")
    try:
        _read_until(master, b"size 24 80")
        os.write(master, b"x\r")
        _read_until(master, b"got x")
        _set_size(master, 50, 132)
        os.kill(proc.pid, signal.SIGWINCH)
        assert b"resized 50 132" in _read_until(master, b"resized")
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    finally:
        os.close(master)
    assert session_leftovers(docker_client) == []


def _session_running(docker_client) -> bool:  # type: ignore[no-untyped-def]
    running = docker_client.api.containers(
        filters={"label": f"{RUN_LABEL}={RUN_ID}", "status": "running"}
    )
    return any(name.endswith("-agent") for c in running for name in c["Names"])


def _wait(predicate, limit: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _in_tmux(socket: str, shell_line: str) -> None:
    subprocess.run(
        [
            "tmux",
            "-L",
            socket,
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "bash",
            "--norc",
            "--noprofile",
            "-i",
        ],
        check=True,
    )
    subprocess.run(["tmux", "-L", socket, "send-keys", shell_line, "Enter"], check=True)


CLOSINGS = ["tmux-kill-session", "pty-closed", "sighup-twice", "sigterm"]


@pytest.mark.parametrize("closing", CLOSINGS)
def test_closing_the_terminal_tears_the_session_down(
    closing: str, workspace: Path, agent_image: str, docker_client
) -> None:
    socket = f"scc-test-{uuid.uuid4().hex[:8]}"
    errors = workspace.with_name(workspace.name + ".err")
    command = (
        f"{SCC} start {workspace} --network open --image {agent_image} -- wait"
        f" 2>{errors}"
    )
    proc = master = None
    try:
        if closing == "tmux-kill-session":
            _in_tmux(socket, command)
        else:
            proc, master = _start(workspace, agent_image, 24, 80, "wait")
        assert _wait(lambda: _session_running(docker_client)), "never started"
        time.sleep(0.5)
        if closing == "tmux-kill-session":
            subprocess.run(["tmux", "-L", socket, "kill-session"], check=True)
        elif closing == "pty-closed":
            os.close(master)
            master = None
        elif closing == "sighup-twice":
            os.killpg(proc.pid, signal.SIGHUP)
            time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGHUP)
        else:
            os.killpg(proc.pid, signal.SIGTERM)
        gone = _wait(lambda: not session_leftovers(docker_client))
        told = errors.read_text() if errors.exists() else ""
        assert gone, (session_leftovers(docker_client), told)
        if proc is not None:
            assert proc.wait(timeout=20) != 0
    finally:
        if master is not None:
            os.close(master)
        if closing == "tmux-kill-session":
            subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
            errors.unlink(missing_ok=True)


@pytest.mark.parametrize(("answer", "code"), [(b"n\n", 3), (b"y\n", 0)])
def test_start_at_a_terminal_asks_before_mounting_a_home_directory(
    answer: bytes, code: int
) -> None:
    home = Path(os.environ["HOME"])  # the hermetic fixture's
    os.chown(home, TEST_UID, TEST_UID)  # the agent never runs as root
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [SCC, "start", str(home), "--dry-run"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        _read_until(master, b"Mount it anyway? [y/N]")
        os.write(master, answer)
        output = _read_until(master, b"--allow-home" if code else b'"session"')
        assert proc.wait(timeout=30) == code, output
    finally:
        proc.kill()
        os.close(master)
