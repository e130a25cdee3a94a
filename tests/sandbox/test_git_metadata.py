"""Git metadata the agent plants never runs on the host afterwards."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TEST_UID, run_argv, run_shell, scc

pytestmark = [pytest.mark.docker]

FSMONITOR = (
    "printf '[core]\\n\\trepositoryformatversion = 0\\n"
    "\\tfsmonitor = touch {marker}\\n'"
)
MINIMAL_GIT = (
    "mkdir -p {git}/objects {git}/refs && "
    "echo 'ref: refs/heads/master' > {git}/HEAD && " + FSMONITOR + " > {git}/config"
)
# The tester's three ways to plant a command that host `git status` runs.
PLANTS = {
    "replaced-git-dir": "mv .git .git-orig && "
    + MINIMAL_GIT.format(git=".git", marker="{marker}"),
    "commondir": (
        "cp -r .git .git-evil && "
        "printf '\\tfsmonitor = touch {marker}\\n' >> .git-evil/config && "
        "echo ../.git-evil > .git/commondir"
    ),
    "nested-gitlink": MINIMAL_GIT.format(git="sub/.git", marker="{marker}"),
}


@pytest.fixture
def marker_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="scc-marker-", dir="/tmp"))
    os.chown(path, TEST_UID, TEST_UID)
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=True)


def _host_git(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """git as the workspace's owner, as a developer would run it afterwards."""
    return subprocess.run(
        [
            "setpriv",
            f"--reuid={TEST_UID}",
            f"--regid={TEST_UID}",
            "--clear-groups",
            "git",
            "-C",
            str(workspace),
            *args,
        ],
        capture_output=True,
        text=True,
        env={"HOME": "/nonexistent", "PATH": os.environ["PATH"]},
        check=False,
    )


def _with_gitlink(workspace: Path) -> None:
    """`sub` recorded as a gitlink whose repository is gone, as after a clone."""
    sub = workspace / "sub"
    ident = ["-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    _host_git(workspace, "init", "-q", "sub")
    _host_git(sub, *ident, "commit", "-q", "--allow-empty", "-m", "sub")
    _host_git(workspace, "add", "sub")
    _host_git(workspace, *ident, "commit", "-q", "-m", "gitlink")
    subprocess.run(["rm", "-rf", str(sub / ".git")], check=True)


@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_planted_git_metadata_does_not_run_on_the_host_afterwards(
    plant: str, workspace: Path, marker_dir: Path, agent_image: str
) -> None:
    if plant == "nested-gitlink":
        _with_gitlink(workspace)
    marker = marker_dir / "ran"
    script = PLANTS[plant].format(marker=marker)

    result = run_shell(workspace, agent_image, f"cd {workspace} && {script}; true")

    assert result.code == 0, result.err
    status = _host_git(workspace, "status")
    assert not marker.exists(), (result.err, status.stderr)
    assert not (workspace / ".git-orig").exists()


@pytest.mark.parametrize("plant", ["commondir", "nested-gitlink"])
def test_quarantined_metadata_is_reported_and_audited(
    plant: str, workspace: Path, marker_dir: Path, agent_image: str
) -> None:
    if plant == "nested-gitlink":
        _with_gitlink(workspace)
    script = PLANTS[plant].format(marker=marker_dir / "ran")

    result = run_shell(workspace, agent_image, f"cd {workspace} && {script}")

    moved = {"commondir": ".git/commondir", "nested-gitlink": "sub/.git/config"}[plant]
    assert f"quarantined new git metadata {moved} -> " in result.err
    kept = list((workspace / ".git" / "scc-quarantine").glob(f"*/{moved}"))
    assert len(kept) == 1
    assert (workspace / ".git" / "scc-quarantine").stat().st_uid == TEST_UID
    audit = scc("audit", "--json").out
    assert '"git-quarantine"' in audit and moved in audit


@pytest.mark.parametrize(
    "link", [".git", ".git/config", ".git/hooks"], ids=["git", "config", "hooks"]
)
def test_a_symlinked_git_entry_is_refused_before_anything_starts(
    link: str, workspace: Path, marker_dir: Path, agent_image: str, docker_client
) -> None:
    path = workspace / link
    subprocess.run(["rm", "-rf", str(path)], check=True)
    path.symlink_to(marker_dir)

    result = scc(*run_argv(workspace, agent_image, "true"))

    assert result.code != 0
    assert result.err == f"scc: error: refusing {path}: it is a symbolic link\n"
    assert list(marker_dir.iterdir()) == []


def test_a_gitdir_link_is_refused(workspace: Path, agent_image: str) -> None:
    subprocess.run(["rm", "-rf", str(workspace / ".git")], check=True)
    (workspace / ".git").write_text("gitdir: /tmp/elsewhere\n")

    result = scc("run", str(workspace), "--image", agent_image, "--", "true")

    assert result.code != 0
    assert "a gitdir link" in result.err and result.err.count("\n") == 1
