"""`scc policy show|explain|validate`: the effective policy and where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel
from scc_guard.policy import NetworkMode

from scc.config import ConfigError, load_user_config, resolve_ca_cert
from scc.layers import (
    WORKSPACE_FILE,
    OrgConfig,
    PersonalProfile,
    UserConfig,
    WorkspaceConfig,
    load_layer,
)
from scc.merge import Resolution, SessionSettings, explain_session
from scc.orgfetch import is_url, load_org
from scc.terminal import emit_json, warn
from scc.workspace import find_workspace

KINDS: dict[str, type[BaseModel]] = {
    "org": OrgConfig,
    "profile": PersonalProfile,
    "workspace": WorkspaceConfig,
    "config": UserConfig,
}


def session_options(func: Any) -> Any:
    """The options that change a session's policy, as `scc start` takes them."""
    for decorator in reversed(
        (
            click.argument(
                "path",
                required=False,
                type=click.Path(file_okay=False, path_type=Path),
            ),
            click.option("--provider", type=click.Choice(["claude", "codex"])),
            click.option(
                "--network", type=click.Choice([mode.value for mode in NetworkMode])
            ),
            click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST"),
            click.option("--ca-cert", type=click.Path(dir_okay=False, path_type=Path)),
            click.option("--json", "as_json", is_flag=True, help="Print JSON."),
        )
    ):
        func = decorator(func)
    return func


def _resolve(
    path: Path | None,
    provider: str | None,
    network: str | None,
    allow_hosts: Sequence[str],
    ca_cert: Path | None,
) -> Resolution:
    workspace = path.resolve() if path else find_workspace(Path.cwd())
    return explain_session(
        workspace,
        provider=provider,
        network=network,
        allow_hosts=allow_hosts,
        ca_cert=ca_cert,
    )


@click.group("policy")
def policy() -> None:
    """Show, explain and validate the policy layers."""


@policy.command("show")
@session_options
def policy_show(
    path: Path | None,
    provider: str | None,
    network: str | None,
    allow_hosts: tuple[str, ...],
    ca_cert: Path | None,
    as_json: bool,
) -> None:
    """Show the effective policy for a workspace.

    PATH defaults to the git root of the current directory.
    """
    settings = _resolve(path, provider, network, allow_hosts, ca_cert).settings
    if as_json:
        emit_json(
            {
                "policy": settings.policy.model_dump(mode="json"),
                "provider": settings.provider,
                "provider_hosts": list(settings.provider_hosts),
                "agent_settings": settings.agent_settings,
                "messages": list(settings.messages),
            }
        )
        return
    for line in _summary(settings):
        click.echo(line)
    for message in settings.messages:
        warn(message)


def _summary(settings: SessionSettings) -> list[str]:
    policy = settings.policy
    rules = [f"{r} {'on' if s.enabled else 'off'}" for r, s in policy.rules.items()]
    managed = settings.agent_settings.get("managed-settings.json", {})
    servers = [s["serverName"] for s in managed.get("allowedMcpServers", [])]
    return [
        f"network mode: {policy.network_mode.value}",
        f"provider: {settings.provider}",
        f"hosts: {', '.join(policy.allowed_hosts) or 'none'}",
        f"rules: {', '.join(rules) or 'all on (defaults)'}",
        f"claude plugins: {', '.join(managed.get('enabledPlugins', {})) or 'none'}",
        f"mcp servers: {', '.join(servers) or 'none'}",
    ]


@policy.command("explain")
@session_options
def policy_explain(
    path: Path | None,
    provider: str | None,
    network: str | None,
    allow_hosts: tuple[str, ...],
    ca_cert: Path | None,
    as_json: bool,
) -> None:
    """Show every effective value and the layer it came from."""
    resolution = _resolve(path, provider, network, allow_hosts, ca_cert)
    rows = [(s.key, s.value, s.layer) for s in resolution.explained]
    messages = list(resolution.settings.messages)
    if as_json:
        settings = [{"key": k, "value": v, "layer": layer} for k, v, layer in rows]
        emit_json({"settings": settings, "messages": messages})
        return
    width = max(len(k) for k, _, _ in rows)
    for key, value, layer in rows:
        shown = ", ".join(value) if isinstance(value, list) else value
        shown = "yes" if shown is True else "none" if shown is None else shown
        click.echo(f"{key:<{width}}  {shown}  ({layer})")
    for message in messages:
        warn(message)


@policy.command("validate")
@click.argument("files", nargs=-1)
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    help="What FILES are (default: by name; .scc.yaml is a workspace, else org).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def policy_validate(files: tuple[str, ...], kind: str | None, as_json: bool) -> None:
    """Check config files (default: every layer in force here)."""
    checked = [_validate(f, kind) for f in files] if files else _validate_in_force()
    if as_json:
        emit_json({"valid": [{"file": f, "kind": k} for f, k in checked]})
        return
    for file, what in checked:
        click.echo(f"ok: {file} ({what})")


def _validate(source: str, kind: str | None) -> tuple[str, str]:
    kind = kind or _kind_of(source)
    if kind == "org":
        loaded = load_org(source, resolve_ca_cert(None, load_user_config()))
        if loaded.problem:
            raise ConfigError(loaded.problem)
    else:
        load_layer(Path(source), KINDS[kind])
    return source, kind


def _kind_of(source: str) -> str:
    name = Path(source).name
    return {WORKSPACE_FILE: "workspace", "profile.yaml": "profile"}.get(name, "org")


def _validate_in_force() -> list[tuple[str, str]]:
    from scc.config import config_path, profile_path

    resolution = _resolve(None, None, None, (), None)
    config = load_user_config()
    checked = [(str(p), k) for p, k in ((config_path(), "config"),) if p.exists()]
    if config.org:
        checked.append((config.org, "org" if not is_url(config.org) else "org (url)"))
    if profile_path().exists():
        checked.append((str(profile_path()), "profile"))
    workspace = find_workspace(Path.cwd()) / WORKSPACE_FILE
    if workspace.exists():
        checked.append((str(workspace), "workspace"))
    for message in resolution.settings.messages:
        warn(message)
    return checked
