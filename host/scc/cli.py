"""The `scc` command line: one error boundary over the command groups."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from scc import __version__
from scc.errors import SccError


class SccGroup(click.Group):
    """Expected failures become one line and an exit code; tracebacks need --debug."""

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


def _register() -> None:
    from scc.doctor import doctor
    from scc.images import image
    from scc.policy_cli import policy
    from scc.run_cli import audit, list_sessions, prune, run, start, stop
    from scc.setup_cli import provider, setup

    for command in (
        setup,
        provider,
        policy,
        image,
        start,
        run,
        stop,
        list_sessions,
        prune,
        doctor,
        audit,
    ):
        main.add_command(command)


_register()
