"""Where scc keeps its files, the user config, credentials and the extra CA.

Config lives in `$XDG_CONFIG_HOME/scc` (default `~/.config/scc`), cache in
`$XDG_CACHE_HOME/scc` (default `~/.cache/scc`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from scc.errors import SccError
from scc.layers import PersonalProfile, UserConfig, load_optional_layer

CA_ENV = "SCC_CA_CERT"
EGRESS_ENV = "SCC_EGRESS_NETWORK"

# Each provider's credential variables, in the order they are preferred.
CREDENTIAL_ENV: Mapping[str, tuple[str, ...]] = {
    "claude": ("CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_API_KEY"),
    "codex": ("CODEX_API_KEY", "OPENAI_API_KEY"),
}


class ConfigError(SccError):
    """A setting that cannot be used as given."""


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable, "")
    base = Path(value) if os.path.isabs(value) else Path.home() / fallback
    return base / "scc"


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache")


def config_path() -> Path:
    return config_dir() / "config.yaml"


def profile_path() -> Path:
    return config_dir() / "profile.yaml"


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def load_user_config() -> UserConfig:
    config = load_optional_layer(config_path(), UserConfig)
    return UserConfig() if config is None else config


def save_user_config(config: UserConfig) -> None:
    import yaml

    data = config.model_dump(exclude_none=True)
    write_private(config_path(), yaml.safe_dump(data, sort_keys=False))


def load_profile() -> PersonalProfile | None:
    return load_optional_layer(profile_path(), PersonalProfile)


def write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the user only (0600 in a 0700 dir)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def load_credentials() -> dict[str, dict[str, str]]:
    """Stored secrets: provider -> {env var name: secret}."""
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable credentials ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: unreadable credentials (not an object)")
    return {k: dict(v) for k, v in data.items() if isinstance(v, dict)}


def store_credential(provider: str, variable: str, secret: str) -> None:
    stored = load_credentials()
    stored[provider] = {variable: secret}
    write_private(credentials_path(), json.dumps(stored, indent=2) + "\n")


def credentials_for(provider: str) -> dict[str, str]:
    """The provider's credentials: stored by `scc setup`, else from this environment."""
    stored = load_credentials().get(provider)
    if stored:
        return stored
    for variable in CREDENTIAL_ENV[provider]:
        if os.environ.get(variable):
            return {variable: os.environ[variable]}
    return {}


def credential_from_env(provider: str) -> tuple[str, str] | None:
    for variable in CREDENTIAL_ENV[provider]:
        if os.environ.get(variable):
            return variable, os.environ[variable]
    return None


def resolve_ca_cert(flag: Path | str | None, config: UserConfig) -> Path | None:
    """The extra CA certificate: --ca-cert, else $SCC_CA_CERT, else the config key."""
    for origin, value in (
        ("--ca-cert", flag),
        (CA_ENV, os.environ.get(CA_ENV) or None),
        (f"{config_path()}: ca_cert", config.ca_cert),
    ):
        if value:
            return check_ca_cert(Path(value).expanduser(), origin)
    return None


def check_ca_cert(path: Path, origin: str = "--ca-cert") -> Path:
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise ConfigError(f"{origin}: cannot read {path} ({exc.strerror})") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ConfigError(f"{origin}: {path} holds no PEM certificate")
    return path.resolve()


def egress_network(config: UserConfig) -> str | None:
    return os.environ.get(EGRESS_ENV) or config.egress_network
