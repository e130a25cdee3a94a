"""The settings one session runs with, from the host configuration's merge.

`scc.merge.resolve_session` (configuration layers) is the source; until it
lands this module carries a minimal stand-in with the same signature, so the
sandbox can be built and tested against it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scc_guard.policy import NetworkMode, Policy

from scc import __version__

PROVIDER_HOSTS = {
    "claude": ("api.anthropic.com", "statsig.anthropic.com", "console.anthropic.com"),
    "codex": ("api.openai.com", "auth.openai.com", "chatgpt.com"),
}
CREDENTIAL_VARS = {
    "claude": ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"),
    "codex": ("OPENAI_API_KEY", "CODEX_API_KEY"),
}


@dataclass(frozen=True)
class SessionSettings:
    policy: Policy
    provider: str
    provider_hosts: tuple[str, ...]
    image: str
    ca_cert: Path | None
    credentials: dict[str, str] = field(default_factory=dict)
    agent_settings: dict[str, Any] | None = None
    egress_network: str | None = None
    messages: tuple[str, ...] = ()


def _standin_resolve_session(
    workspace: Path,
    *,
    provider: str | None,
    network: str | None,
    allow_hosts: tuple[str, ...],
    ca_cert: Path | None,
    image: str | None,
) -> SessionSettings:
    provider = provider or "claude"
    hosts = PROVIDER_HOSTS.get(provider, ())
    policy = Policy(
        network_mode=NetworkMode(network or NetworkMode.ENFORCED),
        allowed_hosts=(*hosts, *allow_hosts),
    )
    credentials = {
        name: os.environ[name]
        for name in CREDENTIAL_VARS.get(provider, ())
        if os.environ.get(name)
    }
    return SessionSettings(
        policy=policy,
        provider=provider,
        provider_hosts=hosts,
        image=image or f"scc-{provider}:{__version__}",
        ca_cert=ca_cert,
        credentials=credentials,
        egress_network=os.environ.get("SCC_EGRESS_NETWORK") or None,
    )


try:
    from scc.merge import resolve_session  # type: ignore[attr-defined]
except ImportError:  # configuration layers not merged yet
    resolve_session = _standin_resolve_session
