"""The effective policy the host computes and mounts read-only into the sandbox."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

POLICY_PATH = "/etc/scc/policy.json"
"""The one place the guard reads policy from inside a container."""

AUDIT_DIR = "/var/log/scc"
"""Where the host mounts the session's audit directory inside a container."""


class NetworkMode(StrEnum):
    OPEN = "open"
    ENFORCED = "web-egress-enforced"
    LOCKED = "locked-down-web"


class RuleSetting(BaseModel):
    """The state of one guard rule, as the merged policy left it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    absolute: bool = Field(
        default=False, description="Set by the org: no lower layer may switch it off."
    )


class Policy(BaseModel):
    """What the guard enforces for one session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=1, ge=1, le=1)
    session: str = Field(default="", description="Session id, stamped on audit lines.")
    network_mode: NetworkMode = NetworkMode.ENFORCED
    allowed_hosts: tuple[str, ...] = Field(
        default=(),
        description="Exact host names, or '*.suffix' for any name below suffix.",
    )
    rules: dict[str, RuleSetting] = Field(
        default_factory=dict,
        description="Rule id to setting; rules not named here are enabled.",
    )
