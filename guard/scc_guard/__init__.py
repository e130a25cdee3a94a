"""scc's guard: judges agent commands against the mounted policy, failing closed."""

__version__ = "0.1.0"
