"""A session's audit: the guard's and the proxy's JSON lines as one timeline,
and the proxy's denials told to the user while the session runs."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scc import session as ids

_TIME_KEYS = ("time", "ts", "timestamp")
_IP_LITERAL = re.compile(r"^\[|:|(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$", re.IGNORECASE)


def read_events(path: Path, source: str) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        return
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            yield _event(record, source)


def _event(record: dict[str, Any], source: str) -> dict[str, Any]:
    time = next((str(record[k]) for k in _TIME_KEYS if k in record), "")
    if source == "proxy":
        summary = (
            f"{record.get('status', '?')} {record.get('method', '?')} "
            f"{record.get('host', '?')}:{record.get('port', '?')}"
        )
    elif source == "scc":
        summary = (
            f"{record.get('event', '?')} {record.get('path', '?')} "
            f"-> {record.get('moved_to', '?')}"
        )
    else:
        verdict = record.get("verdict") or (
            "allowed" if record.get("allowed") else "blocked"
        )
        argv = record.get("argv")
        what = record.get("command") or (" ".join(argv) if argv else "")
        rule = f" [{record['rule']}]" if record.get("rule") else ""
        summary = f"{verdict} {what}{rule}"
    return {"time": time, "source": source, "summary": summary, "record": record}


def timeline(session_dir: Path) -> list[dict[str, Any]]:
    """Both audits merged in time order (ISO 8601 UTC strings sort as times)."""
    events = [
        *read_events(session_dir / ids.GUARD_AUDIT, "guard"),
        *read_events(session_dir / ids.SESSION_AUDIT, "scc"),
        *(
            e
            for e in read_events(session_dir / ids.PROXY_AUDIT, "proxy")
            if not _empty_connection(e["record"])
        ),
    ]
    return sorted(events, key=lambda event: _instant(event["time"]))


def _empty_connection(record: dict[str, Any]) -> bool:
    """A connection that sent no request: scc's own readiness check of the proxy."""
    return record.get("method") == "-" and record.get("host") == "-"


def _instant(stamp: str) -> datetime:
    """ISO 8601 in UTC, with or without fractions of a second; unknown first."""
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def denial_line(
    record: dict[str, Any], allowed: set[str], *, locked: bool = False
) -> str | None:
    """One line for a 403: the host, why, and how to allow it, or None."""
    if str(record.get("status")) != "403":
        return None
    host = str(record.get("host", "?"))
    port = str(record.get("port", ""))
    if _IP_LITERAL.search(host):
        why, how = "IP addresses are never allowed", "use the host's name"
    elif record.get("method") == "CONNECT" and port not in ("443", ""):
        why, how = f"port {port} is not allowed", "only HTTPS on port 443 is tunnelled"
    elif host in allowed:
        why, how = "it resolves to an internal address", "this cannot be allowed"
    elif locked:
        why = "locked-down-web reaches only the provider's API"
        how = "use --network web-egress-enforced with --allow-host, if policy permits"
    else:
        why = "not on the allowlist"
        how = f"add --allow-host {host} (within policy) or ask your org to allow it"
    return f"scc: blocked {host}: {why}; {how}"


class DenialWatcher:
    """Follows proxy.jsonl during a session and prints each denial once."""

    def __init__(self, plan: Any, *, raw_terminal: bool = False) -> None:
        self.path = Path(plan.audit_dir) / ids.PROXY_AUDIT
        self.allowed = set(plan.allowed_hosts)
        self.enabled = plan.proxy is not None
        self.locked = plan.mode == "locked-down-web"
        self._stop = threading.Event()
        self._offset = 0
        self._told: set[str] = set()
        self._end = "\r\n" if raw_terminal else "\n"  # a raw tty needs the \r
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> DenialWatcher:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join(timeout=2)
            self._drain()

    def _follow(self) -> None:
        while not self._stop.wait(0.2):
            self._drain()

    def _drain(self) -> None:
        try:
            with self.path.open("rb") as log:
                log.seek(self._offset)
                chunk = log.read()
        except OSError:
            return
        end = chunk.rfind(b"\n")
        if end < 0:
            return
        self._offset += end + 1
        for line in filter(None, chunk[:end].decode(errors="replace").splitlines()):
            try:
                line_text = denial_line(
                    json.loads(line), self.allowed, locked=self.locked
                )
            except ValueError:
                continue
            if line_text and line_text not in self._told:
                self._told.add(line_text)
                print(line_text, file=sys.stderr, end=self._end, flush=True)
