"""An org config over HTTPS: ETag cache, last good copy, never an invalid one.

The server is a local HTTPS server on 127.0.0.1 with a certificate from a
throwaway CA that the tests pass through the CA option.
"""

from __future__ import annotations

import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from scc.config import ConfigError, cache_dir, resolve_ca_cert
from scc.layers import UserConfig
from scc.merge import resolve_session
from scc.orgfetch import load_org

GOOD = "name: acme\nsecurity: {network_mode: web-egress-enforced}\n"
NEWER = "name: acme-v2\n"
INVALID = "name: acme\nsecurity: {network_mode: everything}\n"


@dataclass
class Served:
    """What the server answers, and what it was asked."""

    body: str = GOOD
    etag: str = '"v1"'
    status: int = 200
    location: str = ""
    asked_etags: list[str | None] = field(default_factory=list)


@dataclass(frozen=True)
class TLS:
    ca: Path
    cert: Path
    key: Path
    other_ca: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(cwd: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
        "-subj", f"/CN=scc test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLS:
    cwd = tmp_path_factory.mktemp("tls")
    _make_ca(cwd, "ca")
    _make_ca(cwd, "other")
    (cwd / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1", cwd=cwd,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2",
        "-extfile", "ext.cnf", cwd=cwd,
    )  # fmt: skip
    return TLS(
        cwd / "ca.pem", cwd / "server.pem", cwd / "server.key", cwd / "other.pem"
    )


@pytest.fixture
def served() -> Served:
    return Served()


@pytest.fixture
def server(tls: TLS, served: Served) -> Iterator[tuple[str, Callable[[], None]]]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked = self.headers.get("If-None-Match")
            served.asked_etags.append(asked)
            if served.location:
                self.send_response(302)
                self.send_header("Location", served.location)
                self.end_headers()
                return
            if served.status == 200 and asked == served.etag:
                self.send_response(304)
                self.end_headers()
                return
            body = served.body.encode()
            self.send_response(served.status)
            self.send_header("ETag", served.etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            httpd.shutdown()
            httpd.server_close()
            stopped = True

    yield f"https://127.0.0.1:{httpd.server_address[1]}/org.yaml", stop
    stop()


@pytest.fixture
def url(server: tuple[str, Callable[[], None]]) -> str:
    return server[0]


def _cached_bodies() -> list[str]:
    return sorted(p.read_text() for p in (cache_dir() / "org").glob("*.yaml"))


def test_first_fetch_is_used_and_cached(url: str, tls: TLS, served: Served) -> None:
    loaded = load_org(url, tls.ca)

    assert loaded.config.name == "acme"
    assert loaded.warnings == ()
    assert served.asked_etags == [None]
    assert _cached_bodies() == [GOOD]


def test_refetch_sends_the_etag_and_uses_the_cache_on_304(
    url: str, tls: TLS, served: Served
) -> None:
    load_org(url, tls.ca)
    loaded = load_org(url, tls.ca)

    assert served.asked_etags == [None, '"v1"']
    assert loaded.config.name == "acme"
    assert loaded.warnings == ()


def test_a_changed_config_replaces_the_cached_one(
    url: str, tls: TLS, served: Served
) -> None:
    load_org(url, tls.ca)
    served.body, served.etag = NEWER, '"v2"'
    loaded = load_org(url, tls.ca)

    assert loaded.config.name == "acme-v2"
    assert _cached_bodies() == [NEWER]


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda s, stop: setattr(s, "status", 500), "HTTP 500"),
        (lambda s, stop: stop(), "Connection refused"),
    ],
    ids=["server error", "server down"],
)
def test_fetch_failure_falls_back_to_the_last_good_copy_with_a_warning(
    server: tuple[str, Callable[[], None]],
    tls: TLS,
    served: Served,
    break_it: Callable[[Served, Callable[[], None]], None],
    reason: str,
) -> None:
    url, stop = server
    load_org(url, tls.ca)
    break_it(served, stop)
    loaded = load_org(url, tls.ca)

    assert loaded.config.name == "acme"
    (warning,) = loaded.warnings
    assert f"cannot fetch org config {url}" in warning
    assert reason in warning
    assert "using the last good copy from" in warning


def test_an_invalid_fetched_config_is_never_cached_or_used(
    url: str, tls: TLS, served: Served
) -> None:
    load_org(url, tls.ca)
    served.body, served.etag = INVALID, '"bad"'
    loaded = load_org(url, tls.ca)

    assert loaded.config.name == "acme"
    assert "fetched org config is invalid" in loaded.warnings[0]
    assert "security.network_mode: Input should be" in loaded.warnings[0]
    assert _cached_bodies() == [GOOD]
    load_org(url, tls.ca)
    assert served.asked_etags[-1] == '"v1"'


def test_validate_judges_the_fetched_config_not_the_cached_one(
    scc: Callable[..., Result],
    url: str,
    tls: TLS,
    served: Served,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCC_CA_CERT", str(tls.ca))
    assert scc("policy", "validate", url).stdout == f"ok: {url} (org)\n"
    served.body, served.etag = INVALID, '"bad"'
    result = scc("policy", "validate", url)

    assert result.exit_code == 1
    assert result.stderr.startswith("scc: error: fetched org config is invalid: ")
    assert "last good copy" not in result.stderr


def test_an_invalid_first_fetch_is_an_error_and_caches_nothing(
    url: str, tls: TLS, served: Served
) -> None:
    served.body = INVALID
    with pytest.raises(ConfigError, match="no cached copy to fall back on"):
        load_org(url, tls.ca)
    assert _cached_bodies() == []


@pytest.mark.parametrize("ca", [None, "other"], ids=["system CAs", "another CA"])
def test_an_untrusted_certificate_fails(url: str, tls: TLS, ca: str | None) -> None:
    with pytest.raises(ConfigError, match="CERTIFICATE_VERIFY_FAILED"):
        load_org(url, tls.other_ca if ca else None)
    assert _cached_bodies() == []


def test_a_redirect_to_plain_http_is_refused(
    url: str, tls: TLS, served: Served
) -> None:
    served.location = "http://127.0.0.1:9/org.yaml"
    with pytest.raises(ConfigError, match="redirected to a non-https URL"):
        load_org(url, tls.ca)


def test_setup_with_a_url_and_ca_cert_flag(
    scc: Callable[..., Result], url: str, tls: TLS, config_home: Path
) -> None:
    result = scc("setup", "--org", url, "--ca-cert", str(tls.ca), "--no-credentials")

    assert result.exit_code == 0, result.output
    config = yaml.safe_load((config_home / "config.yaml").read_text())
    assert config["org"] == url
    assert config["ca_cert"] == str(tls.ca)


def test_a_session_reads_the_url_with_the_ca_from_the_environment(
    url: str, tls: TLS, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = UserConfig(org=url)
    from scc.config import save_user_config

    save_user_config(config)
    monkeypatch.setenv("SCC_CA_CERT", str(tls.ca))
    settings = resolve_session(workspace)

    assert settings.ca_cert == tls.ca.resolve()
    assert settings.policy.network_mode.value == "web-egress-enforced"


@pytest.mark.parametrize(
    ("flag", "env", "config", "chosen"),
    [
        ("flag", "env", "config", "flag"),
        (None, "env", "config", "env"),
        (None, None, "config", "config"),
        (None, None, None, None),
    ],
)
def test_ca_cert_precedence_is_flag_then_env_then_config(
    tls: TLS,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str | None,
    env: str | None,
    config: str | None,
    chosen: str | None,
) -> None:
    for name in ("flag", "env", "config"):
        (tmp_path / f"{name}.pem").write_text(tls.ca.read_text())
    if env:
        monkeypatch.setenv("SCC_CA_CERT", str(tmp_path / "env.pem"))
    user = UserConfig(ca_cert=str(tmp_path / "config.pem") if config else None)
    found = resolve_ca_cert(tmp_path / "flag.pem" if flag else None, user)
    assert found == (tmp_path / f"{chosen}.pem" if chosen else None)


def test_a_bad_ca_cert_in_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCC_CA_CERT", str(tmp_path / "none.pem"))
    with pytest.raises(ConfigError, match=r"^SCC_CA_CERT: cannot read .*none\.pem"):
        resolve_ca_cert(None, UserConfig())
