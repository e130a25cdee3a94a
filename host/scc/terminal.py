"""What the commands print: warnings on stderr, colour only when NO_COLOR is unset."""

from __future__ import annotations

import json
import os
from typing import Any

import click


def colour_allowed() -> bool:
    return not os.environ.get("NO_COLOR")


def style(text: str, **styles: Any) -> str:
    return click.style(text, **styles) if colour_allowed() else text


def warn(message: str) -> None:
    click.echo(style(f"scc: warning: {message}", fg="yellow"), err=True)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))
