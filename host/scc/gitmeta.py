"""Git metadata that can run code on the host, and what the agent did to it.

The agent's container sees `.git` itself as a mount point (so it cannot be
renamed or replaced) with `hooks` and `config` read-only on top. Git follows
more files than those to a config or a hook: `commondir`, `config.worktree`,
the per-worktree and per-submodule git dirs, and any nested repository in
the work tree, which `git status` recurses into. Those stay writable (git
needs most of `.git` writable), so scc takes a snapshot of them before the
session and moves anything new or changed into `.git/scc-quarantine/<session>`
afterwards, reporting each move.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scc.errors import PolicyBlocked

QUARANTINE = "scc-quarantine"
SCAN_LIMIT = 20_000
# Names git reads a config, a hook or another git dir from.
EXECUTABLE_NAMES = {"config", "config.worktree", "commondir"}
SKIPPED_DIRS = {"objects", "refs", "logs", "lfs", "rr-cache", QUARANTINE}


def refuse_unsafe_git(workspace: Path) -> None:
    """One line and no session if `.git` or what scc mounts from it is a link."""
    git = workspace / ".git"
    for path in (git, git / "config", git / "hooks"):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            break
        if stat.S_ISLNK(mode):
            raise PolicyBlocked(f"refusing {path}: it is a symbolic link")
        if path == git and not stat.S_ISDIR(mode):
            raise PolicyBlocked(
                f"refusing {path}: a gitdir link; run scc in the main work tree"
            )


def ensure_mount_points(workspace: Path, uid: int, gid: int) -> None:
    """Create `.git/hooks` and `.git/config` if missing, following no link,
    owned by the workspace's owner."""
    git_fd = os.open(workspace / ".git", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir("hooks", 0o755, dir_fd=git_fd)
            os.chown("hooks", uid, gid, dir_fd=git_fd, follow_symlinks=False)
        with contextlib.suppress(FileExistsError):
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            os.close(os.open("config", flags, 0o644, dir_fd=git_fd))
            os.chown("config", uid, gid, dir_fd=git_fd, follow_symlinks=False)
    finally:
        os.close(git_fd)
    refuse_unsafe_git(workspace)


@dataclass
class Snapshot:
    """Fingerprints of the files that can make host git run code."""

    files: dict[str, str] = field(default_factory=dict)
    nested: set[str] = field(default_factory=set)
    truncated: bool = False


def take_snapshot(workspace: Path) -> Snapshot:
    nested, truncated = _nested_git(workspace)
    files = dict(_fingerprints(workspace, workspace / ".git"))
    for entry in nested:
        files.update(_fingerprints(workspace, workspace / entry))
    return Snapshot(files, set(nested), truncated)


def save_snapshot(snapshot: Snapshot, workspace: Path, path: Path) -> None:
    """Keep the snapshot beside the session's files (the user's own, never
    mounted into the sandbox), for `scc prune` should `scc` be killed."""
    data = {
        "workspace": str(workspace),
        "files": snapshot.files,
        "nested": sorted(snapshot.nested),
        "truncated": snapshot.truncated,
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle)


def load_snapshot(path: Path) -> tuple[Path, Snapshot]:
    """The workspace and snapshot `save_snapshot` kept; OSError or ValueError
    when there is none or it is unreadable."""
    data = json.loads(path.read_text())
    snapshot = Snapshot(
        {str(k): str(v) for k, v in data["files"].items()},
        {str(n) for n in data["nested"]},
        bool(data["truncated"]),
    )
    return Path(data["workspace"]), snapshot


@dataclass
class Quarantined:
    path: str
    moved_to: str
    why: str


def quarantine_changes(
    workspace: Path, before: Snapshot, session: str
) -> tuple[list[Quarantined], Snapshot]:
    """Move new or changed executable metadata into the quarantine."""
    after = take_snapshot(workspace)
    target = Path(".git", QUARANTINE, session)
    moved = []
    for rel, print_ in sorted(after.files.items()):
        if before.files.get(rel) == print_:
            continue
        why = "new" if rel not in before.files else "changed"
        destination = target / rel
        if _move(workspace, rel, destination):
            moved.append(Quarantined(rel, str(destination), why))
    return moved, after


def new_nested_repositories(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(after.nested - before.nested)


def audit_record(item: Quarantined, session: str) -> str:
    stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps(
        {
            "time": stamp,
            "session": session,
            "event": "git-quarantine",
            "path": item.path,
            "moved_to": item.moved_to,
            "why": item.why,
        }
    )


def _nested_git(workspace: Path) -> tuple[list[str], bool]:
    """`.git` entries below the top (dirs or gitdir files), relative paths."""
    found: list[str] = []
    seen = 0
    for top, dirs, files in os.walk(workspace):
        if top == str(workspace):
            dirs[:] = [d for d in dirs if d != ".git"]
            files = [f for f in files if f != ".git"]
        seen += len(dirs) + len(files)
        if seen > SCAN_LIMIT:
            return found, True
        if ".git" in dirs:
            dirs.remove(".git")
            found.append(os.path.relpath(os.path.join(top, ".git"), workspace))
        if ".git" in files:
            found.append(os.path.relpath(os.path.join(top, ".git"), workspace))
    return found, False


def _fingerprints(workspace: Path, git: Path) -> Iterator[tuple[str, str]]:
    """(path relative to the workspace, fingerprint) of each executable file."""
    try:
        mode = git.lstat().st_mode
    except OSError:
        return
    if not stat.S_ISDIR(mode):
        yield str(git.relative_to(workspace)), _fingerprint(git)
        return
    for top, dirs, files in os.walk(git):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        in_hooks = "hooks" in Path(top).relative_to(git).parts
        for name in files + [d for d in dirs if os.path.islink(Path(top, d))]:
            if in_hooks or name in EXECUTABLE_NAMES:
                path = Path(top, name)
                yield str(path.relative_to(workspace)), _fingerprint(path)


def _fingerprint(path: Path) -> str:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return f"link:{os.readlink(path)}"
    if not stat.S_ISREG(info.st_mode):
        return f"mode:{info.st_mode:o}"
    digest = hashlib.sha256()
    with open(path, "rb", opener=_no_follow) as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return f"{info.st_mode:o}:{digest.hexdigest()}"


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW)


def _move(workspace: Path, rel: str, destination: Path) -> bool:
    """Rename into the quarantine, creating its dirs without following links
    and owned as `.git` is."""
    source = workspace / rel
    target = workspace / destination
    owner = (workspace / ".git").lstat()
    try:
        for parent in reversed(destination.parents[:-2]):
            here = workspace / parent
            if here.is_symlink():
                return False
            if not here.is_dir():
                here.mkdir(mode=0o700)
                os.lchown(here, owner.st_uid, owner.st_gid)
        os.rename(source, target)
    except OSError:
        return False
    return True
