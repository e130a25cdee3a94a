"""The policy layers as files: org config, team profile, personal profile, workspace.

Each file is YAML read with `safe_load` into a pydantic model that refuses
unknown keys. A bad file raises LayerError with one line per file:
`FILE: path.to.field: message`.
"""

from __future__ import annotations

import difflib
import types
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from scc_guard.policy import NetworkMode
from scc_guard.rules import RULES

from scc.destinations import BUILTIN_SETS, check_host
from scc.errors import SccError

Host = Annotated[str, AfterValidator(check_host)]
Provider = Literal["claude", "codex"]


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise ValueError(f"unknown guard rule {rule!r} (see: scc-guard rules)")
    return rule


RuleId = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$"), AfterValidator(check_rule)
]
SetName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
PluginId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="plugin@marketplace",
    ),
]

WORKSPACE_FILE = ".scc.yaml"


class LayerError(SccError):
    """A configuration file that cannot be read or does not validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClaudeRequest(_Strict):
    """Claude extras a layer asks for; only what the org approved is kept."""

    plugins: list[PluginId] = Field(default_factory=list)
    mcp_servers: list[str] = Field(default_factory=list)


class Choices(_Strict):
    """What a layer below the org's security section may state."""

    network_mode: NetworkMode | None = Field(
        default=None, description="open, web-egress-enforced or locked-down-web."
    )
    destinations: list[SetName] = Field(
        default_factory=list, description="Named destination sets to reach."
    )
    allow_hosts: list[Host] = Field(
        default_factory=list, description="Further hosts to reach ('*.suffix' too)."
    )
    deny_hosts: list[Host] = Field(
        default_factory=list, description="Hosts to take away, whoever added them."
    )
    rules: dict[RuleId, bool] = Field(
        default_factory=dict, description="Guard rule id to on (true) or off."
    )
    claude: ClaudeRequest = Field(default_factory=ClaudeRequest)


class TeamProfile(Choices):
    description: str = ""
    providers: list[Provider] | None = Field(
        default=None, description="The team's provider allowlist (within the org's)."
    )


class PersonalProfile(Choices):
    """`$XDG_CONFIG_HOME/scc/profile.yaml`: the developer's own choices."""


class WorkspaceConfig(Choices):
    """`.scc.yaml` in the workspace: comes with the repository, so it only tightens."""


def _all_providers() -> list[Provider]:
    return ["claude", "codex"]


class Security(_Strict):
    """The org's absolute bounds: nothing below may go past them."""

    network_mode: NetworkMode = Field(
        default=NetworkMode.OPEN,
        description="The loosest network mode any session may run in.",
    )
    destinations: list[SetName] | None = Field(
        default=None,
        description="Destination sets sessions may reach; null means any host.",
    )
    allowed_hosts: list[Host] = Field(
        default_factory=list, description="Further hosts sessions may reach."
    )
    providers: list[Provider] = Field(default_factory=lambda: _all_providers())
    rules: dict[RuleId, bool] = Field(
        default_factory=dict,
        description="true: the rule is on and nothing below may turn it off; "
        "false: off unless a lower layer turns it on.",
    )


class MarketplaceSource(_Strict):
    """A Claude plugin marketplace source, as Claude Code's settings spell it."""

    source: Literal["github", "git", "url", "directory", "file", "npm"]
    repo: str | None = None
    url: str | None = None
    path: str | None = None
    package: str | None = None
    ref: str | None = None


class McpServer(_Strict):
    type: Literal["stdio", "http", "sse"] = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class ClaudeApprovals(_Strict):
    """The only Claude plugins, marketplaces and MCP servers that reach the agent."""

    marketplaces: dict[SetName, MarketplaceSource] = Field(default_factory=dict)
    plugins: list[PluginId] = Field(default_factory=list)
    mcp_servers: dict[str, McpServer] = Field(default_factory=dict)


class OrgConfig(_Strict):
    """The org config: bounds, named destination sets, defaults and team profiles."""

    version: Literal[1] = 1
    name: str = Field(min_length=1)
    security: Security = Field(default_factory=Security)
    destination_sets: dict[SetName, list[Host]] = Field(default_factory=dict)
    defaults: Choices = Field(default_factory=Choices)
    teams: dict[SetName, TeamProfile] = Field(default_factory=dict)
    claude: ClaudeApprovals = Field(default_factory=ClaudeApprovals)


class UserConfig(_Strict):
    """`$XDG_CONFIG_HOME/scc/config.yaml`, written by `scc setup`."""

    org: str | None = Field(default=None, description="Org config: a path or URL.")
    team: str | None = None
    provider: Provider | None = Field(default=None, description="Default provider.")
    ca_cert: str | None = Field(
        default=None, description="Extra CA certificate (PEM) to trust."
    )
    egress_network: str | None = Field(
        default=None, description="Existing network for the proxy's outside leg."
    )


Model = TypeVar("Model", bound=BaseModel)


def parse_layer(text: str, model: type[Model], origin: str) -> Model:
    """Validate YAML text as `model`; `origin` names it in the error line."""
    import yaml  # only sessions with configuration files pay for it

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LayerError(f"{origin}: {_yaml_problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LayerError(f"{origin}: expected a mapping of keys at the top")
    try:
        layer = model.model_validate(data)
    except ValidationError as exc:
        raise LayerError(f"{origin}: {describe(exc, model)}") from None
    if isinstance(layer, OrgConfig):
        problems = org_problems(layer)
        if problems:
            raise LayerError(f"{origin}: {'; '.join(problems)}")
    return layer


def load_layer(path: Path, model: type[Model]) -> Model:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayerError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise LayerError(f"{path}: not UTF-8 text") from None
    return parse_layer(text, model, str(path))


def load_optional_layer(path: Path, model: type[Model]) -> Model | None:
    """As load_layer, or None when the file does not exist.

    Asking first (`path.exists()`) would raise for a directory the user cannot
    search; reading and telling "absent" from "unreadable" keeps both one line.
    """
    try:
        return load_layer(path, model)
    except LayerError:
        if _absent(path):
            return None
        raise


def _absent(path: Path) -> bool:
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def describe(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """All of pydantic's complaints as `path.to.field: message`, on one line.

    A key the model does not know is named as such, with the closest known
    key at that place when one is close enough to be a typo.
    """
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(top)'}: "
        f"{_message(error, model)}"
        for error in exc.errors()
    )


def _message(error: Any, model: type[BaseModel] | None) -> str:
    if error["type"] != "extra_forbidden":
        return _one_line(error["msg"])
    *parents, key = error["loc"]
    known = _known_keys(model, parents) if model else []
    close = difflib.get_close_matches(str(key), known, n=1)
    return "unknown key" + (f", did you mean {close[0]}?" if close else "")


def _known_keys(model: type[BaseModel], parents: list[Any]) -> list[str]:
    """The keys the model takes at the place `parents` leads to."""
    node: Any = model
    for part in parents:
        node = _unwrap(node)
        if _is_model(node):
            field = node.model_fields.get(str(part))
            node = field.annotation if field else None
        elif get_origin(node) in (dict, list):
            node = get_args(node)[-1]  # the part is a key or an index
        else:
            return []
    node = _unwrap(node)
    return list(node.model_fields) if _is_model(node) else []


def _unwrap(node: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        origin = get_origin(node)
        if origin is Annotated:
            node = get_args(node)[0]
        elif origin in (Union, types.UnionType):
            inner = [a for a in get_args(node) if a is not type(None)]
            if len(inner) != 1:
                return node
            node = inner[0]
        else:
            return node


def _is_model(node: Any) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)


def org_problems(org: OrgConfig) -> list[str]:
    """References inside an org config that point nowhere."""
    known = set(BUILTIN_SETS) | set(org.destination_sets)
    problems = [
        f"destination_sets.{name}: redefines the built-in set {name!r}"
        for name in org.destination_sets
        if name in BUILTIN_SETS
    ]
    listed: list[tuple[str, list[str]]] = [
        ("security.destinations", org.security.destinations or []),
        ("defaults.destinations", org.defaults.destinations),
    ]
    listed += [
        (f"teams.{n}.destinations", t.destinations) for n, t in org.teams.items()
    ]
    for where, names in listed:
        problems += [
            f"{where}.{i}: unknown destination set {name!r}"
            for i, name in enumerate(names)
            if name not in known
        ]
    problems += [
        f"claude.plugins.{i}: marketplace {plugin.split('@')[1]!r} is not approved"
        for i, plugin in enumerate(org.claude.plugins)
        if plugin.split("@")[1] not in org.claude.marketplaces
    ]
    return problems


def _yaml_problem(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{where}invalid YAML ({_one_line(problem)})"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every file scc reads, by file stem (docs/schemas/)."""
    models: dict[str, type[BaseModel]] = {
        "org": OrgConfig,
        "profile": PersonalProfile,
        "workspace": WorkspaceConfig,
        "config": UserConfig,
    }
    return {name: model.model_json_schema() for name, model in models.items()}
