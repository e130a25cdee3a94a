"""`scc doctor`: is this machine ready to run sandboxes?"""

from __future__ import annotations

import click


@click.command("doctor")
def doctor() -> None:
    """Check the engine, network isolation, images, the guard and the proxy."""
