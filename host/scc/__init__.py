"""scc: a governed sandbox runtime for AI coding agents (the host launcher)."""

from scc_guard import __version__

__all__ = ["__version__"]
