"""Named destination sets: the hosts a session may reach, grouped so teams combine them.

Host patterns are exact names or `*.suffix` (any name below suffix), as the
guard's policy and the proxy understand them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from scc_guard.policyfile import host_pattern_problem

PROVIDERS = ("claude", "codex")

BUILTIN_SETS: Mapping[str, tuple[str, ...]] = {
    # The providers' own API and login hosts; allowed automatically for the
    # session's provider.
    "claude": (
        "api.anthropic.com",
        "console.anthropic.com",
        "claude.ai",
        "platform.claude.com",
    ),
    "codex": ("api.openai.com", "auth.openai.com", "chatgpt.com"),
    "github": (
        "github.com",
        "api.github.com",
        "codeload.github.com",
        "objects.githubusercontent.com",
        "raw.githubusercontent.com",
    ),
    "pypi": ("pypi.org", "files.pythonhosted.org"),
    "npm": ("registry.npmjs.org",),
}

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def check_host(pattern: str) -> str:
    """The pattern normalised to lower case; ValueError saying why if invalid."""
    host = pattern.strip().lower().rstrip(".")
    problem = host_pattern_problem(host)
    if problem:
        raise ValueError(problem)
    name = host.removeprefix("*.")
    if not host or "*" in name:
        raise ValueError(f"{pattern!r} is not a host name or '*.suffix'")
    if _is_ip(name):
        raise ValueError(f"{pattern!r} is an IP address; name a host instead")
    labels = name.split(".")
    if len(labels) < 2 and host != name:
        raise ValueError(f"{pattern!r} is too wide: '*.' needs a domain below it")
    if not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"{pattern!r} is not a valid host name")
    return host


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return text.replace(".", "").isdigit()
    return True


def covers(pattern: str, host: str) -> bool:
    """Whether `pattern` admits every name `host` (itself a pattern) admits."""
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    return host.endswith(pattern[1:])


def covered(host: str, patterns: Iterable[str]) -> bool:
    return any(covers(pattern, host) for pattern in patterns)


def hosts_of(names: Iterable[str], custom: Mapping[str, Iterable[str]]) -> list[str]:
    """The hosts of the named sets, built-in or the org's own, in order, once each."""
    found: list[str] = []
    for name in names:
        members = custom.get(name, BUILTIN_SETS.get(name, ()))
        found += [host for host in members if host not in found]
    return found
