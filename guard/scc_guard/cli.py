"""The `scc-guard` command line (argparse: the guard carries no CLI dependency)."""

from __future__ import annotations

import argparse
import sys

from scc_guard import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scc-guard", description="Judge commands against scc policy."
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_subparsers(dest="command")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
