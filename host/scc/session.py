"""Session identity: ids, the labels every Docker object carries, and the state dir.

A session's objects (containers, networks, volumes) are found again only by
label, so `scc list`, `scc stop` and `scc prune` need no bookkeeping of their
own. The host-side state dir holds the session's audit files and the files
mounted into its containers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import time
from pathlib import Path

from scc.errors import SccError

LABEL_SESSION = "io.scc.session"
LABEL_ROLE = "io.scc.role"
LABEL_PID = "io.scc.pid"
LABEL_MODE = "io.scc.network-mode"
LABEL_WORKSPACE = "io.scc.workspace"
LABEL_STARTED = "io.scc.started"
LABEL_UID = "io.scc.uid"
LABEL_USER = "io.scc.user"  # the uid that ran scc for the session
LABEL_HOST = "io.scc.host"  # where that scc runs: its pid means nothing elsewhere

GUARD_AUDIT = "guard.jsonl"
PROXY_AUDIT = "proxy.jsonl"
SESSION_AUDIT = "session.jsonl"
STOPPED = "stopped"  # left by `scc stop`, so the session's own `scc` can say so


def new_session_id() -> str:
    """A short id that sorts by start time: seconds since the epoch, then random."""
    return f"{int(time.time()):x}{secrets.token_hex(3)}"


def started_at(session: str) -> int:
    """When a session started, in seconds since the epoch: its id says so."""
    return int(session[:-6], 16)


def session_labels(session: str, workspace: Path) -> dict[str, str]:
    """What every object of a session records besides its role: the `scc`
    process that owns it, the workspace, and when it started."""
    return {
        LABEL_PID: str(os.getpid()),
        LABEL_WORKSPACE: str(workspace),
        LABEL_STARTED: str(started_at(session)),
    }


def network_labels(session: str, workspace: Path) -> dict[str, str]:
    return labels(session, "network", **session_labels(session, workspace))


def outside_network_name(session: str) -> str:
    """The session's network with a way out (see `scc.early`)."""
    return f"scc-{session}"


def extra_labels() -> dict[str, str]:
    """Labels from `SCC_LABELS` (`k=v,k2=v2`), added to every object scc creates."""
    found: dict[str, str] = {}
    for item in filter(None, os.environ.get("SCC_LABELS", "").split(",")):
        key, sep, value = item.strip().partition("=")
        if not sep or not key:
            raise SccError(f"SCC_LABELS: {item!r} is not key=value")
        found[key] = value
    return found


def labels(session: str, role: str, **more: str) -> dict[str, str]:
    """A session object's labels: who started it where, and what it is."""
    return {
        **extra_labels(),
        LABEL_SESSION: session,
        LABEL_ROLE: role,
        LABEL_USER: str(os.getuid()),
        LABEL_HOST: this_host(),
        **more,
    }


def state_root() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "scc" / "sessions"


def session_dir(session: str) -> Path:
    return state_root() / session


def create_session_dir(session: str) -> Path:
    """Make the state dir with empty audit files the containers append to.

    The tree from `scc/` down is the invoking user's alone (0700), so no
    other local user can read, forge or erase an audit. The proxy runs as
    its own user, so its audit file is writable by others: it reaches it
    only through its bind mount (which the dirs above do not guard), and it
    is mounted into the proxy only, never into the agent.
    """
    root = state_root()
    for private in (root.parent, root):
        private.mkdir(parents=True, mode=0o700, exist_ok=True)
        private.chmod(0o700)
    path = session_dir(session)
    path.mkdir(mode=0o700)
    (path / GUARD_AUDIT).touch(mode=0o644)
    proxy_log = path / PROXY_AUDIT
    proxy_log.touch()
    proxy_log.chmod(0o666)
    return path


def remove_session_dir(session: str) -> None:
    shutil.rmtree(session_dir(session) / "run", ignore_errors=True)


def mark_stopped(session: str) -> None:
    """Tell the session's `scc` that its end comes from outside.

    Only a session of this user has its state dir here: one stopped by root
    with --all-users ends without the mark (and without its message).
    """
    path = session_dir(session)
    if path.is_dir():
        with contextlib.suppress(OSError):
            (path / STOPPED).touch()


def was_stopped(session: str) -> bool:
    return (session_dir(session) / STOPPED).exists()


def known_sessions() -> list[str]:
    """Session ids with a state dir, newest first."""
    root = state_root()
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if p.is_dir()), reverse=True)


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
