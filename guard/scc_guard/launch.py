"""What the `scc-guard` launcher runs.

The agents call `scc-guard hook <agent>` before every shell command, so that
form goes straight to the hook without loading the argument parser.
"""

from __future__ import annotations

AGENTS = ("claude", "codex")


def main(argv: list[str], policy_path: str, audit_dir: str) -> int:
    if len(argv) == 2 and argv[0] == "hook" and argv[1] in AGENTS:
        import os

        from scc_guard.hook import run_hook

        # The hook writes its answer and its audit line unbuffered, so once
        # it has decided there is nothing left to flush: leave without
        # tearing the interpreter down (a millisecond or more per decision).
        os._exit(run_hook(argv[1], policy_path, audit_dir))
    from scc_guard.cli import main as cli_main

    return cli_main(argv, policy_path=policy_path, audit_dir=audit_dir)
