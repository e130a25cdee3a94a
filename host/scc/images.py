"""Building and listing scc's images (`scc image ...`)."""

from __future__ import annotations

import click


@click.group("image")
def image() -> None:
    """Build and inspect scc's provider and proxy images."""
