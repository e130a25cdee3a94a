"""Configuration the user cannot read is one `scc: error:` line, never a traceback.

Root reads everything, so under root the command runs as `nobody` (setpriv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SCC = str(Path(sys.executable).with_name("scc"))
NOBODY = 65534


@pytest.fixture
def home() -> Iterator[Path]:
    """A home outside root's private tmp, so `nobody` can reach it."""
    path = Path(tempfile.mkdtemp(prefix="scc-unreadable-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _scc(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    argv = [SCC, *args]
    if os.getuid() == 0:
        argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        argv += [SCC, *args]
    return subprocess.run(
        argv, env=env, cwd=home, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("locked", "named"),
    [
        ("", "config.yaml"),  # the config dir cannot be searched
        ("config.yaml", "config.yaml"),
        ("profile.yaml", "profile.yaml"),
        ("credentials.json", "credentials.json"),
    ],
)
def test_unreadable_config_is_one_error_line(
    home: Path, locked: str, named: str
) -> None:
    config = home / "config" / "scc"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("provider: claude\n")
    (config / "profile.yaml").write_text("network_mode: web-egress-enforced\n")
    (config / "credentials.json").write_text("{}\n")
    for path in [home, *home.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    (config / locked).chmod(0)

    done = _scc(home, "policy", "show")

    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("scc: error: "), lines
    assert named in lines[0] and "Permission denied" in lines[0], lines
