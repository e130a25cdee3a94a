"""The `scc` command line: one error boundary over the command groups."""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import sys
import threading
from typing import Any

import click

from scc import __version__
from scc.errors import SccError

# Each command's module is imported only when that command runs (or when help
# lists them all), so `scc run` does not pay for `scc image` or `scc doctor`.
COMMANDS = {
    "audit": ("scc.run_cli", "audit"),
    "doctor": ("scc.doctor", "doctor"),
    "image": ("scc.images", "image"),
    "list": ("scc.run_cli", "list_sessions"),
    "policy": ("scc.policy_cli", "policy"),
    "provider": ("scc.setup_cli", "provider"),
    "prune": ("scc.run_cli", "prune"),
    "run": ("scc.run_cli", "run"),
    "setup": ("scc.setup_cli", "setup"),
    "start": ("scc.run_cli", "start"),
    "stop": ("scc.run_cli", "stop"),
}


class SccGroup(click.Group):
    """Expected failures become one line and an exit code; tracebacks need --debug."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute = COMMANDS[name]
        # Importing a command's modules (pydantic, the docker SDK) creates many
        # objects that live until exit; collecting during it is wasted work.
        collecting = gc.isenabled()
        gc.disable()
        try:
            command: click.Command = getattr(importlib.import_module(module), attribute)
        finally:
            if collecting:
                gc.enable()
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SccError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"scc: error: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:  # usage errors below the top level
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"scc: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=SccGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scc")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Run AI coding agents in a governed sandbox."""
    ctx.obj = {"debug": debug}
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)


def entry() -> None:
    """The installed `scc` command: `main`, then a quick exit.

    Once a command has run and cleaned up after itself, the process leaves
    without tearing the interpreter down: freeing every module's objects one
    by one takes tens of milliseconds here and changes nothing. Should any
    other thread still run, Python exits as usual and waits for it.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        sys.exit(code)  # type: ignore[arg-type]
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe
            stream.flush()
    os._exit(code)
