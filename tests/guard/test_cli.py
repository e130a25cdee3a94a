"""`scc-guard check | rules | explain` as people and tools use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scc_guard.rules import RULES

from tests.guard.conftest import REPO, jsonl, scc_guard

ENFORCED = ["--network-mode", "web-egress-enforced", "--allow-host", "github.com"]


def test_check_exits_0_when_allowed_and_1_when_blocked() -> None:
    allowed = scc_guard("check", *ENFORCED, "--", "git status")
    blocked = scc_guard("check", *ENFORCED, "--", "git push -f")
    assert (allowed.returncode, allowed.stdout) == (0, "allow\n")
    assert blocked.returncode == 1
    assert blocked.stdout.startswith("block [git-force-push] ")
    assert "instead: git push --force-with-lease" in blocked.stdout


def test_check_reads_a_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"network_mode": "locked-down-web"}))
    result = scc_guard("check", "--policy", str(policy), "--", "curl https://x.org")
    assert result.returncode == 1
    assert "[network-egress]" in result.stdout


def test_flags_override_the_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"network_mode": "locked-down-web"}))
    result = scc_guard(
        "check",
        "--policy",
        str(policy),
        "--network-mode",
        "open",
        "--",
        "curl https://x.org",
    )
    assert result.returncode == 0
    assert "network-egress" in result.stdout  # recorded, not blocked


def test_check_without_any_policy_blocks_with_the_reason(tmp_path: Path) -> None:
    result = scc_guard("check", "--policy", str(tmp_path / "none"), "--", "ls")
    assert result.returncode == 1
    assert "[policy-invalid] cannot read policy" in result.stdout


def test_jsonl_answers_every_line_in_order() -> None:
    items = [
        {"cmd": "git status"},
        {"argv": ["git", "push", "-f"]},
        {"nope": 1},
        {"cmd": "curl https://evil.example"},
        {"argv": []},
    ]
    result = scc_guard("check", "--jsonl", *ENFORCED, stdin=jsonl(items) + "garbage\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["verdict"], a["rule"]) for a in answers] == [
        ("allow", ""),
        ("block", "git-force-push"),
        ("block", "cannot-verify"),
        ("block", "network-egress"),
        ("block", "cannot-verify"),
        ("block", "cannot-verify"),
    ]
    assert result.returncode == 1


def test_jsonl_exits_0_when_everything_is_allowed() -> None:
    result = scc_guard("check", "--jsonl", *ENFORCED, stdin=jsonl([{"cmd": "ls"}]))
    assert result.returncode == 0


def test_bad_allow_host_is_one_line_and_exit_1() -> None:
    result = scc_guard("check", "--allow-host", "http://x", "--", "ls")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1


def test_explain_shows_the_reading_and_the_rule() -> None:
    result = scc_guard(
        "explain", *ENFORCED, "--", "sudo bash -c 'cd /tmp && git clean -fdx'"
    )
    assert result.returncode == 1
    assert "program sudo" in result.stdout
    assert "git clean" in result.stdout
    assert "rule: git-clean-force" in result.stdout


def test_rules_json_lists_every_rule() -> None:
    rules = json.loads(scc_guard("rules", "--format", "json").stdout)
    assert [rule["id"] for rule in rules] == list(RULES)
    assert all(
        set(rule) == {"id", "blocks", "alternative", "switchable"} for rule in rules
    )


def test_rules_text_names_every_rule() -> None:
    text = scc_guard("rules").stdout
    assert all(rule_id in text for rule_id in RULES)


def test_guard_doc_rules_table_matches_the_generated_one() -> None:
    table = scc_guard("rules", "--format", "markdown").stdout.strip()
    assert table in (REPO / "docs" / "guard.md").read_text()


@pytest.mark.parametrize("argv", [["check", "--network-mode", "wide"], ["bogus"]])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    assert scc_guard(*argv).returncode == 2
