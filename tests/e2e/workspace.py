"""A sample workspace: a real git repository with a local bare remote.

The remote lives inside the workspace (`.remote.git`, excluded from status)
because the sandbox mounts only the workspace, at its real path, so the same
absolute remote URL works on the host and inside. The remote is one commit
ahead of the local branch on a diverged history, so a force push would
really rewrite it, and a blocked one leaves it visibly unchanged.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REMOTE = ".remote.git"
TEST_UID = 1600
README = "# Sample project\n\nA workspace for scc's end-to-end scenarios.\n"


@dataclass(frozen=True)
class Workspace:
    path: Path

    @property
    def remote(self) -> Path:
        return self.path / REMOTE

    def git(self, *args: str, cwd: Path | None = None) -> str:
        return _git(cwd or self.path, *args)

    def remote_head(self) -> str:
        return _git(self.remote, "rev-parse", "main")

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def log(self) -> list[str]:
        return self.git("log", "--format=%s", "main").splitlines()

    def status(self) -> str:
        return self.git("status", "--short")


def _git(cwd: Path, *args: str) -> str:
    # The workspace may belong to another user than the one checking it.
    # --no-optional-locks: `git status` must not rewrite the index as us.
    command = ["git", "--no-optional-locks", "-c", "safe.directory=*", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def owner_for_sessions() -> int:
    """Who the agent will run as: the caller, or for root a plain test user.

    scc refuses to run the agent as root and, when root calls it, runs the
    agent as the workspace's owner; so as root the workspace is given away.
    """
    return os.getuid() or TEST_UID


def create_workspace(path: Path) -> Workspace:
    """Create the repository at `path` (which must not exist yet).

    It belongs to `owner_for_sessions()`, the user scc will run the agent as.
    """
    path.mkdir(parents=True)
    workspace = Workspace(path)
    git = workspace.git
    git("init", "-q", "-b", "main")
    git("config", "user.name", "Sample Developer")
    git("config", "user.email", "developer@example.invalid")
    (path / "README.md").write_text(README)
    git("add", "README.md")
    git("commit", "-q", "-m", "Start the sample project")
    _git(path, "init", "-q", "--bare", "-b", "main", REMOTE)
    (path / ".git/info/exclude").write_text(f"{REMOTE}/\n")
    git("remote", "add", "origin", str(workspace.remote))
    # Diverge: the remote gets a commit that the local branch then drops.
    (path / "CHANGES.md").write_text("- A change only the remote has.\n")
    git("add", "CHANGES.md")
    git("commit", "-q", "-m", "Record a change on the remote")
    git("push", "-q", "origin", "main")
    git("reset", "-q", "--hard", "HEAD~1")
    (path / "NOTES.md").write_text("- A local note.\n")
    git("add", "NOTES.md")
    git("commit", "-q", "-m", "Add a local note")
    owner = owner_for_sessions()
    if owner != os.getuid():
        for item in [path, *path.rglob("*")]:
            os.lchown(item, owner, owner)
    return workspace
