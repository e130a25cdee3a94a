"""The guard's audit line: its time has milliseconds, like the proxy's."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path

from scc_guard.audit import AUDIT_FILE, record
from scc_guard.verdict import Verdict

MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_audit_time_has_milliseconds_and_is_the_time_of_the_decision(
    tmp_path: Path,
) -> None:
    before = time.time()
    assert record(str(tmp_path), "s1", "shim:git", Verdict(True), argv=["git"])
    after = time.time()

    line = json.loads((tmp_path / AUDIT_FILE).read_text())
    assert MILLISECONDS.match(line["time"]), line["time"]
    stamp = datetime.fromisoformat(line["time"].replace("Z", "+00:00")).timestamp()
    assert before - 0.001 <= stamp <= after
