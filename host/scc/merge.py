"""The effective policy of a session, and which layer each value came from.

Layers, top to bottom: the org's `security` bounds, the org's `defaults`, the
team profile, the personal profile, the workspace's `.scc.yaml`, then the
command line. The security bounds are absolute; anything past them is ignored
and reported. The workspace file comes with the repository, so it may only
tighten. docs/configuration.md states the rules in full.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from scc_guard.policy import NetworkMode, Policy, RuleSetting
from scc_guard.rules import RULES

from scc.config import (
    CA_ENV,
    ConfigError,
    credentials_for,
    egress_network,
    load_profile,
    load_user_config,
    resolve_ca_cert,
)
from scc.destinations import BUILTIN_SETS, check_host, covered, covers, hosts_of
from scc.errors import PolicyBlocked
from scc.layers import (
    WORKSPACE_FILE,
    Choices,
    OrgConfig,
    PersonalProfile,
    TeamProfile,
    UserConfig,
    WorkspaceConfig,
    load_optional_layer,
)
from scc.orgfetch import load_org

__all__ = [
    "Layers",
    "Request",
    "Resolution",
    "SessionSettings",
    "Setting",
    "explain_session",
    "gather_layers",
    "merge",
    "render_claude",
    "resolve_session",
    "with_image_settings",
]

STRICTNESS = {NetworkMode.OPEN: 0, NetworkMode.ENFORCED: 1, NetworkMode.LOCKED: 2}
DEFAULT_MODE = NetworkMode.ENFORCED
BUILT_IN = "built-in default"
CLI = "command line"
# The org config used when none is configured: every mode and host permitted,
# sessions start enforced with only the provider's hosts.
NO_ORG = OrgConfig(name="(none)")

ProviderName = Literal["claude", "codex"]


class SessionSettings(BaseModel):
    """Everything the sandbox needs from configuration to start one session."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    policy: Policy
    provider: ProviderName
    provider_hosts: tuple[str, ...]
    image: str | None = None
    ca_cert: Path | None = None
    credentials: dict[str, str] = Field(repr=False)  # secrets: kept out of reprs
    agent_settings: dict[str, Any]
    egress_network: str | None = None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Setting:
    """One effective value and the layer that decided it."""

    key: str
    value: Any
    layer: str


@dataclass(frozen=True)
class Layers:
    """The configuration files in force for one workspace."""

    user: UserConfig
    org: OrgConfig
    org_origin: str | None
    team: tuple[str, TeamProfile] | None
    profile: PersonalProfile | None
    workspace: WorkspaceConfig | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    settings: SessionSettings
    explained: tuple[Setting, ...]


def resolve_session(
    workspace: Path,
    *,
    provider: str | None = None,
    network: str | None = None,
    allow_hosts: Sequence[str] = (),
    ca_cert: Path | None = None,
    image: str | None = None,
) -> SessionSettings:
    """The settings for a session in `workspace`, with the command line's requests."""
    return explain_session(
        workspace,
        provider=provider,
        network=network,
        allow_hosts=allow_hosts,
        ca_cert=ca_cert,
        image=image,
    ).settings


def explain_session(
    workspace: Path,
    *,
    provider: str | None = None,
    network: str | None = None,
    allow_hosts: Sequence[str] = (),
    ca_cert: Path | None = None,
    image: str | None = None,
) -> Resolution:
    """As resolve_session, also saying which layer decided each value."""
    request = Request(
        provider=_check_provider(provider),
        network=_check_mode(network),
        allow_hosts=tuple(_check_cli_host(h) for h in allow_hosts),
    )
    user = load_user_config()
    ca_path = resolve_ca_cert(ca_cert, user)
    layers = gather_layers(workspace, user, ca_path)
    merged = merge(layers, request)
    chosen = merged.provider
    settings = SessionSettings(
        policy=merged.policy(),
        provider=chosen,
        provider_hosts=BUILTIN_SETS[chosen],
        image=image,
        ca_cert=ca_path,
        credentials=credentials_for(chosen),
        agent_settings=merged.agent_settings(),
        egress_network=egress_network(user),
        messages=layers.warnings + tuple(merged.messages),
    )
    extra = [Setting("ca_cert", str(ca_path) if ca_path else None, _ca_layer(ca_cert))]
    if image:
        extra.append(Setting("image", image, CLI))
    return Resolution(settings, tuple(merged.explained() + extra))


def gather_layers(workspace: Path, user: UserConfig, ca_cert: Path | None) -> Layers:
    if not workspace.is_dir():
        raise ConfigError(f"workspace {workspace} does not exist or is not a directory")
    org, origin = NO_ORG, None
    warnings: tuple[str, ...] = ()
    if user.org:
        loaded = load_org(user.org, ca_cert)
        org, origin, warnings = loaded.config, loaded.origin, loaded.warnings
    ws_file = workspace / WORKSPACE_FILE
    return Layers(
        user=user,
        org=org,
        org_origin=origin,
        team=_team(org, origin, user.team),
        profile=load_profile(),
        workspace=load_optional_layer(ws_file, WorkspaceConfig),
        warnings=warnings,
    )


def _team(
    org: OrgConfig, origin: str | None, name: str | None
) -> tuple[str, TeamProfile] | None:
    if name is None:
        return None
    if origin is None:
        raise ConfigError(f"team {name!r} is configured but no org config is")
    if name not in org.teams:
        known = ", ".join(org.teams) or "none"
        raise ConfigError(
            f"team {name!r} is not in org config {origin} (teams: {known})"
        )
    return name, org.teams[name]


@dataclass(frozen=True)
class Request:
    """What the command line asks for, checked."""

    provider: ProviderName | None = None
    network: NetworkMode | None = None
    allow_hosts: tuple[str, ...] = ()


def _check_provider(name: str | None) -> ProviderName | None:
    if name is None or name in ("claude", "codex"):
        return name  # type: ignore[return-value]
    raise ConfigError(f"unknown provider {name!r} (choose claude or codex)")


def _check_mode(mode: str | None) -> NetworkMode | None:
    if mode is None:
        return None
    try:
        return NetworkMode(mode)
    except ValueError:
        choices = ", ".join(m.value for m in NetworkMode)
        raise ConfigError(f"unknown network mode {mode!r} (choose {choices})") from None


def _check_cli_host(host: str) -> str:
    try:
        return check_host(host)
    except ValueError as exc:
        raise ConfigError(f"--allow-host: {exc}") from None


def _ca_layer(flag: Path | None) -> str:
    if flag:
        return CLI
    if os.environ.get(CA_ENV):
        return f"environment {CA_ENV}"
    return "user config"


def merge(layers: Layers, request: Request) -> Merge:
    """Merge the layers and the request; the result keeps provenance."""
    merged = Merge(layers)
    merged.run(request)
    return merged


def _switchable(rule: str) -> bool:
    return RULES[rule].switchable


@dataclass
class _Rule:
    enabled: bool
    absolute: bool
    layer: str


@dataclass
class Merge:
    """One pass over the layers, top to bottom, keeping provenance."""

    layers: Layers
    mode: tuple[NetworkMode, str] = (DEFAULT_MODE, BUILT_IN)
    hosts: dict[str, str] = field(default_factory=dict)
    rules: dict[str, _Rule] = field(default_factory=dict)
    providers: tuple[tuple[ProviderName, ...], str] = ((), BUILT_IN)
    provider: ProviderName = "claude"
    provider_layer: str = BUILT_IN
    plugins: dict[str, str] = field(default_factory=dict)
    mcp_servers: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def org(self) -> OrgConfig:
        return self.layers.org

    @property
    def bound_layer(self) -> str:
        if self.layers.org_origin is None:
            return "no org config"
        return f"org {self.org.name} security"

    def ceiling(self) -> list[str] | None:
        """Every host the org permits, or None when it permits any."""
        security = self.org.security
        if security.destinations is None:
            return None
        sets = hosts_of(security.destinations, self.org.destination_sets)
        return sets + list(security.allowed_hosts)

    def run(self, request: Request) -> None:
        self._start()
        denied: list[tuple[str, str]] = []
        for name, choices, power in self._choosers():
            self._choose_mode(name, choices.network_mode, power)
            self._add_hosts(name, choices, power)
            denied += [(host, name) for host in choices.deny_hosts]
            self._set_rules(name, choices.rules, power)
            self._request_claude(name, choices)
        self._deny(denied)
        self._apply_request(request)

    def _start(self) -> None:
        security = self.org.security
        self.mode = (DEFAULT_MODE, BUILT_IN)
        if STRICTNESS[security.network_mode] > STRICTNESS[DEFAULT_MODE]:
            self.mode = (security.network_mode, self.bound_layer)
        for rule, on in security.rules.items():
            self.rules[rule] = _Rule(on, on, self.bound_layer)
        self.providers = (tuple(security.providers), self.bound_layer)
        team = self.layers.team
        if team is not None and team[1].providers is not None:
            self._narrow_providers(f"team {team[0]}", team[1].providers)

    def _choosers(self) -> list[tuple[str, Choices, str]]:
        found: list[tuple[str, Choices, str]] = []
        if self.layers.org_origin is not None:
            found.append((f"org {self.org.name} defaults", self.org.defaults, "org"))
        if self.layers.team is not None:
            found.append((f"team {self.layers.team[0]}", self.layers.team[1], "org"))
        if self.layers.profile is not None:
            found.append(("personal profile", self.layers.profile, "user"))
        if self.layers.workspace is not None:
            found.append((f"workspace {WORKSPACE_FILE}", self.layers.workspace, "ws"))
        return found

    def _ignore(self, layer: str, what: str, why: str) -> None:
        self.messages.append(f"{layer}: {what} ignored: {why}")

    def _choose_mode(self, layer: str, mode: NetworkMode | None, power: str) -> None:
        if mode is None:
            return
        bound = self.org.security.network_mode
        if STRICTNESS[mode] < STRICTNESS[bound]:
            why = f"{self.bound_layer} allows nothing looser than {bound.value}"
            self._ignore(layer, f"network_mode {mode.value}", why)
        elif power == "ws" and STRICTNESS[mode] < STRICTNESS[self.mode[0]]:
            why = f"a workspace may only tighten {self.mode[0].value} ({self.mode[1]})"
            self._ignore(layer, f"network_mode {mode.value}", why)
        else:
            self.mode = (mode, layer)

    def _add_hosts(self, layer: str, choices: Choices, power: str) -> None:
        known = set(BUILTIN_SETS) | set(self.org.destination_sets)
        for name in choices.destinations:
            if name not in known:
                self._ignore(layer, f"destination set {name!r}", "no such set")
        wanted = hosts_of(choices.destinations, self.org.destination_sets)
        for host in wanted + list(choices.allow_hosts):
            if covered(host, self.hosts):
                continue
            if power == "ws":
                why = "a workspace may only take hosts away (use --allow-host)"
                self._ignore(layer, f"host {host}", why)
            else:
                self._permit(layer, host)

    def _permit(self, layer: str, host: str) -> None:
        ceiling = self.ceiling()
        if ceiling is not None and not covered(host, ceiling):
            self._ignore(layer, f"host {host}", f"not permitted by {self.bound_layer}")
            return
        self.hosts[host] = layer

    def _deny(self, denied: list[tuple[str, str]]) -> None:
        for pattern, layer in denied:
            for host in [h for h in self.hosts if covers(pattern, h)]:
                del self.hosts[host]
                self.messages.append(f"{layer}: host {host} taken away")
            # The policy has no exceptions inside a wildcard: denying one name
            # below an allowed wildcard takes the whole wildcard away.
            for host in [h for h in self.hosts if covers(h, pattern)]:
                del self.hosts[host]
                self.messages.append(
                    f"{layer}: host {host} taken away (to deny {pattern}; "
                    "allow the names still needed one by one)"
                )

    def _set_rules(self, layer: str, rules: dict[str, bool], power: str) -> None:
        for rule, on in rules.items():
            current = self.rules.get(rule)
            if on:
                if current is None or not current.enabled:
                    absolute = current.absolute if current else False
                    self.rules[rule] = _Rule(True, absolute, layer)
            elif not _switchable(rule):
                self._ignore(layer, f"rule {rule} off", "the guard keeps it on")
            elif current is not None and current.absolute:
                self._ignore(layer, f"rule {rule} off", f"{current.layer} keeps it on")
            elif power != "org":
                self._ignore(layer, f"rule {rule} off", "only the org turns rules off")
            else:
                self.rules[rule] = _Rule(False, False, layer)

    def _request_claude(self, layer: str, choices: Choices) -> None:
        approved = self.org.claude
        for plugin in choices.claude.plugins:
            if plugin in approved.plugins:
                self.plugins.setdefault(plugin, layer)
            else:
                self.messages.append(
                    f"{layer}: Claude plugin {plugin} dropped: not approved by the org"
                )
        for server in choices.claude.mcp_servers:
            if server in approved.mcp_servers:
                self.mcp_servers.setdefault(server, layer)
            else:
                self.messages.append(
                    f"{layer}: MCP server {server} dropped: not approved by the org"
                )

    def _narrow_providers(self, layer: str, wanted: Sequence[ProviderName]) -> None:
        allowed, _ = self.providers
        for name in wanted:
            if name not in allowed:
                self._ignore(
                    layer, f"provider {name}", f"not allowed by {self.bound_layer}"
                )
        self.providers = (tuple(p for p in allowed if p in wanted), layer)

    def _apply_request(self, request: Request) -> None:
        if request.network is not None:
            self._choose_mode(CLI, request.network, "cli")
        for host in request.allow_hosts:
            if not covered(host, self.hosts):
                self._permit(f"{CLI} --allow-host", host)
        self._choose_provider(request.provider)
        for host in BUILTIN_SETS[self.provider]:
            self.hosts.setdefault(host, f"provider {self.provider} (automatic)")

    def _choose_provider(self, flag: ProviderName | None) -> None:
        allowed, allowed_layer = self.providers
        if not allowed:
            raise PolicyBlocked(f"{allowed_layer} allows no provider at all")
        user = self.layers.user.provider
        name, layer = (
            (flag, CLI)
            if flag
            else (user, "user config")
            if user
            else (
                allowed[0],
                allowed_layer,
            )
        )
        if name not in allowed:
            raise PolicyBlocked(
                f"provider {name} is not allowed by {allowed_layer} "
                f"(allowed: {', '.join(allowed)})"
            )
        self.provider, self.provider_layer = name, layer

    def policy(self) -> Policy:
        rules = {
            rule: RuleSetting(enabled=state.enabled, absolute=state.absolute)
            for rule, state in sorted(self.rules.items())
        }
        return Policy(
            network_mode=self.mode[0],
            allowed_hosts=tuple(sorted(self.hosts)),
            rules=rules,
        )

    def agent_settings(self) -> dict[str, Any]:
        if self.provider != "claude":
            return {}
        return render_claude(self.org, sorted(self.plugins), sorted(self.mcp_servers))

    def explained(self) -> list[Setting]:
        found = [
            Setting("network_mode", self.mode[0].value, self.mode[1]),
            Setting("provider", self.provider, self.provider_layer),
            Setting("providers", list(self.providers[0]), self.providers[1]),
        ]
        found += [
            Setting(f"hosts.{h}", True, layer)
            for h, layer in sorted(self.hosts.items())
        ]
        found += [
            Setting(f"rules.{rule}", "on" if s.enabled else "off", s.layer)
            for rule, s in sorted(self.rules.items())
        ]
        found += [
            Setting(f"claude.plugins.{p}", True, layer)
            for p, layer in sorted(self.plugins.items())
        ]
        found += [
            Setting(f"claude.mcp_servers.{m}", True, layer)
            for m, layer in sorted(self.mcp_servers.items())
        ]
        return found


def render_claude(
    org: OrgConfig, plugins: Sequence[str], servers: Sequence[str]
) -> dict[str, Any]:
    """Claude Code's managed files, by name under /etc/claude-code.

    Only org-approved marketplaces are known (and no others may be added),
    only the approved plugins asked for are enabled, and only the approved MCP
    servers asked for are defined and allowed.
    """
    sources = {
        name: source.model_dump(exclude_none=True)
        for name, source in org.claude.marketplaces.items()
    }
    managed = {
        "extraKnownMarketplaces": {n: {"source": s} for n, s in sources.items()},
        "strictKnownMarketplaces": list(sources.values()),
        "enabledPlugins": {plugin: True for plugin in plugins},
        "allowedMcpServers": [{"serverName": name} for name in servers],
    }
    mcp = {name: _mcp_entry(org, name) for name in servers}
    return {"managed-settings.json": managed, "managed-mcp.json": {"mcpServers": mcp}}


def with_image_settings(
    image_settings: dict[str, Any], agent_settings: dict[str, Any]
) -> dict[str, Any]:
    """The image's managed-settings.json with the session's fragment added.

    The image's file carries the guard hook; mounting the fragment alone over
    it would drop the hook. The image's own keys win on any clash.
    """
    fragment = agent_settings.get("managed-settings.json", {})
    return {**fragment, **image_settings}


def _mcp_entry(org: OrgConfig, name: str) -> dict[str, Any]:
    dumped = org.claude.mcp_servers[name].model_dump()
    return {k: v for k, v in dumped.items() if v not in (None, [], {})}
