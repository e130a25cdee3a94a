"""`scc setup` and `scc provider show|set`: connect an org, choose a provider."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from scc.config import (
    CREDENTIAL_ENV,
    ConfigError,
    check_ca_cert,
    config_path,
    credential_from_env,
    credentials_path,
    load_credentials,
    load_user_config,
    resolve_ca_cert,
    save_user_config,
    store_credential,
)
from scc.errors import PolicyBlocked
from scc.layers import OrgConfig, UserConfig
from scc.orgfetch import is_url, load_org
from scc.terminal import emit_json, warn

PROVIDER_CHOICE = click.Choice(["claude", "codex"])


@dataclass(frozen=True)
class _Credential:
    variable: str
    secret: str
    origin: str


@click.command("setup")
@click.option(
    "--org", "org_source", metavar="PATH|URL", help="Org config file or https URL."
)
@click.option("--no-org", is_flag=True, help="Forget the org config (and team).")
@click.option("--team", help="Team profile from the org config.")
@click.option(
    "--provider", "provider_name", type=PROVIDER_CHOICE, help="Default provider."
)
@click.option(
    "--ca-cert",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra CA certificate (PEM) to trust, stored in the config.",
)
@click.option(
    "--credentials/--no-credentials",
    default=True,
    help="Store the provider's credentials (from the environment, or typed in).",
)
@click.option(
    "--interactive/--non-interactive",
    default=None,
    help="Ask for what the flags leave open (default: when stdin is a terminal).",
)
def setup(
    org_source: str | None,
    no_org: bool,
    team: str | None,
    provider_name: str | None,
    ca_cert: Path | None,
    credentials: bool,
    interactive: bool | None,
) -> None:
    """Set up the org config, team, provider and credentials.

    Works without questions when flags (or stdin not a terminal) say so;
    nothing is written unless everything checks out.
    """
    ask = sys.stdin.isatty() if interactive is None else interactive
    current = load_user_config()
    ca_path = check_ca_cert(ca_cert.expanduser()) if ca_cert else None
    fetch_ca = resolve_ca_cert(ca_path, current)

    source = None if no_org else _org_source(org_source, current, ask)
    org = load_org(source, fetch_ca) if source else None
    for message in org.warnings if org else ():
        warn(message)
    team = _team(org.config if org else None, team, current, ask, no_org)
    allowed = allowed_providers(org.config if org else None, team)
    chosen = _provider(provider_name, current, allowed, ask)
    credential = _credential(chosen, ask) if credentials else None

    config = UserConfig(
        org=source,
        team=team,
        provider=chosen,  # type: ignore[arg-type]
        ca_cert=str(ca_path) if ca_path else current.ca_cert,
        egress_network=current.egress_network,
    )
    save_user_config(config)
    if credential is not None:
        store_credential(chosen, credential.variable, credential.secret)
    _report(config, org.config if org else None, chosen, credential, credentials)


def _org_source(flag: str | None, current: UserConfig, ask: bool) -> str | None:
    source = flag
    if source is None and ask:
        source = click.prompt(
            "Org config (path or https URL, empty for none)",
            default=current.org or "",
            show_default=bool(current.org),
        )
    if source is None:
        return current.org
    if not source:
        return None
    if is_url(source):
        return source
    path = Path(source).expanduser()
    if not path.is_file():
        raise ConfigError(f"--org: {source} is not a file")
    return str(path.resolve())


def _team(
    org: OrgConfig | None,
    flag: str | None,
    current: UserConfig,
    ask: bool,
    no_org: bool,
) -> str | None:
    if org is None:
        if flag:
            raise ConfigError("--team needs an org config (--org)")
        return None
    if flag is None and ask and org.teams:
        flag = click.prompt(
            "Team profile",
            type=click.Choice(list(org.teams)),
            default=current.team if current.team in org.teams else None,
        )
    if flag is None:
        return current.team if current.team in org.teams and not no_org else None
    if flag not in org.teams:
        known = ", ".join(org.teams) or "none"
        raise ConfigError(
            f"--team: no team {flag!r} in org {org.name} (teams: {known})"
        )
    return flag


def allowed_providers(org: OrgConfig | None, team: str | None) -> list[str]:
    """The providers the org, and the team's allowlist within it, permit."""
    if org is None:
        return ["claude", "codex"]
    allowed = list(org.security.providers)
    team_list = org.teams[team].providers if team else None
    return [p for p in allowed if team_list is None or p in team_list]


def _provider(
    flag: str | None, current: UserConfig, allowed: list[str], ask: bool
) -> str:
    if not allowed:
        raise PolicyBlocked("the org config allows no provider for this team")
    if flag is None and ask:
        default = current.provider if current.provider in allowed else allowed[0]
        flag = click.prompt("Provider", type=click.Choice(allowed), default=default)
    chosen = flag or (current.provider if current.provider in allowed else allowed[0])
    if chosen not in allowed:
        raise PolicyBlocked(
            f"provider {chosen} is not allowed here (allowed: {', '.join(allowed)})"
        )
    return chosen


def _credential(provider: str, ask: bool) -> _Credential | None:
    found = credential_from_env(provider)
    if found is not None:
        return _Credential(found[0], found[1], f"environment {found[0]}")
    if not ask:
        return None
    secret = click.prompt(
        f"{provider} API key or token (empty to skip)",
        default="",
        show_default=False,
        hide_input=True,
    ).strip()
    if not secret:
        return None
    return _Credential(_variable_for(provider, secret), secret, "typed in")


def _variable_for(provider: str, secret: str) -> str:
    if provider == "claude":
        oauth = secret.startswith("sk-ant-oat")
        return "CLAUDE_CODE_OAUTH_TOKEN" if oauth else "ANTHROPIC_API_KEY"
    return "OPENAI_API_KEY"


def _report(
    config: UserConfig,
    org: OrgConfig | None,
    provider: str,
    credential: _Credential | None,
    wanted: bool,
) -> None:
    """What setup wrote; a missing credential is warned about unless the user
    said `--no-credentials`."""
    click.echo(f"org: {f'{org.name} ({config.org})' if org else 'none'}")
    click.echo(f"team: {config.team or 'none'}")
    click.echo(f"provider: {provider}")
    if credential is not None:
        click.echo(
            f"credentials: {credential.variable} ({credential.origin}) "
            f"stored in {credentials_path()}"
        )
    elif wanted and not load_credentials().get(provider):
        names = " or ".join(CREDENTIAL_ENV[provider])
        warn(f"no credentials stored for {provider}; set {names} and rerun setup")
    click.echo(f"config: {config_path()}")


@click.group("provider")
def provider() -> None:
    """Show or set the default provider."""


@provider.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def provider_show(as_json: bool) -> None:
    """Show the default provider, the allowed ones and credential status."""
    config = load_user_config()
    org = _configured_org(config)
    allowed = allowed_providers(org, config.team)
    default = config.provider if config.provider in allowed else allowed[0]
    status = {name: credential_status(name) for name in ("claude", "codex")}
    if as_json:
        emit_json({"provider": default, "allowed": allowed, "credentials": status})
        return
    click.echo(f"provider: {default}")
    click.echo(f"allowed: {', '.join(allowed)}")
    for name, state in status.items():
        click.echo(f"credentials {name}: {state}")


@provider.command("set")
@click.argument("name", type=PROVIDER_CHOICE)
def provider_set(name: str) -> None:
    """Make NAME the default provider."""
    config = load_user_config()
    allowed = allowed_providers(_configured_org(config), config.team)
    if name not in allowed:
        raise PolicyBlocked(
            f"provider {name} is not allowed here (allowed: {', '.join(allowed)})"
        )
    save_user_config(config.model_copy(update={"provider": name}))
    click.echo(f"provider: {name}")


def _configured_org(config: UserConfig) -> OrgConfig | None:
    if not config.org:
        return None
    loaded = load_org(config.org, resolve_ca_cert(None, config))
    for message in loaded.warnings:
        warn(message)
    if config.team and config.team not in loaded.config.teams:
        raise ConfigError(
            f"team {config.team!r} is no longer in org {loaded.config.name}"
        )
    return loaded.config


def credential_status(provider: str) -> str:
    """Where a provider's credentials would come from; never the secret."""
    stored = load_credentials().get(provider)
    if stored:
        return f"stored ({', '.join(stored)})"
    found = credential_from_env(provider)
    return f"environment ({found[0]})" if found else "missing"
