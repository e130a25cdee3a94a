"""An interactive session: the user's terminal wired to the agent's TTY."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import termios
import tty
from collections.abc import Callable
from typing import Any

from scc.sandbox import agent_exit_code

TERMINAL_CLOSED = 128 + signal.SIGHUP


def attach_interactive(
    client: Any, agent: Any, ready: Callable[[], None] = lambda: None
) -> int:
    """Pump bytes both ways until the agent exits; its size follows the terminal."""
    sock = client.api.attach_socket(
        agent.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
    )
    raw = getattr(sock, "_sock", sock)
    agent.start()
    ready()

    def resize(*_: object) -> None:
        _resize(client, agent)

    resize()
    previous = signal.signal(signal.SIGWINCH, resize)
    stdin = sys.stdin.fileno()
    saved = termios.tcgetattr(stdin) if os.isatty(stdin) else None
    try:
        if saved:
            tty.setraw(stdin)
        agent_ended = _pump(raw, stdin, sys.stdout.fileno())
    finally:
        if saved:
            with contextlib.suppress(OSError, termios.error):  # the tty may be gone
                termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        signal.signal(signal.SIGWINCH, previous)
        raw.close()
    if not agent_ended:
        return TERMINAL_CLOSED  # the caller's teardown stops the agent
    return agent_exit_code(agent)


def _resize(client: Any, agent: Any) -> None:
    try:
        size = os.get_terminal_size(sys.stdout.fileno())
    except OSError:
        return
    with contextlib.suppress(Exception):  # the agent may already be gone
        client.api.resize(agent.id, height=size.lines, width=size.columns)


def _pump(raw: Any, stdin: int, stdout: int) -> bool:
    """Until the agent ends (True) or the terminal goes away (False: EOF or
    EIO on it, as when its window is closed)."""
    while True:
        try:
            ready, _, _ = select.select([raw, stdin], [], [])
        except InterruptedError:
            continue
        if raw in ready:
            data = raw.recv(65536)
            if not data:
                return True
            if not _write(stdout, data):
                return False
        if stdin in ready:
            try:
                data = os.read(stdin, 65536)
            except OSError:
                return False
            if not data:
                return False
            raw.sendall(data)


def _write(fd: int, data: bytes) -> bool:
    try:
        os.write(fd, data)
    except OSError:
        return False
    return True
