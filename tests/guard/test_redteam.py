"""The red-team table: commands a review found misjudged, with the right verdict.

Rows of tests/guard/cases/redteam.jsonl (`cmd`, `verdict`, `why`). Every row is
judged under web-egress-enforced with the shared cases' allowed hosts (rows
marked `"network": true` depend on that policy). Rows still judged wrong are
listed in redteam-open.json and expected to fail (strictly: fixing one without
removing it from the list fails the suite).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scc_guard import judge_command
from scc_guard.policyfile import PolicyView

from tests.guard.conftest import CASE_HOSTS

HERE = Path(__file__).parent / "cases"
ROWS = [json.loads(line) for line in (HERE / "redteam.jsonl").read_text().splitlines()]
OPEN = set(json.loads((HERE / "redteam-open.json").read_text()))
POLICY = PolicyView(allowed_hosts=CASE_HOSTS, workspace="/workspace")


def _param(row: dict[str, str]) -> object:
    marks = [pytest.mark.xfail(strict=True)] if row["cmd"] in OPEN else []
    return pytest.param(row, id=row["cmd"][:60], marks=marks)


@pytest.mark.parametrize("row", [_param(row) for row in ROWS])
def test_redteam_command_gets_its_verdict(row: dict[str, str]) -> None:
    verdict = judge_command(row["cmd"], POLICY)
    got = "allow" if verdict.allowed else "block"
    assert got == row["verdict"], f"{row['why']}: [{verdict.rule}] {verdict.reason}"
    assert verdict.rule != "internal-error"


def test_open_list_names_only_rows_of_the_table() -> None:
    assert not OPEN - {row["cmd"] for row in ROWS}
