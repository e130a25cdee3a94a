"""Shared helpers for the guard tests: policies and the scc-guard command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scc_guard.policyfile import PolicyView

REPO = Path(__file__).resolve().parents[2]
CASE_HOSTS = (
    "pkgs.pyreg.example",
    "files.pkgcdn.example",
    "registry.jsreg.example",
    "github.com",
)


@pytest.fixture
def enforced() -> PolicyView:
    """web-egress-enforced with the shared cases' allowed hosts."""
    return PolicyView(allowed_hosts=CASE_HOSTS, workspace="/workspace")


def scc_guard(
    *args: str, stdin: str = "", check: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `python -m scc_guard ARGS` the way people and tools do."""
    return subprocess.run(
        [sys.executable, "-m", "scc_guard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def jsonl(items: list[dict[str, object]]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)
