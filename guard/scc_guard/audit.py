"""One JSON line per decision, appended to the session's guard.jsonl."""

from __future__ import annotations

import os
import time

from scc_guard import fastjson
from scc_guard.verdict import Verdict

AUDIT_FILE = "guard.jsonl"
MAX_RECORDED_CHARS = 4000


def _timestamp(now: float) -> str:
    """ISO 8601 UTC with milliseconds, as the proxy writes, so both sort as one."""
    whole = int(now)
    millis = int((now - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


def record(
    audit_dir: str,
    session: str,
    entry: str,
    verdict: Verdict,
    command: str | None = None,
    argv: list[str] | None = None,
) -> bool:
    """Append the decision; return False (never raise) when it cannot be written.

    The caller has already decided: a failed write changes nothing about it.
    """
    line: dict[str, object] = {
        "time": _timestamp(time.time()),
        "session": session,
        "entry": entry,
    }
    if command is not None:
        line["command"] = command[:MAX_RECORDED_CHARS]
    if argv is not None:
        line["argv"] = [word[:MAX_RECORDED_CHARS] for word in argv[:200]]
    line.update(
        verdict=verdict.word, rule=verdict.rule, reason=verdict.reason, pid=os.getpid()
    )
    try:
        data = (fastjson.dumps(line) + "\n").encode("utf-8", "replace")
        descriptor = os.open(
            os.path.join(audit_dir, AUDIT_FILE),
            os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
            0o644,
        )
        try:
            os.write(descriptor, data)
        finally:
            os.close(descriptor)
    except Exception:  # the decision stands whatever happens here
        return False
    return True
