"""Shims as real executables, against a real git repository and a bare remote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bashlex
import pytest

from tests.guard.conftest import REPO

GUARD_PACKAGE = REPO / "guard" / "scc_guard"
EXIT_BLOCKED = 3


class Sandbox:
    """A temp install: lib dir, shims, launcher, policy and audit dir."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lib = root / "lib"
        self.shims = root / "shims"
        self.launcher = root / "bin" / "scc-guard"
        self.policy = root / "etc" / "policy.json"
        self.audit = root / "audit"

    def write_policy(self, data: object) -> None:
        self.policy.write_text(json.dumps(data))

    def run(
        self, tool: str, *args: str, cwd: Path, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.shims / tool), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env or _git_env(),
            timeout=60,
        )

    def audit_lines(self) -> list[dict[str, object]]:
        path = self.audit / "guard.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


def _git_env() -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ["HOME"],
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["/usr/bin/git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env=_git_env(),
    )
    return done.stdout.strip()


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    box = Sandbox(tmp_path / "install")
    box.lib.mkdir(parents=True)
    box.audit.mkdir()
    box.policy.parent.mkdir()
    (box.lib / "scc_guard").symlink_to(GUARD_PACKAGE)
    (box.lib / "bashlex").symlink_to(Path(bashlex.__file__).parent)
    box.write_policy({"session": "test-session", "allowed_hosts": ["github.com"]})
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scc_guard",
            "install-shims",
            "--lib",
            str(box.lib),
            "--dest",
            str(box.shims),
            "--launcher",
            str(box.launcher),
            "--policy",
            str(box.policy),
            "--audit-dir",
            str(box.audit),
        ],
        check=True,
        capture_output=True,
    )
    return box


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """A work tree with one pushed commit, and its bare remote."""
    remote = tmp_path / "remote.git"
    work = tmp_path / "work"
    _git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    _git("init", "-q", "-b", "main", str(work), cwd=tmp_path)
    _git("remote", "add", "origin", str(remote), cwd=work)
    (work / "app.py").write_text("print(1)\n")
    _git("add", "app.py", cwd=work)
    _git("commit", "-qm", "first", cwd=work)
    _git("push", "-q", "origin", "main", cwd=work)
    return work, remote


def test_install_writes_one_executable_shim_per_tool(sandbox: Sandbox) -> None:
    names = sorted(path.name for path in sandbox.shims.iterdir())
    assert names == sorted(
        [
            "git",
            "curl",
            "wget",
            "ssh",
            "scp",
            "sftp",
            "rsync",
            "nc",
            "ncat",
            "socat",
            "telnet",
        ]
    )
    for path in [*sandbox.shims.iterdir(), sandbox.launcher]:
        assert os.access(path, os.X_OK)
        assert path.read_text().startswith("#!/usr/bin/python3 -IS\n")


def test_blocked_force_push_leaves_the_remote_unchanged(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, remote = repo
    before = _git("rev-parse", "main", cwd=remote)
    (work / "app.py").write_text("print(2)\n")
    _git("commit", "-qam", "rewrite", "--amend", cwd=work)

    result = sandbox.run("git", "push", "--force", "origin", "main", cwd=work)

    assert result.returncode == EXIT_BLOCKED
    assert result.stderr.count("\n") == 1
    assert "[git-force-push]" in result.stderr
    assert "--force-with-lease" in result.stderr
    assert _git("rev-parse", "main", cwd=remote) == before


def test_allowed_push_reaches_the_remote(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, remote = repo
    (work / "app.py").write_text("print(3)\n")
    _git("commit", "-qam", "second", cwd=work)

    result = sandbox.run("git", "push", "-q", "origin", "main", cwd=work)

    assert result.returncode == 0, result.stderr
    assert _git("rev-parse", "main", cwd=remote) == _git("rev-parse", "HEAD", cwd=work)


def test_allowed_command_runs_the_real_git(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    result = sandbox.run("git", "log", "--format=%s", cwd=work)
    assert (result.returncode, result.stdout) == (0, "first\n")


def test_blocked_hard_reset_keeps_uncommitted_work(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    (work / "app.py").write_text("precious\n")
    result = sandbox.run("git", "-c", "user.name=x", "reset", "--har", cwd=work)
    assert result.returncode == EXIT_BLOCKED
    assert (work / "app.py").read_text() == "precious\n"


def test_every_decision_is_audited(sandbox: Sandbox, repo: tuple[Path, Path]) -> None:
    work, _ = repo
    sandbox.run("git", "status", cwd=work)
    sandbox.run("git", "stash", "clear", cwd=work)
    allowed, blocked = sandbox.audit_lines()
    assert allowed["verdict"] == "allow"
    assert allowed["argv"] == ["git", "status"]
    assert blocked["verdict"] == "block"
    assert blocked["rule"] == "git-stash-drop"
    for line in (allowed, blocked):
        assert line["session"] == "test-session"
        assert line["entry"] == "shim:git"
        assert {"time", "reason"} <= set(line)


def test_environment_cannot_redirect_or_disable_the_shim(
    sandbox: Sandbox, repo: tuple[Path, Path], tmp_path: Path
) -> None:
    work, _ = repo
    fake = tmp_path / "fake" / "scc_guard"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "shim.py").write_text("def main(*a):\n    return 0\n")
    (work / "policy.json").write_text('{"rules": {}}')
    env = {
        **_git_env(),
        "PYTHONPATH": str(fake.parent),
        "PYTHONHOME": str(tmp_path),
        "PYTHONSTARTUP": str(fake / "shim.py"),
        "SCC_POLICY": str(work / "policy.json"),
        "SCC_GUARD_DISABLE": "1",
    }
    result = sandbox.run("git", "push", "-f", cwd=work, env=env)
    assert result.returncode == EXIT_BLOCKED
    assert "[git-force-push]" in result.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot read policy"),
        ("{not json", "not JSON"),
        ('{"network_mode": "wide-open"}', "network_mode"),
        ('{"rules": {"cannot-verify": {"enabled": false}}}', "cannot be switched off"),
    ],
    ids=["missing", "malformed", "bad-mode", "unswitchable-rule-off"],
)
def test_bad_policy_blocks_every_guarded_command(
    sandbox: Sandbox, repo: tuple[Path, Path], content: str | None, reason: str
) -> None:
    work, _ = repo
    if content is None:
        sandbox.policy.unlink()
    else:
        sandbox.policy.write_text(content)
    result = sandbox.run("git", "status", cwd=work)
    assert result.returncode == EXIT_BLOCKED
    assert "[policy-invalid]" in result.stderr
    assert reason in result.stderr


def test_unwritable_audit_never_turns_a_block_into_an_allow(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    sandbox.audit.rmdir()
    sandbox.audit.write_text("not a directory")
    assert sandbox.run("git", "push", "-f", cwd=work).returncode == EXIT_BLOCKED
    assert sandbox.run("git", "status", cwd=work).returncode == 0


def test_switched_off_rule_lets_the_command_through(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    sandbox.write_policy({"rules": {"git-stash-drop": {"enabled": False}}})
    assert sandbox.run("git", "stash", "clear", cwd=work).returncode == 0


def test_network_shim_blocks_before_contacting_anything(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    result = sandbox.run("curl", "-s", "https://evil.example/x", cwd=tmp_path)
    assert result.returncode == EXIT_BLOCKED
    assert "[network-egress]" in result.stderr
    assert "evil.example" in result.stderr


def test_network_shim_runs_the_real_tool_when_allowed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    result = sandbox.run("curl", "--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("curl ")


def test_launcher_uses_the_baked_policy(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.write_policy({"network_mode": "locked-down-web"})
    result = subprocess.run(
        [str(sandbox.launcher), "check", "--", "curl https://github.com/"],
        capture_output=True,
        text=True,
        env=_git_env(),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "[network-egress]" in result.stdout


@pytest.mark.parametrize(
    "bad",
    [["--lib", "relative"], ["--dest", "relative"], ["--launcher", "rel/scc-guard"]],
    ids=["lib", "dest", "launcher"],
)
def test_install_rejects_bad_paths_and_creates_nothing(
    tmp_path: Path, bad: list[str]
) -> None:
    lib = tmp_path / "lib"
    (lib / "scc_guard").mkdir(parents=True)
    (lib / "scc_guard" / "shim.py").write_text("")
    args = {
        "--lib": str(lib),
        "--dest": str(tmp_path / "shims"),
        "--launcher": str(tmp_path / "bin" / "scc-guard"),
    }
    args[bad[0]] = bad[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scc_guard",
            "install-shims",
            *[item for pair in args.items() for item in pair],
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "shims").exists()
    assert not (tmp_path / "bin").exists()


def test_alias_from_the_repository_config_is_judged_at_run_time(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, remote = repo
    before = _git("rev-parse", "main", cwd=remote)
    _git("config", "alias.sync", "push", cwd=work)
    _git("config", "alias.wipe", "!git clean -fdx", cwd=work)
    (work / "app.py").write_text("print(2)\n")
    _git("commit", "-qam", "rewrite", "--amend", cwd=work)

    pushed = sandbox.run("git", "sync", "-f", "origin", "main", cwd=work)
    wiped = sandbox.run("git", "wipe", cwd=work)

    assert pushed.returncode == EXIT_BLOCKED
    assert "[git-force-push]" in pushed.stderr
    assert wiped.returncode == EXIT_BLOCKED
    assert "[git-clean-force]" in wiped.stderr
    assert _git("rev-parse", "main", cwd=remote) == before


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("GIT_PAGER", "git stash clear; cat", "git-stash-drop"),
        ("GIT_SSH_COMMAND", "sh -c 'git reset --hard'", "git-reset-hard"),
        ("GIT_CONFIG_PARAMETERS", "'core.pager'='git clean -fdx'", "git-clean-force"),
    ],
    ids=["pager", "ssh-command", "config-parameters"],
)
def test_environment_that_runs_code_is_judged_at_run_time(
    sandbox: Sandbox, repo: tuple[Path, Path], name: str, value: str, rule: str
) -> None:
    work, _ = repo
    result = sandbox.run("git", "log", cwd=work, env={**_git_env(), name: value})
    assert result.returncode == EXIT_BLOCKED
    assert f"[{rule}]" in result.stderr


def test_git_config_parameters_set_by_git_itself_pass(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    env = {**_git_env(), "GIT_CONFIG_PARAMETERS": "'user.name'='x'"}
    assert sandbox.run("git", "status", cwd=work, env=env).returncode == 0


def test_launcher_answers_the_hook_with_the_baked_policy(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    event = json.dumps({"tool_name": "Bash", "tool_input": {"command": "git push -f"}})
    result = subprocess.run(
        [str(sandbox.launcher), "hook", "claude"],
        input=event,
        capture_output=True,
        text=True,
        env=_git_env(),
        cwd=tmp_path,
        check=False,
    )
    decision = json.loads(result.stdout)["hookSpecificOutput"]
    assert (result.returncode, decision["permissionDecision"]) == (0, "deny")
    assert sandbox.audit_lines()[-1]["entry"] == "hook:claude"


def test_checkout_of_a_file_without_dashes_is_blocked(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    (work / "app.py").write_text("precious\n")
    result = sandbox.run("git", "checkout", "app.py", cwd=work)
    assert result.returncode == EXIT_BLOCKED
    assert "[git-discard-changes]" in result.stderr
    assert (work / "app.py").read_text() == "precious\n"


def test_checkout_of_a_branch_named_like_nothing_on_disk_runs(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    _git("branch", "feature", cwd=work)
    result = sandbox.run("git", "checkout", "-q", "feature", cwd=work)
    assert result.returncode == 0, result.stderr
    assert _git("rev-parse", "--abbrev-ref", "HEAD", cwd=work) == "feature"


def test_checkout_of_a_branch_that_is_also_a_directory_runs(
    sandbox: Sandbox, repo: tuple[Path, Path]
) -> None:
    work, _ = repo
    _git("branch", "docs", cwd=work)
    (work / "docs").mkdir()
    result = sandbox.run("git", "checkout", "-q", "docs", cwd=work)
    assert result.returncode == 0, result.stderr
