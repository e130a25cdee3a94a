"""The guard's one exception root."""

from __future__ import annotations


class GuardError(Exception):
    """Something the guard cannot work with; callers block with its message."""


class PolicyError(GuardError):
    """The policy file is missing, unreadable or malformed."""
