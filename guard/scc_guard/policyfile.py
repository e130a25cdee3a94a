"""Reading the policy file without pydantic, for the shims' fast path.

Importing pydantic costs more than a shim may spend in total, so the shims
validate the JSON against the JSON Schema that `scc_guard.policy.Policy`
generates (shipped as `policy.schema.json`, checked against the model by the
tests) and the same extra checks the model runs. One definition, two readers.
"""

from __future__ import annotations

import os

from scc_guard import fastjson
from scc_guard.errors import PolicyError
from scc_guard.rules import RULES

POLICY_PATH = "/etc/scc/policy.json"
"""The one place the guard reads policy from inside a container."""

AUDIT_DIR = "/var/log/scc"
"""Where the host mounts the session's audit directory inside a container."""

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "policy.schema.json")
NETWORK_MODES = ("open", "web-egress-enforced", "locked-down-web")
MAX_POLICY_BYTES = 1 << 20
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.:[]")


class PolicyView:
    """The fields the analysis needs, from either reader."""

    __slots__ = ("allowed_hosts", "disabled", "network_mode", "session", "workspace")

    def __init__(
        self,
        session: str = "",
        network_mode: str = "web-egress-enforced",
        allowed_hosts: tuple[str, ...] = (),
        disabled: frozenset[str] = frozenset(),
        workspace: str = "",
    ) -> None:
        self.session = session
        self.network_mode = network_mode
        self.allowed_hosts = tuple(host.lower().rstrip(".") for host in allowed_hosts)
        self.disabled = disabled
        self.workspace = workspace

    @classmethod
    def from_data(cls, data: dict[str, object]) -> PolicyView:
        """Build from JSON data that already passed `validate`."""
        rules = data.get("rules", {})
        assert isinstance(rules, dict)
        disabled = frozenset(
            name for name, setting in rules.items() if not setting.get("enabled", True)
        )
        hosts = data.get("allowed_hosts", [])
        assert isinstance(hosts, list)
        return cls(
            session=str(data.get("session", "")),
            network_mode=str(data.get("network_mode", "web-egress-enforced")),
            allowed_hosts=tuple(hosts),
            disabled=disabled,
            workspace=str(data.get("workspace", "")),
        )


def host_pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not an allowed-hosts entry (exact name or `*.suffix`)."""
    name = pattern[2:] if pattern.startswith("*.") else pattern
    if not name or name.startswith(".") or ".." in name:
        return f"{pattern!r} is not a host name or '*.suffix'"
    if not set(name.lower()) <= _HOST_CHARS:
        return f"{pattern!r} contains characters a host name cannot have"
    return None


def rule_settings_problem(settings: dict[str, tuple[bool, bool]]) -> str | None:
    """Why rule settings (id -> (enabled, absolute)) are not acceptable."""
    for name, (enabled, absolute) in settings.items():
        rule = RULES.get(name)
        if rule is None:
            return f"rules.{name}: unknown rule"
        if not enabled and not rule.switchable:
            return f"rules.{name}: this rule cannot be switched off"
        if not enabled and absolute:
            return f"rules.{name}: an absolute rule cannot be disabled"
    return None


def read_policy_view(path: str) -> PolicyView:
    """Read and strictly validate the policy at `path`; raise PolicyError."""
    return PolicyView.from_data(read_policy_data(path))


def read_policy_data(path: str) -> dict[str, object]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from exc
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"policy {path} is larger than {MAX_POLICY_BYTES} bytes")
    try:
        data = fastjson.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise PolicyError(f"policy {path} is not JSON: {exc}") from exc
    problem = validate(data)
    if problem:
        raise PolicyError(f"policy {path}: {problem}")
    assert isinstance(data, dict)
    return data


def validate(data: object) -> str | None:
    """The first problem with policy JSON `data`, or None when it is valid."""
    schema = _schema()
    problem = _check(data, schema, schema, "")
    if problem or not isinstance(data, dict):
        return problem
    for host in data.get("allowed_hosts", []):
        problem = host_pattern_problem(host)
        if problem:
            return f"allowed_hosts: {problem}"
    settings = {
        name: (value.get("enabled", True), value.get("absolute", False))
        for name, value in data.get("rules", {}).items()
    }
    return rule_settings_problem(settings)


_SCHEMA: list[dict[str, object]] = []


def _schema() -> dict[str, object]:
    if not _SCHEMA:
        with open(SCHEMA_FILE, encoding="utf-8") as handle:
            schema = fastjson.loads(handle.read())
            assert isinstance(schema, dict)
            _SCHEMA.append(schema)
    return _SCHEMA[0]


def _check(value: object, node: object, root: dict[str, object], at: str) -> str | None:
    """Check `value` against the JSON Schema subset pydantic emits for Policy."""
    assert isinstance(node, dict)
    where = at or "policy"
    ref = node.get("$ref")
    if isinstance(ref, str):
        defs = root["$defs"]
        assert isinstance(defs, dict)
        return _check(value, defs[ref.rsplit("/", 1)[-1]], root, at)
    if "enum" in node:
        enum = node["enum"]
        assert isinstance(enum, list)
        if value not in enum or type(value) is not str:
            return f"{where}: must be one of {', '.join(map(str, enum))}"
        return None
    kind = node.get("type")
    if kind == "object":
        return _check_object(value, node, root, at)
    if kind == "array":
        if type(value) is not list:
            return f"{where}: must be a list"
        for index, item in enumerate(value):
            problem = _check(item, node["items"], root, f"{where}.{index}")
            if problem:
                return problem
        return None
    return _check_scalar(value, node, where)


def _check_object(
    value: object, node: dict[str, object], root: dict[str, object], at: str
) -> str | None:
    if type(value) is not dict:
        return f"{at or 'policy'}: must be an object"
    properties = node.get("properties", {})
    assert isinstance(properties, dict)
    extra = node.get("additionalProperties", True)
    for key, item in value.items():
        path = f"{at}.{key}" if at else str(key)
        if key in properties:
            sub = properties[key]
        elif isinstance(extra, dict):
            sub = extra
        else:
            return f"{path}: unknown field"
        problem = _check(item, sub, root, path)
        if problem:
            return problem
    required = node.get("required", [])
    assert isinstance(required, list)
    for key in required:
        if key not in value:
            return f"{at + '.' if at else ''}{key}: field required"
    return None


def _check_scalar(value: object, node: dict[str, object], where: str) -> str | None:
    kind = node.get("type")
    python = {"string": str, "integer": int, "boolean": bool}.get(str(kind))
    if python is None:
        return f"{where}: unsupported schema type {kind!r}"
    if type(value) is not python:
        return f"{where}: must be a {kind}"
    if kind == "integer":
        assert isinstance(value, int)
        low, high = node.get("minimum"), node.get("maximum")
        if isinstance(low, int) and value < low:
            return f"{where}: must be at least {low}"
        if isinstance(high, int) and value > high:
            return f"{where}: must be at most {high}"
    if kind == "string":
        assert isinstance(value, str)
        limit = node.get("maxLength")
        if isinstance(limit, int) and len(value) > limit:
            return f"{where}: longer than {limit} characters"
    return None
