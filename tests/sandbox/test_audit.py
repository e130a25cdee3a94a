"""`scc audit`: the guard's and the proxy's records of a session, as one timeline."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from scc.audit import denial_line, timeline

from .conftest import scc

GUARD = [
    {
        "time": "2026-12-04T16:24:17Z",
        "verdict": "blocked",
        "rule": "git-force-push",
        "argv": ["git", "push", "--force"],
    },
    {"time": "2026-12-04T16:24:15Z", "verdict": "allowed", "command": "git status"},
]
PROXY = [
    {
        "time": "2026-12-04T16:24:16.694Z",
        "method": "CONNECT",
        "host": "pypi.org",
        "port": "443",
        "status": "403",
    },
    {
        "time": "2026-12-04T16:24:17.001Z",
        "method": "GET",
        "host": "x.example",
        "port": "80",
        "status": "200",
    },
]


def test_timeline_merges_both_audits_in_time_order(tmp_path: Path) -> None:
    (tmp_path / "guard.jsonl").write_text("".join(json.dumps(r) + "\n" for r in GUARD))
    (tmp_path / "proxy.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in PROXY) + "not json\n"
    )
    events = timeline(tmp_path)
    assert [(e["source"], e["summary"]) for e in events] == [
        ("guard", "allowed git status"),
        ("proxy", "403 CONNECT pypi.org:443"),
        ("guard", "blocked git push --force [git-force-push]"),
        ("proxy", "200 GET x.example:80"),
    ]


@pytest.mark.parametrize(
    ("record", "line"),
    [
        ({"status": "200", "host": "a.example"}, None),
        (
            {"status": "403", "host": "a.example", "method": "GET", "port": "80"},
            "scc: blocked a.example: not on the allowlist; add --allow-host a.example "
            "(within policy) or ask your org to allow it",
        ),
        (
            {"status": "403", "host": "0x7f.1", "method": "GET", "port": "80"},
            "scc: blocked 0x7f.1: IP addresses are never allowed; use the host's name",
        ),
        (
            {"status": "403", "host": "[::1]", "method": "GET", "port": "80"},
            "scc: blocked [::1]: IP addresses are never allowed; use the host's name",
        ),
        (
            {"status": "403", "host": "ok.example", "method": "CONNECT", "port": "22"},
            "scc: blocked ok.example: port 22 is not allowed; only HTTPS on port 443 "
            "is tunnelled",
        ),
        (
            {"status": "403", "host": "ok.example", "method": "GET", "port": "80"},
            "scc: blocked ok.example: it resolves to an internal address; this cannot "
            "be allowed",
        ),
    ],
)
def test_each_denial_becomes_one_line_with_host_reason_and_remedy(
    record: dict, line: str | None
) -> None:
    assert denial_line(record, {"ok.example"}) == line


def test_audit_without_sessions_is_one_line() -> None:
    result = scc("audit")
    assert (result.code, result.err) == (1, "scc: error: no sessions recorded yet\n")


@pytest.mark.images
def test_audit_of_a_real_session_shows_guard_and_proxy_decisions(
    workspace: Path,
) -> None:
    script = (
        "git push --force origin main; "
        "python3 -c 'import urllib.request as u\n"
        'try: u.urlopen("http://denied.scc-test.invalid/", timeout=5)\n'
        "except Exception as e: print(e)'"
    )
    run = scc(
        "run",
        str(workspace),
        "--network",
        "web-egress-enforced",
        "--",
        "sh",
        "-c",
        script,
    )
    assert "HTTP Error 403" in run.out, run.err
    result = scc("audit", "--json")
    assert result.code == 0, result.err
    events = [json.loads(line) for line in result.out.splitlines()]
    guard = [e for e in events if e["source"] == "guard"]
    proxy = [e for e in events if e["source"] == "proxy"]
    assert any(e["record"].get("rule") == "git-force-push" for e in guard)
    assert any(
        e["record"]["host"] == "denied.scc-test.invalid"
        and e["record"]["status"] == "403"
        for e in proxy
    )
    [session] = {e["record"]["session"] for e in guard}
    text = scc("audit", session)
    lines = text.out.splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == f"session {session}"
    assert "guard  block git push --force origin main [git-force-push]" in lines[1]
    assert "proxy  403 GET denied.scc-test.invalid:80" in lines[2]


OTHER_USER = ["setpriv", "--reuid=1501", "--regid=1501", "--clear-groups"]


@pytest.fixture
def open_state_home() -> Iterator[Path]:
    """A state home other users may enter, as `~/.local/state` usually is."""
    path = Path(tempfile.mkdtemp(prefix="scc-state-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_session_audit_is_private_to_the_invoking_user(
    workspace: Path, agent_image: str, open_state_home: Path
) -> None:
    result = scc(
        *("run", str(workspace), "--network", "open", "--image", agent_image),
        *("--", "true"),
        XDG_STATE_HOME=str(open_state_home),
    )
    assert result.code == 0, result.err
    sessions = open_state_home / "scc" / "sessions"
    session = next(sessions.iterdir())

    for private in (sessions.parent, sessions, session):
        assert stat.S_IMODE(private.stat().st_mode) == 0o700, private
    for name in ("proxy.jsonl", "guard.jsonl"):
        for action in (f"cat {session / name}", f"echo forged >> {session / name}"):
            other = subprocess.run(
                [*OTHER_USER, "sh", "-c", action],
                capture_output=True,
                text=True,
                check=False,
            )
            assert other.returncode != 0, action
            assert "Permission denied" in other.stderr
