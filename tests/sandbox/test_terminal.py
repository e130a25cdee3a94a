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
from pathlib import Path

import pytest

from .conftest import SCC, session_leftovers

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
