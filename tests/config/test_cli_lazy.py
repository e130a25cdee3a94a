"""The command line loads a command's module only when that command is used."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner
from scc.cli import main

EVERY_COMMAND = [
    "audit",
    "doctor",
    "image",
    "list",
    "policy",
    "provider",
    "prune",
    "run",
    "setup",
    "start",
    "stop",
]
OTHER_MODULES = ("scc.doctor", "scc.images", "scc.policy_cli", "scc.setup_cli")
PROBE = """
import sys
from scc.cli import main
try:
    main(["run", "--help"])
except SystemExit:
    pass
print("imported=" + ",".join(m for m in {modules!r} if m in sys.modules))
"""


def test_help_lists_every_command_with_its_summary() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1].split()
    for name in EVERY_COMMAND:
        assert name in listed, result.output
    assert "Run a command in a sandbox" in result.output


def test_run_does_not_import_the_other_commands() -> None:
    probe = PROBE.format(modules=OTHER_MODULES)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert done.stdout.splitlines()[-1] == "imported=", done.stdout[-300:]
