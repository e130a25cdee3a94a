"""The effective policy the host computes and mounts read-only into the sandbox."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scc_guard.errors import PolicyError
from scc_guard.policyfile import (
    AUDIT_DIR,
    MAX_POLICY_BYTES,
    POLICY_PATH,
    PolicyView,
    host_pattern_problem,
    rule_settings_problem,
)


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
    session: str = Field(
        default="", max_length=200, description="Session id, stamped on audit lines."
    )
    network_mode: NetworkMode = NetworkMode.ENFORCED
    allowed_hosts: tuple[str, ...] = Field(
        default=(),
        description="Exact host names, or '*.suffix' for any name below suffix.",
    )
    rules: dict[str, RuleSetting] = Field(
        default_factory=dict,
        description="Rule id to setting; rules not named here are enabled.",
    )
    workspace: str = Field(
        default="",
        max_length=4096,
        description="Absolute path of the workspace root inside the sandbox; "
        "empty means the current directory when the guard starts.",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts_are_names(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for host in hosts:
            problem = host_pattern_problem(host)
            if problem:
                raise ValueError(problem)
        return hosts

    @field_validator("rules")
    @classmethod
    def _rules_are_known(cls, rules: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        settings = {name: (s.enabled, s.absolute) for name, s in rules.items()}
        problem = rule_settings_problem(settings)
        if problem:
            raise ValueError(problem)
        return rules

    def view(self) -> PolicyView:
        """The analysis' view of this policy."""
        return PolicyView(
            session=self.session,
            network_mode=self.network_mode.value,
            allowed_hosts=self.allowed_hosts,
            disabled=frozenset(n for n, s in self.rules.items() if not s.enabled),
            workspace=self.workspace,
        )


__all__ = [
    "AUDIT_DIR",
    "POLICY_PATH",
    "NetworkMode",
    "Policy",
    "RuleSetting",
    "load_policy",
]


def load_policy(path: str | Path = POLICY_PATH) -> Policy:
    """Read the policy at `path`; raise PolicyError when missing or malformed."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from exc
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"policy {path} is larger than {MAX_POLICY_BYTES} bytes")
    try:
        return Policy.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "policy"
        raise PolicyError(f"policy {path}: {where}: {first['msg']}") from exc


def policy_schema() -> dict[str, object]:
    """The JSON Schema of Policy, as published in docs/policy.schema.json."""
    return Policy.model_json_schema()


def schema_text() -> str:
    return json.dumps(policy_schema(), indent=2, sort_keys=True) + "\n"
