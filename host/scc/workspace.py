"""Which directory a session mounts, and whose files the agent writes there."""

from __future__ import annotations

import contextlib
import os
import pwd
from pathlib import Path

from scc.errors import PolicyBlocked, SccError


class HomeWorkspace(PolicyBlocked):
    """The workspace is a home directory and nobody confirmed mounting it."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def find_workspace(start: Path) -> Path:
    """The git root at or above `start`, else `start` itself.

    Found by looking for `.git`, not by asking git: git refuses to answer
    root in a repository another user owns, and scc run by root mounts
    exactly such repositories.
    """
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def check_workspace(path: Path, *, allow_home: bool) -> Path:
    """The workspace's real path; refuse a missing one, `/` and (unless
    allowed) a home directory."""
    if not path.is_dir():
        raise SccError(f"workspace {path} does not exist or is not a directory")
    real = path.resolve()
    homes = {Path.home().resolve()}
    with contextlib.suppress(KeyError):
        homes.add(Path(pwd.getpwuid(real.stat().st_uid).pw_dir).resolve())
    if real == Path("/"):
        raise PolicyBlocked("refusing to mount / as the workspace")
    if real in homes and not allow_home:
        raise HomeWorkspace(
            f"{real} is a home directory; pass --allow-home to mount it anyway", real
        )
    return real


def agent_identity(workspace: Path) -> tuple[int, int]:
    """The agent's uid:gid: the caller's, or for root the workspace owner's."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    owner = workspace.stat()
    if owner.st_uid == 0:
        raise PolicyBlocked(
            f"refusing to run the agent as root: {workspace} is owned by root; "
            "run scc as the user who owns the workspace"
        )
    return owner.st_uid, owner.st_gid
