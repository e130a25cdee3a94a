"""What the `scc-guard` launcher runs.

The agents call `scc-guard hook <agent>` before every shell command, so that
form goes straight to the hook without loading the argument parser.
"""

from __future__ import annotations

AGENTS = ("claude", "codex")


def main(argv: list[str], policy_path: str, audit_dir: str) -> int:
    if len(argv) == 2 and argv[0] == "hook" and argv[1] in AGENTS:
        from scc_guard.hook import run_hook

        return run_hook(argv[1], policy_path, audit_dir)
    from scc_guard.cli import main as cli_main

    return cli_main(argv, policy_path=policy_path, audit_dir=audit_dir)
