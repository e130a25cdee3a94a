"""Network tools: every host a command would contact must be allowed.

`open` lets them pass (recorded in the audit); `web-egress-enforced` checks
each host against the policy; `locked-down-web` blocks every contact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from scc_guard.fetchopts import CURL_LONG, CURL_SHORT, WGET_LONG, WGET_SHORT
from scc_guard.getopt import abbreviated
from scc_guard.scope import DYN, Scope

TOOLS = frozenset(
    {
        "curl",
        "wget",
        "ssh",
        "scp",
        "sftp",
        "rsync",
        "nc",
        "ncat",
        "netcat",
        "socat",
        "telnet",
    }
)
FETCHERS = frozenset({"curl", "wget"})

# curl options (long names) whose value is a host the request goes through.
_CURL_PROXIES = frozenset(
    {
        "proxy",
        "proxy1.0",
        "preproxy",
        "socks4",
        "socks4a",
        "socks5",
        "socks5-hostname",
        "doh-url",
    }
)
# curl options that send requests elsewhere than the URLs say, or read more
# options or URLs from elsewhere.
_CURL_UNVERIFIABLE = frozenset(
    {
        "config",
        "connect-to",
        "resolve",
        "unix-socket",
        "abstract-unix-socket",
        "variable",
        "expand-url",
        "netrc-file",
        "alt-svc",
        "dns-servers",
    }
)
# wget options that make it reach hosts the command line does not name, or run
# programs; and those that read URLs or settings from elsewhere.
_WGET_UNVERIFIABLE = frozenset(
    {"input-file", "execute", "config", "span-hosts", "use-askpass", "dns-servers"}
)
HostFinder = Callable[[list[str], Scope], list[str]]

_IPV6_CHARS = frozenset("[]0123456789abcdefABCDEF:.")
_SSH_VALUES = frozenset("BbcDEeFIiJLlmOoPpQRSWw")
_SCP_VALUES = frozenset("cDFiJlPSXo")
_NC_VALUES = frozenset("eIiMmOPpqsTVwXxc")


def tool_name(program: str) -> str | None:
    """The network tool `program` is (Debian's nc.openbsd is nc), or None."""
    if program in TOOLS:
        return program
    base = program.partition(".")[0]
    return base if base in {"nc", "netcat", "ncat"} and base != program else None


_PROXY_VARIABLES = frozenset(
    {"http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "socks_proxy"}
)
_CONFIG_VARIABLES = frozenset({"CURL_HOME", "WGETRC", "CURL_CA_BUNDLE"})


def judge_environment(assignments: list[str], scope: Scope) -> None:
    """Proxy and configuration variables steer where network tools connect.

    A proxy must be an allowed host; NO_PROXY='*' bypasses the egress proxy;
    CURL_HOME and WGETRC load configuration the guard cannot see.
    """
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        lowered = name.lower()
        if lowered in _PROXY_VARIABLES and value:
            judge_hosts(name, [url_host(value, scope)], scope)
        elif lowered == "no_proxy" and ("*" in value or DYN in value):
            if scope.policy.network_mode != "open":
                scope.block("network-egress", f"{name}={value} bypasses the proxy")
        elif name in _CONFIG_VARIABLES and scope.policy.network_mode != "open":
            scope.unverifiable(f"{name} makes a network tool read other settings")
        elif name in {"RSYNC_RSH", "RSYNC_CONNECT_PROG"}:
            scope.unverifiable(f"{name} makes rsync run a program")
        elif name == "RSYNC_PROXY" and value:
            judge_hosts(name, [authority_host(value, scope)], scope)


def judge_fetcher_environment(assignments: list[str], scope: Scope) -> None:
    """curl reads $HOME/.curlrc or $XDG_CONFIG_HOME/curlrc, wget $HOME/.wgetrc."""
    for assignment in assignments:
        name = assignment.partition("=")[0]
        if name in {"HOME", "XDG_CONFIG_HOME"} and scope.policy.network_mode != "open":
            scope.unverifiable(f"{name} makes a network tool read other settings")


def judge_tool(program: str, args: list[str], scope: Scope) -> None:
    program = tool_name(program) or program
    tool = "nc" if program in {"ncat", "netcat"} else program
    judge_hosts(program, _HOSTS[tool](args, scope), scope)


def judge_hosts(program: str, hosts: list[str], scope: Scope) -> None:
    """Every host `program` would contact must be allowed in this mode."""
    mode = scope.policy.network_mode
    for host in hosts:
        if host.startswith(DYN) and mode != "open":
            scope.unverifiable(f"{program} contacts a host computed at run time")
    if not hosts:
        return
    if mode == "open":
        scope.note(
            f"{program} contacts {', '.join(h.replace(DYN, '$?') for h in hosts)}"
        )
        return
    if mode == "locked-down-web":
        scope.block("network-egress", f"{program}: no network tools in locked-down-web")
    for host in hosts:
        if not host_allowed(host, scope.policy.allowed_hosts):
            scope.block(
                "network-egress", f"{program} would contact {host}, not allowed"
            )


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    name = host.lower().rstrip(".")
    if not name or DYN in name:
        return False
    for pattern in allowed:
        if pattern.startswith("*."):
            if name.endswith(pattern[1:]) and len(name) > len(pattern) - 1:
                return True
        elif name == pattern:
            return True
    return False


def url_host(url: str, scope: Scope, default_scheme: bool = True) -> str:
    """The host a URL names; DYN-prefixed when it cannot be known statically."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        rest, scheme = url, "http"
    if DYN in scheme:
        return DYN
    if scheme.lower() not in {
        "http",
        "https",
        "ftp",
        "ftps",
        "ws",
        "wss",
        "ssh",
        "git",
        "rsync",
        "sftp",
        "scp",
        "telnet",
    }:
        scope.unverifiable(f"URL scheme {scheme}:// is not a web request")
    authority = rest
    for end in "/?#":
        authority = authority.partition(end)[0]
    if DYN in authority or (rest == authority and DYN in rest):
        return DYN
    return authority_host(authority, scope)


def authority_host(authority: str, scope: Scope) -> str:
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host = hostport[1:].partition("]")[0]
    else:
        host = hostport.partition(":")[0]
    if any(char in host for char in "{}[]*?\\"):
        scope.unverifiable(f"host {host!r} is a pattern")
    return host


def long_option(
    program: str, word: str, table: Mapping[str, object], scope: Scope
) -> tuple[str, bool]:
    """`word` (after `--`, before any `=`) as the tool reads it: an exact name
    or its one unique abbreviation, else `no-` and a flag's name. Returns the
    name and whether it is negated; anything else cannot be verified."""
    for name, negated in ((word, False), (word.removeprefix("no-"), True)):
        if negated and (not word.startswith("no-") or not name):
            break
        found = abbreviated(name, table)
        if negated:
            found = [option for option in found if not table[option]]
        if len(found) == 1:
            return found[0], negated
    scope.unverifiable(f"{program} option --{word} is unknown or ambiguous")
    return "", False


def _curl(args: list[str], scope: Scope) -> list[str]:
    hosts: list[str] = []
    urls: list[str] = []
    options: list[tuple[str, str]] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith(DYN):
            scope.unverifiable("a curl argument is computed at run time")
        if arg.startswith("--") and len(arg) > 2:
            name, negated = long_option("curl", arg[2:], CURL_LONG, scope)
            value = ""
            if CURL_LONG[name] and not negated:  # curl has no --name=value
                value = args[index] if index < len(args) else ""
                index += 1
            options.append((name if not negated else "no-" + name, value))
        elif arg.startswith("-") and len(arg) > 1:
            found, index = _cluster("curl", arg, args, index, CURL_SHORT, scope)
            options += found
        else:
            urls.append(arg)
    names = [name for name, _ in options]
    if {"help", "version", "manual"} & set(names):
        return []
    outputs = [value for name, value in options if name == "output"]
    if "remote-name" in names or "remote-name-all" in names:
        outputs += [_url_file(url) for url in urls]
    _downloaded_to(outputs, scope)
    for name, value in options:
        _curl_option(name, value, hosts, urls, scope)
    globbing = next(
        (n == "no-globoff" for n in reversed(names) if n.endswith("globoff")), True
    )
    for url in urls:
        authority = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
        if authority.startswith("[") and set(authority) <= _IPV6_CHARS:
            authority = ""  # an IPv6 literal, not a pattern
        if globbing and any(char in authority for char in "{}[]"):
            scope.unverifiable("curl expands a URL pattern into several hosts")
        hosts.append(url_host(url, scope))
    return hosts


def _curl_option(
    name: str, value: str, hosts: list[str], urls: list[str], scope: Scope
) -> None:
    if name in _CURL_UNVERIFIABLE:
        scope.unverifiable(f"curl --{name} changes where requests go")
    elif name == "noproxy" and scope.policy.network_mode != "open":
        scope.block("network-egress", "curl --noproxy bypasses the egress proxy")
    elif name in _CURL_PROXIES:
        hosts.append(url_host(value, scope) if value else DYN)
    elif name == "url":
        urls.append(value)


def _wget(args: list[str], scope: Scope) -> list[str]:
    """As wget's getopt_long reads its arguments: clusters, attached or
    following values, abbreviations, `--no-` flags, operands anywhere."""
    hosts: list[str] = []
    urls: list[str] = []
    options: list[tuple[str, str]] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith(DYN):
            scope.unverifiable("a wget argument is computed at run time")
        if arg == "--":
            urls += args[index:]
            break
        if arg.startswith("--"):
            word, equals, value = arg[2:].partition("=")
            name, negated = long_option("wget", word, WGET_LONG, scope)
            if WGET_LONG[name] == "=" and not equals and not negated:
                value = args[index] if index < len(args) else ""
                index += 1
            options.append((name, value))
        elif arg.startswith("-") and len(arg) > 1:
            found, index = _cluster("wget", arg, args, index, _WGET_LETTERS, scope)
            options += found
        else:
            urls.append(arg)
    names = {name for name, _ in options}
    if {"help", "version"} & names:
        return []
    hosts += [url_host(url, scope) for url in urls]
    outputs = [value for name, value in options if name == "output-document"]
    _downloaded_to(outputs or [_url_file(url) for url in urls], scope)
    for name in names:
        if name in _WGET_UNVERIFIABLE:
            scope.unverifiable(f"wget --{name} reaches hosts or runs what it names")
        if name == "no-proxy" and scope.policy.network_mode != "open":
            scope.block("network-egress", "wget --no-proxy bypasses the egress proxy")
    return hosts


_WGET_LETTERS = {**WGET_SHORT, "n": "n"}  # -nv, -nc: n takes a letter


def _cluster(
    program: str,
    arg: str,
    args: list[str],
    index: int,
    letters: Mapping[str, str],
    scope: Scope,
) -> tuple[list[tuple[str, str]], int]:
    """A cluster of short options (`-sSLo FILE`): each letter's long name,
    and the value of the one that takes it (the rest of the cluster, else
    the next argument); with the index of the argument after them."""
    found: list[tuple[str, str]] = []
    for position, letter in enumerate(arg[1:], start=1):
        name = letters.get(letter, "")
        if not name:
            scope.unverifiable(f"{program} option -{letter} is unknown")
        takes = (
            CURL_LONG[name]
            if program == "curl"
            else (name == "n" or WGET_LONG.get(name) == "=")
        )
        if takes:
            value = arg[position + 1 :]
            if not value:
                value = args[index] if index < len(args) else ""
                index += 1
            found.append((name, value))
            break
        found.append((name, ""))
    return found, index


def _url_file(url: str) -> str:
    """The file name a fetcher gives what it downloads from `url`."""
    path = url.partition("://")[2].partition("?")[0].partition("#")[0]
    return path.rpartition("/")[2] if "/" in path else ""


def _downloaded_to(files: list[str], scope: Scope) -> None:
    for name in files:
        if name and name != "-" and DYN not in name:
            path = scope.resolve(name)
            if path is not None:
                scope.downloads.add(path)


def _ssh_options(
    args: list[str], values: frozenset[str], scope: Scope, program: str
) -> tuple[list[str], list[str]]:
    """Split ssh-family argv into (hosts from options, operands)."""
    hosts, operands, index = [], [], 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            operands.extend(args[index:])
            break
        if arg.startswith(DYN):
            scope.unverifiable(f"a {program} argument is computed at run time")
        if not arg.startswith("-") or len(arg) == 1:
            operands.append(arg)
            if program == "ssh" and len(operands) > 1:
                break  # the rest is the remote command
            continue
        for position, letter in enumerate(arg[1:], start=1):
            if letter == "V" and program == "ssh":
                return [], []
            if letter in values:
                value = arg[position + 1 :]
                if not value:
                    value = args[index] if index < len(args) else ""
                    index += 1
                hosts += _ssh_option(letter, value, scope, program)
                break
    return hosts, operands


def _ssh_option(letter: str, value: str, scope: Scope, program: str) -> list[str]:
    if letter == "J":
        return [
            authority_host(hop.removeprefix("ssh://"), scope)
            for hop in value.split(",")
        ]
    if letter == "F" or (letter == "S" and program != "ssh"):
        scope.unverifiable(f"{program} -{letter} changes how hosts are reached")
    if letter == "o":
        text = value.strip()
        end = next((i for i, c in enumerate(text) if c.isspace() or c == "="), None)
        key = text[:end].lower()
        if key in {
            "proxycommand",
            "proxyjump",
            "localcommand",
            "hostname",
            "knownhostscommand",
            "remotecommand",
            "include",
            "canonicaldomains",
            "canonicalizehostname",
            "canonicalizefallbacklocal",
        }:
            scope.unverifiable(f"{program} -o {key} changes what is contacted or run")
    if letter == "W":
        return [value.rpartition(":")[0]]
    return []


def _ssh(args: list[str], scope: Scope) -> list[str]:
    # OpenSSH reads options after the destination too, up to the command.
    hosts, operands = _ssh_options(args, _SSH_VALUES, scope, "ssh")
    if operands:
        target = operands[0]
        hosts.append(
            url_host(target, scope)
            if "://" in target
            else authority_host(target, scope)
        )
    return hosts


def remote_operand(operand: str, scope: Scope) -> str | None:
    """The host in scp/rsync operands `[user@]host:path`, `host::module`, URLs."""
    if "://" in operand:
        return url_host(operand, scope)
    head = operand.partition(":")[0]
    if ":" not in operand or "/" in head or not head:
        return None
    return authority_host(head, scope)


def _copy(program: str, values: frozenset[str]) -> HostFinder:
    def hosts_of(args: list[str], scope: Scope) -> list[str]:
        hosts, operands = _ssh_options(args, values, scope, program)
        if program == "sftp" and operands and "://" not in operands[0]:
            operands[0] = operands[0].partition(":")[0] + ":"
        for operand in operands:
            host = remote_operand(operand, scope)
            if host is not None:
                hosts.append(host)
        return hosts

    return hosts_of


def _rsync(args: list[str], scope: Scope) -> list[str]:
    hosts, index = [], 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith(DYN):
            scope.unverifiable("an rsync argument is computed at run time")
        name, equals, value = arg.partition("=")
        shell: str | None = None
        if arg.startswith("--"):
            if len(name) > 3 and "--rsh".startswith(name):  # --rsh, --rs
                shell = value if equals else (args[index] if index < len(args) else "")
                index += 0 if equals else 1
            elif not equals and name in _RSYNC_LONG_VALUES:
                index += 1
        elif arg.startswith("-") and len(arg) > 1:
            for position, letter in enumerate(arg[1:], start=1):
                if letter in _RSYNC_SHORT_VALUES:
                    value = arg[position + 1 :]
                    if not value:
                        value = args[index] if index < len(args) else ""
                        index += 1
                    if letter == "e":
                        shell = value
                    break
        else:
            host = remote_operand(arg, scope)
            if host is not None:
                hosts.append(host)
        if shell is not None:
            words = shell.split()
            if words[:1] != ["ssh"] or any(char in shell for char in "'\"\\$`#;&|"):
                scope.unverifiable("rsync -e runs a program other than plain ssh")
            found, operands = _ssh_options(words[1:], _SSH_VALUES, scope, "ssh")
            if operands:
                scope.unverifiable("rsync -e passes operands to ssh")
            hosts += found
    return hosts


_RSYNC_SHORT_VALUES = frozenset("efBTM@")
_RSYNC_LONG_VALUES = frozenset(
    [
        "--exclude",
        "--include",
        "--filter",
        "--files-from",
        "--exclude-from",
        "--include-from",
        "--log-file",
        "--partial-dir",
        "--temp-dir",
        "--compare-dest",
        "--copy-dest",
        "--link-dest",
        "--backup-dir",
        "--suffix",
        "--rsync-path",
        "--password-file",
        "--port",
        "--chmod",
        "--chown",
        "--timeout",
        "--contimeout",
        "--max-size",
        "--min-size",
        "--bwlimit",
        "--out-format",
    ]
)


def _nc(args: list[str], scope: Scope) -> list[str]:
    """nc, ncat, netcat: options anywhere (getopt permutes them), clusters,
    ncat's long options; every operand that is not a port is a host."""
    hosts, operands, index = [], [], 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith(DYN):
            scope.unverifiable("an nc argument is computed at run time")
        if arg.startswith("--") and len(arg) > 2:
            name, equals, value = arg[2:].partition("=")
            if name == "listen":
                scope.block("network-egress", "nc --listen listens for connections")
            if name in {"exec", "sh-exec", "lua-exec"}:
                if scope.policy.network_mode != "open":
                    scope.block("network-egress", f"ncat --{name} runs a program")
            elif name not in _NCAT_LONG:
                scope.unverifiable(f"ncat option --{name} is unknown")
            if _NCAT_LONG.get(name) and not equals:
                value = args[index] if index < len(args) else ""
                index += 1
            if name == "proxy":
                hosts.append(authority_host(value, scope) if value else DYN)
            continue
        if arg.startswith("-") and len(arg) > 1:
            for position, letter in enumerate(arg[1:], start=1):
                if letter == "l":
                    scope.block("network-egress", "nc -l listens for connections")
                if letter not in _NC_VALUES:
                    continue
                value = arg[position + 1 :]
                if not value:
                    value = args[index] if index < len(args) else ""
                    index += 1
                if letter == "x":
                    hosts.append(authority_host(value, scope) if value else DYN)
                if letter in {"e", "c"} and scope.policy.network_mode != "open":
                    scope.block(
                        "network-egress", f"nc -{letter} hands {value} to the network"
                    )
                break
            continue
        operands.append(arg)
    hosts += [op for op in operands if not op.replace("-", "").isdigit()]
    return hosts or [DYN]


_NCAT_LONG = {
    **dict.fromkeys(
        [
            "proxy",
            "proxy-type",
            "proxy-auth",
            "proxy-dns",
            "source",
            "source-port",
            "wait",
            "idle-timeout",
            "output",
            "hex-dump",
            "max-conns",
            "delay",
            "ssl-cert",
            "ssl-key",
            "ssl-trustfile",
            "ssl-ciphers",
            "ssl-servername",
            "ssl-alpn",
            "allow",
            "allowfile",
            "deny",
            "denyfile",
        ],
        True,
    ),
    **dict.fromkeys(
        [
            "ssl",
            "ssl-verify",
            "udp",
            "sctp",
            "verbose",
            "nodns",
            "crlf",
            "send-only",
            "recv-only",
            "no-shutdown",
            "append-output",
            "keep-open",
            "telnet",
            "ipv4",
            "ipv6",
            "vsock",
            "help",
            "version",
            "exec",
            "sh-exec",
            "lua-exec",
            "listen",
            "broker",
            "chat",
            "zero",
        ],
        False,
    ),
}


def _socat(args: list[str], scope: Scope) -> list[str]:
    """Each address names its type; the types that reach a host give it, the
    local ones (stdio, files, pipes, ptys, unix sockets) none, and any other
    type cannot be verified (generic sockets, raw IP, tunnels, programs)."""
    hosts: list[str] = []
    for arg in args:
        if arg.startswith("-") and arg != "-":
            continue
        if DYN in arg:
            scope.unverifiable("a socat address is computed at run time")
        kind, colon, rest = arg.partition(":")
        kind = kind.upper().partition(",")[0]
        if not colon and (kind in {"-", "STDIO", "STDIN", "STDOUT", "STDERR"}):
            continue
        if not colon and "/" in kind:
            continue  # a file name
        if "LISTEN" in kind or "ACCEPT" in kind or "RECV" in kind:
            scope.unverifiable(f"socat {kind} listens")
        elif kind.startswith(_SOCAT_HOSTS):
            hosts.append(rest.partition(":")[0].partition(",")[0])
        elif not kind.startswith(_SOCAT_LOCAL):
            scope.unverifiable(f"socat {kind} reaches what the guard cannot see")
    return hosts


_SOCAT_HOSTS = (
    "TCP",
    "UDP",
    "SCTP",
    "OPENSSL",
    "SSL",
    "SOCKS",
    "PROXY",
    "DCCP",
    "UDPLITE",
)
_SOCAT_LOCAL = (
    "STDIO",
    "STDIN",
    "STDOUT",
    "STDERR",
    "FILE",
    "OPEN",
    "CREATE",
    "GOPEN",
    "PIPE",
    "PTY",
    "FD",
    "READLINE",
    "UNIX-CONNECT",
    "UNIX-CLIENT",
    "UNIX-SENDTO",
)


def _telnet(args: list[str], scope: Scope) -> list[str]:
    """telnet [-l user] [-b addr] [-e char] [-n file] ... host [port]."""
    operands, index = [], 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg.startswith("-") and len(arg) > 1:
            if arg[-1] in "lbenXk" and len(arg) == 2:
                index += 1  # the option's value
            continue
        operands.append(arg)
    return operands[:1]


_HOSTS = {
    "curl": _curl,
    "wget": _wget,
    "ssh": _ssh,
    "scp": _copy("scp", _SCP_VALUES),
    "sftp": _copy("sftp", frozenset("BbcDFiJlPRSso")),
    "rsync": _rsync,
    "nc": _nc,
    "socat": _socat,
    "telnet": _telnet,
}
