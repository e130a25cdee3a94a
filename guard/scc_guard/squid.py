"""Render the egress proxy's Squid configuration from the session policy.

The rule order is the security property, so it is fixed here and asserted by
tests on the rendered text:

1. IP literals (IPv4 in any spelling Squid or a resolver might accept, IPv6)
   are refused by a name-only regex, before anything can resolve them.
2. Ports and methods: CONNECT only to 443, plain HTTP only to port 80.
3. The allowlist, matched with ``-n`` (no reverse lookups), so a name outside
   it is refused before any rule that needs DNS: a denied name is never looked
   up, and the proxy cannot be used to leak data through DNS queries.
4. Only then the destination check, which resolves the (allowed) name and
   refuses it when any address is loopback, private, link-local, metadata or
   otherwise internal.
5. Allow what is left on the allowlist; deny everything else with 403.
"""

from __future__ import annotations

import re

from scc_guard.policy import AUDIT_DIR, NetworkMode, Policy

__all__ = [
    "BLOCKED_NETWORKS",
    "IP_LITERAL_PATTERN",
    "SquidConfigError",
    "render_squid_conf",
]

PROXY_LOG = f"{AUDIT_DIR}/proxy.jsonl"

BLOCKED_NETWORKS: tuple[str, ...] = (
    "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
    "10.0.0.0/8",
    "100.64.0.0/10",  # carrier-grade NAT; holds Alibaba's 100.100.100.200
    "127.0.0.0/8",
    "169.254.0.0/16",  # link-local; holds 169.254.169.254 metadata
    "172.16.0.0/12",
    "192.0.0.0/24",  # IETF protocol assignments, incl. Oracle's 192.0.0.192
    "192.168.0.0/16",
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, incl. broadcast
    "::/128",
    "::1/128",
    "fc00::/7",  # unique local, incl. AWS's fd00:ec2::254 metadata
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
)
"""Destinations an allowed name may not resolve to (any address matching)."""

IP_LITERAL_PATTERN = r"(^|\.)(0x[0-9a-f]*|[0-9]+)\.?$|:|^\["
"""A host whose last label is numeric (decimal, octal or hex) is an IPv4
literal to inet_aton and to WHATWG URL parsers (127.1, 2130706433, 0x7f.1,
0177.0.0.1); a colon or bracket marks IPv6."""

_LABEL = r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_WILDCARD_PREFIX = "*."


class SquidConfigError(ValueError):
    """The policy cannot be rendered into a safe Squid configuration."""


def render_squid_conf(
    policy: Policy,
    *,
    listen_port: int = 3128,
    dns_nameservers: list[str] | None = None,
    log_path: str = PROXY_LOG,
    visible_hostname: str = "scc-proxy",
) -> str:
    """Return squid.conf text enforcing ``policy``'s egress allowlist.

    In ``open`` mode every well-formed name passes the allowlist step; the
    literal, port and internal-destination refusals still apply.
    """
    exact, suffixes = _split_allowlist(policy.allowed_hosts)
    open_mode = policy.network_mode is NetworkMode.OPEN
    sections = [
        _header(policy),
        _service(listen_port, visible_hostname, dns_nameservers or []),
        _logging(log_path),
        _acls(exact, suffixes),
        _access(open_mode, has_allowlist=bool(exact or suffixes)),
    ]
    return "\n".join(sections)


def _split_allowlist(hosts: tuple[str, ...]) -> tuple[list[str], list[str]]:
    exact: list[str] = []
    suffixes: list[str] = []
    for raw in hosts:
        host = raw.strip().lower().rstrip(".")
        is_wildcard = host.startswith(_WILDCARD_PREFIX)
        name = host.removeprefix(_WILDCARD_PREFIX)
        _check_host(raw, name)
        target = suffixes if is_wildcard else exact
        if name not in target:
            target.append(name)
    return sorted(exact), sorted(suffixes)


def _check_host(raw: str, name: str) -> None:
    if not _HOST_RE.fullmatch(name) or len(name) > 253:
        raise SquidConfigError(f"allowed host {raw!r} is not a valid host name")
    if re.search(IP_LITERAL_PATTERN, name):
        raise SquidConfigError(
            f"allowed host {raw!r} is an IP address; only names can be allowed"
        )


def _header(policy: Policy) -> str:
    session = policy.session or "-"
    return (
        "# Rendered by scc_guard.squid from the session policy; do not edit.\n"
        f"# session: {_comment_safe(session)}  mode: {policy.network_mode.value}\n"
    )


def _service(port: int, hostname: str, nameservers: list[str]) -> str:
    if not 0 < port < 65536:
        raise SquidConfigError(f"listen port {port} is out of range")
    if not _HOST_RE.fullmatch(hostname):
        raise SquidConfigError(f"visible hostname {hostname!r} is not a host name")
    lines = [
        f"http_port {port}",
        f"visible_hostname {hostname}",
        "httpd_suppress_version_string on",
        "pid_filename none",
        "# No cache of any kind: every request goes to its origin.",
        "cache deny all",
        "cache_mem 0 MB",
        "memory_cache_shared off",
        "netdb_filename none",
        "# Reveal nothing about the client to the origin.",
        "via off",
        "forwarded_for delete",
        "request_header_access X-Forwarded-For deny all",
        "request_header_access Via deny all",
        "# No ICMP pinger, no lingering on stop.",
        "pinger_enable off",
        "shutdown_lifetime 1 seconds",
    ]
    if nameservers:
        for server in nameservers:
            if not re.fullmatch(r"[0-9a-fA-F.:]+", server):
                raise SquidConfigError(f"DNS server {server!r} is not an IP address")
        lines.append(f"dns_nameservers {' '.join(nameservers)}")
    return "\n".join(lines) + "\n"


def _logging(log_path: str) -> str:
    if not log_path.startswith("/") or re.search(r"\s", log_path):
        raise SquidConfigError(f"log path {log_path!r} must be absolute, no spaces")
    fields = (
        '"time":"%{%Y-%m-%dT%H:%M:%S}tg.%03tuZ"',
        '"client":"%>a"',
        '"method":"%"rm"',
        '"host":"%">rd"',
        '"port":"%>rP"',
        '"status":"%>Hs"',
        '"bytes":"%<st"',
        '"decision":"%Ss"',
    )
    return (
        f"logformat scc_json {{{','.join(fields)}}}\n"
        f"access_log stdio:{log_path} logformat=scc_json\n"
        "cache_log stdio:/dev/stderr\n"
        "cache_store_log none\n"
        "logfile_rotate 0\n"
    )


def _acls(exact: list[str], suffixes: list[str]) -> str:
    lines = [
        f"acl scc_ip_literal dstdom_regex -n -i {IP_LITERAL_PATTERN}",
        "acl scc_connect method CONNECT",
        "acl scc_tls_port port 443",
        "acl scc_http_port port 80",
        "acl scc_http proto HTTP",
    ]
    parts = []
    if exact:
        lines.append(f"acl scc_allowed_name dstdomain -n {' '.join(exact)}")
        parts.append("scc_allowed_name")
    if suffixes:
        regexes = " ".join(_suffix_regex(suffix) for suffix in suffixes)
        lines.append(f"acl scc_allowed_below dstdom_regex -n -i {regexes}")
        parts.append("scc_allowed_below")
    if parts:
        lines.append(f"acl scc_allowed any-of {' '.join(parts)}")
    lines.append(f"acl scc_internal dst {' '.join(BLOCKED_NETWORKS)}")
    return "\n".join(lines) + "\n"


def _suffix_regex(suffix: str) -> str:
    """Any name strictly below ``suffix`` (the policy's ``*.suffix``)."""
    return r"\." + re.escape(suffix).replace(r"\-", "-") + "$"


def _access(open_mode: bool, *, has_allowlist: bool) -> str:
    lines = [
        "# 1. IP literals, matched on the name alone.",
        "http_access deny scc_ip_literal",
        "# 2. CONNECT only to 443; plain HTTP only to 80.",
        "http_access deny scc_connect !scc_tls_port",
        "http_access deny !scc_connect !scc_http_port",
        "http_access deny !scc_connect !scc_http",
    ]
    if not open_mode:
        lines.append("# 3. The allowlist, before anything that resolves names.")
        lines.append(
            "http_access deny !scc_allowed" if has_allowlist else "http_access deny all"
        )
    lines += [
        "# 4. Allowed names must not resolve to internal addresses.",
        "http_access deny scc_internal",
        "# 5. What is left is allowed; everything else is refused.",
        "http_access allow scc_allowed" if has_allowlist and not open_mode else "",
        "http_access allow all" if open_mode else "",
        "http_access deny all",
        "http_reply_access allow all",
        "icp_access deny all",
        "htcp_access deny all",
        "snmp_access deny all",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def _comment_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._:-]", "_", text)
