"""Properties of the rendered Squid configuration, asserted on the text."""

from __future__ import annotations

import re

import pytest
from scc_guard.policy import NetworkMode, Policy
from scc_guard.squid import (
    BLOCKED_NETWORKS,
    IP_LITERAL_PATTERN,
    SquidConfigError,
    render_squid_conf,
)

ENFORCED = Policy(allowed_hosts=("api.anthropic.com", "*.pypi.org", "github.com"))
POLICIES = {
    "enforced": ENFORCED,
    "locked": ENFORCED.model_copy(update={"network_mode": NetworkMode.LOCKED}),
    "empty": Policy(),
    "open": Policy(network_mode=NetworkMode.OPEN),
}
# ACL types Squid can decide from the request line alone, without DNS.
NAME_ONLY_TYPES = {"dstdomain", "dstdom_regex", "port", "method", "proto", "any-of"}


def acls(conf: str) -> dict[str, list[str]]:
    """ACL name -> its lines' words after the name (type, flags, values)."""
    found: dict[str, list[str]] = {}
    for line in conf.splitlines():
        if line.startswith("acl "):
            _, name, *rest = line.split()
            found.setdefault(name, []).extend(rest)
    return found


def access_rules(conf: str) -> list[str]:
    return [
        line.removeprefix("http_access ")
        for line in conf.splitlines()
        if line.startswith("http_access ")
    ]


def position(rules: list[str], rule: str) -> int:
    assert rule in rules, f"{rule!r} missing from {rules}"
    return rules.index(rule)


@pytest.mark.parametrize("name", ["enforced", "locked"])
def test_rules_come_in_the_safe_order(name: str) -> None:
    rules = access_rules(render_squid_conf(POLICIES[name]))
    order = [
        "deny scc_ip_literal",
        "deny scc_connect !scc_tls_port",
        "deny !scc_connect !scc_http_port",
        "deny !scc_allowed",
        "deny scc_internal",
        "allow scc_allowed",
        "deny all",
    ]
    positions = [position(rules, rule) for rule in order]
    assert positions == sorted(positions)
    assert rules[-1] == "deny all"


@pytest.mark.parametrize("name", ["enforced", "locked", "empty"])
def test_no_rule_before_the_allowlist_needs_dns(name: str) -> None:
    conf = render_squid_conf(POLICIES[name])
    types = {acl: words[0] for acl, words in acls(conf).items()}
    rules = access_rules(conf)
    allowlist_step = next(
        (i for i, r in enumerate(rules) if r in ("deny !scc_allowed", "deny all")),
        len(rules),
    )
    for rule in rules[:allowlist_step]:
        for word in rule.split()[1:]:
            acl = word.lstrip("!")
            assert types[acl] in NAME_ONLY_TYPES, f"{rule!r} uses {types[acl]}"


@pytest.mark.parametrize("name", list(POLICIES))
def test_names_are_matched_without_reverse_lookups(name: str) -> None:
    conf = render_squid_conf(POLICIES[name])
    for words in acls(conf).values():
        if words[0] in ("dstdomain", "dstdom_regex"):
            assert words[1] == "-n"
    assert "dstdomain -n api.anthropic.com github.com" in render_squid_conf(ENFORCED)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0X7F000001",
        "0177.0.0.1",
        "0177.0.0.01",
        "127.1",
        "127.0.1",
        "0x7f.0.0.1",
        "0x7f.1",
        "169.254.169.254",
        "169.254.169.254.",
        "10.0.0.1",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
        "fe80::1%25eth0",
        "fd00:ec2::254",
    ],
)
def test_ip_literals_in_every_spelling_are_refused(host: str) -> None:
    assert re.search(IP_LITERAL_PATTERN, host, re.IGNORECASE)
    conf = render_squid_conf(ENFORCED)
    assert f"acl scc_ip_literal dstdom_regex -n -i {IP_LITERAL_PATTERN}" in conf


@pytest.mark.parametrize(
    "host",
    ["github.com", "api.anthropic.com", "1password.com", "x0x1.example", "a-1.b"],
)
def test_host_names_are_not_taken_for_ip_literals(host: str) -> None:
    assert not re.search(IP_LITERAL_PATTERN, host, re.IGNORECASE)


def test_connect_only_to_443_and_plain_http_only_to_80() -> None:
    conf = render_squid_conf(ENFORCED)
    assert "acl scc_tls_port port 443" in conf.splitlines()
    assert "acl scc_http_port port 80" in conf.splitlines()
    rules = access_rules(conf)
    assert "deny scc_connect !scc_tls_port" in rules
    assert "deny !scc_connect !scc_http_port" in rules
    assert "deny !scc_connect !scc_http" in rules


@pytest.mark.parametrize(
    "network",
    [
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    ],
)
def test_internal_destinations_are_refused(network: str) -> None:
    assert network in acls(render_squid_conf(ENFORCED))["scc_internal"]


def test_test_networks_stay_reachable_by_name() -> None:
    """Test servers sit on 198.18.0.0/15, which is not internal to the proxy."""
    assert not any(n.startswith("198.1") for n in BLOCKED_NETWORKS)


@pytest.mark.parametrize("name", list(POLICIES))
def test_no_cache_and_nothing_revealed_about_the_client(name: str) -> None:
    lines = render_squid_conf(POLICIES[name]).splitlines()
    for expected in (
        "cache deny all",
        "cache_mem 0 MB",
        "via off",
        "forwarded_for delete",
        "request_header_access X-Forwarded-For deny all",
    ):
        assert expected in lines
    assert not any(line.startswith("cache_dir") for line in lines)


def test_an_empty_allowlist_allows_nothing() -> None:
    rules = access_rules(render_squid_conf(Policy()))
    assert not [rule for rule in rules if rule.startswith("allow")]
    assert position(rules, "deny all") < position(rules, "deny scc_internal")


def test_open_mode_still_refuses_literals_and_internal_destinations() -> None:
    rules = access_rules(render_squid_conf(POLICIES["open"]))
    assert position(rules, "deny scc_ip_literal") < position(rules, "allow all")
    assert position(rules, "deny scc_internal") < position(rules, "allow all")
    assert rules[-1] == "deny all"


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("*.pypi.org", "files.pypi.org", True),
        ("*.pypi.org", "a.b.pypi.org", True),
        ("*.pypi.org", "pypi.org", False),
        ("*.pypi.org", "evilpypi.org", False),
        ("*.pypi.org", "pypi.org.evil.com", False),
        ("*.my-mirror.example", "x.my-mirror.example", True),
    ],
)
def test_wildcards_match_only_names_below_the_suffix(
    pattern: str, host: str, matches: bool
) -> None:
    conf = render_squid_conf(Policy(allowed_hosts=(pattern,)))
    regexes = acls(conf)["scc_allowed_below"][3:]
    assert any(re.search(r, host, re.IGNORECASE) for r in regexes) is matches


@pytest.mark.parametrize(
    "host",
    [
        "evil.com\nhttp_access allow all",
        "evil.com http_access",
        "1.2.3.4",
        "*.10.0.0.1",
        "::1",
        "",
        "*.",
        "a..b",
        "-bad.com",
        "bad#.com",
    ],
)
def test_unsafe_allowlist_entries_are_refused(host: str) -> None:
    # model_construct skips the policy's own validation: the renderer must
    # refuse on its own, whatever policy object it is handed.
    with pytest.raises(SquidConfigError):
        render_squid_conf(Policy.model_construct(allowed_hosts=(host,)))


def test_allowlist_is_normalised_and_deduplicated() -> None:
    conf = render_squid_conf(Policy(allowed_hosts=("GitHub.com.", "github.com")))
    assert acls(conf)["scc_allowed_name"] == ["dstdomain", "-n", "github.com"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"listen_port": 3129}, "http_port 3129"),
        ({"dns_nameservers": ["1.1.1.1", "::1"]}, "dns_nameservers 1.1.1.1 ::1"),
        (
            {"log_path": "/tmp/p.jsonl"},
            "access_log stdio:/tmp/p.jsonl logformat=scc_json",
        ),
    ],
)
def test_service_options_are_rendered(kwargs: dict[str, object], expected: str) -> None:
    assert expected in render_squid_conf(ENFORCED, **kwargs).splitlines()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"listen_port": 0},
        {"dns_nameservers": ["8.8.8.8 ; evil"]},
        {"log_path": "relative.jsonl"},
        {"visible_hostname": "a b"},
    ],
)
def test_bad_service_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(SquidConfigError):
        render_squid_conf(ENFORCED, **kwargs)  # type: ignore[arg-type]


def test_access_log_is_json_lines_with_the_audit_fields() -> None:
    conf = render_squid_conf(ENFORCED)
    logformat = next(
        line for line in conf.splitlines() if line.startswith("logformat scc_json ")
    )
    for field in ("time", "client", "method", "host", "port", "status", "bytes"):
        assert f'"{field}":' in logformat
    assert "access_log stdio:/var/log/scc/proxy.jsonl logformat=scc_json" in conf
