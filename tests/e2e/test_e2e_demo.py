"""The demo's telling of a session, without Docker."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from scripted_model.transcript import Exchange

ROOT = Path(__file__).resolve().parents[2]


def load_demo():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts/demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_parts_are_the_tour_in_order():
    tour = json.loads((ROOT / "tests/e2e/scenarios/tour.json").read_text())

    assert [name for name, _ in load_demo().PARTS] == tour["include"]


GUARD_BLOCK = {
    "time": "t",
    "source": "guard",
    "summary": "",
    "record": {
        "verdict": "block",
        "rule": "git-force-push",
        "reason": "force push overwrites remote history",
        "argv": ["git", "push", "--force"],
    },
}


@pytest.mark.parametrize(
    ("result", "audit", "told"),
    [
        (
            "scc-guard: blocked [git-force-push] force push overwrites remote history",
            [GUARD_BLOCK],
            "blocked by the guard [git-force-push]",
        ),
        (
            "Exit code 3\nscc-guard: blocked [git-reset-hard] git reset --hard "
            "discards uncommitted work; instead: git stash",
            [],
            "blocked by the guard [git-reset-hard]: git reset --hard discards "
            "uncommitted work",
        ),
        (
            "Command blocked by PreToolUse hook: scc-guard blocked [git-force-push] "
            "force push overwrites remote history. Safe alternative: ...",
            [],
            "blocked by the guard [git-force-push]: force push overwrites remote "
            "history",
        ),
        ("<html>denied</html>\nHTTP 403", [], "refused by the proxy: 403"),
        ("urllib.error.HTTPError: HTTP Error 403: Forbidden", [], "refused by the"),
        ("a1b2c3 Add a greeting", [], "allowed; output: a1b2c3 Add a greeting"),
        ("", [], "allowed; output: (none)"),
    ],
)
def test_demo_says_what_scc_did_with_each_command(result, audit, told):
    exchange = Exchange("", "Bash", "git push --force", result)

    verdict, _ = load_demo().what_scc_did(exchange, audit)

    assert verdict.startswith(told)
