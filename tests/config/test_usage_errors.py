"""Usage errors: one line saying how to call the command, and exit status 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Scc = Callable[..., Result]

MODES = "'open', 'web-egress-enforced', 'locked-down-web'"
USAGE_ERRORS = [
    (["stop"], "name a session (see `scc list`) or pass --all"),
    (["run", "{ws}", "ls"], "give the command after --: scc run [PATH] -- COMMAND"),
    (
        ["run", "{ws}", "ls", "-l"],
        "give the command after --: scc run [PATH] -- COMMAND",
    ),
    (
        ["run", "--network", "open", "{ws}", "--allow-host", "a.example", "ls"],
        "give the command after --: scc run [PATH] -- COMMAND",
    ),
    (
        ["run", "--netwrk", "open", "--", "ls"],
        "No such option '--netwrk'. Did you mean '--network'?",
    ),
    (["run", "{ws}"], "give the command after --: scc run [PATH] -- COMMAND"),
    (
        ["start", "{ws}", "resume"],
        "give the agent's arguments after --: scc start [PATH] -- AGENT ARGS",
    ),
    (
        ["run", "--network", "opn", "--", "true"],
        f"Invalid value for '--network': 'opn' is not one of {MODES}.",
    ),
    (
        ["policy", "show", "--network", "opn"],
        f"Invalid value for '--network': 'opn' is not one of {MODES}.",
    ),
    (
        ["policy", "explain", "--network", "opn"],
        f"Invalid value for '--network': 'opn' is not one of {MODES}.",
    ),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS)
def test_usage_error_is_one_line_and_exit_status_2(
    scc: Scc, workspace: Path, args: list[str], message: str
) -> None:
    result = scc(*(arg.format(ws=workspace) for arg in args))

    assert result.exit_code == 2
    assert result.stderr == f"scc: error: {message}\n"
    assert result.stdout == ""
