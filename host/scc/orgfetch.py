"""Reading the org config from a file or an HTTPS URL, with a last-good cache.

A URL is fetched with If-None-Match against the cached ETag. When the fetch
fails, the last good copy is used with a warning. A fetched config that does
not validate is never cached and never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scc import __version__
from scc.config import ConfigError, cache_dir, write_private
from scc.layers import LayerError, OrgConfig, load_layer, parse_layer

log = logging.getLogger(__name__)

MAX_BYTES = 1 << 20
TIMEOUT = 10.0


@dataclass(frozen=True)
class LoadedOrg:
    config: OrgConfig
    origin: str
    warnings: tuple[str, ...] = ()
    problem: str | None = None
    """Why the last good copy is used instead of a fresh one, if it is."""


def is_url(source: str) -> bool:
    return "://" in source


def load_org(source: str, ca_cert: Path | None = None) -> LoadedOrg:
    """The org config named by `source`: a local path or an https:// URL."""
    if not is_url(source):
        return LoadedOrg(load_layer(Path(source), OrgConfig), source)
    if not source.lower().startswith("https://"):
        raise ConfigError(f"org config {source}: only https:// URLs are accepted")
    return _load_remote(source, ca_cert)


def _load_remote(url: str, ca_cert: Path | None) -> LoadedOrg:
    cache = _OrgCache(url)
    try:
        status, text, etag = _fetch(url, cache.etag(), ca_cert)
    except _FetchFailed as exc:
        return cache.fallback(f"cannot fetch org config {url} ({exc})")
    if status == 304:
        cached = cache.text()
        if cached is not None:
            return LoadedOrg(parse_layer(cached, OrgConfig, url), url)
        return cache.fallback(f"{url} answered 304 but no copy is cached")
    try:
        config = parse_layer(text, OrgConfig, url)
    except LayerError as exc:
        return cache.fallback(f"fetched org config is invalid: {exc.message}")
    cache.store(text, etag)
    return LoadedOrg(config, url)


class _FetchFailed(Exception):
    pass


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.lower().startswith("https://"):
            raise _FetchFailed(f"redirected to a non-https URL {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, etag: str | None, ca_cert: Path | None) -> tuple[int, str, str]:
    context = ssl.create_default_context()
    if ca_cert is not None:
        context.load_verify_locations(cafile=str(ca_cert))
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), _HttpsOnlyRedirects()
    )
    request = urllib.request.Request(url, headers={"User-Agent": f"scc/{__version__}"})
    if etag:
        request.add_header("If-None-Match", etag)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_BYTES + 1)
            new_etag = response.headers.get("ETag", "")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return 304, "", etag or ""
        raise _FetchFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _FetchFailed(" ".join(str(reason).split())) from None
    if len(body) > MAX_BYTES:
        raise _FetchFailed("larger than 1 MiB")
    try:
        return 200, body.decode("utf-8"), new_etag
    except UnicodeDecodeError:
        raise _FetchFailed("not UTF-8 text") from None


class _OrgCache:
    """The last good copy of one URL's org config, with its ETag."""

    def __init__(self, url: str) -> None:
        key = hashlib.sha256(url.encode()).hexdigest()[:24]
        self.url = url
        self.body = cache_dir() / "org" / f"{key}.yaml"
        self.meta = cache_dir() / "org" / f"{key}.json"

    def _meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self.meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) and data.get("url") == self.url else {}

    def etag(self) -> str | None:
        if self.text() is None:
            return None
        return self._meta().get("etag") or None

    def text(self) -> str | None:
        if not self._meta():
            return None
        try:
            return self.body.read_text(encoding="utf-8")
        except OSError:
            return None

    def store(self, text: str, etag: str) -> None:
        write_private(self.body, text)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        meta = {"url": self.url, "etag": etag, "fetched": stamp}
        write_private(self.meta, json.dumps(meta) + "\n")

    def fallback(self, problem: str) -> LoadedOrg:
        cached = self.text()
        if cached is None:
            raise ConfigError(f"{problem}; no cached copy to fall back on")
        config = parse_layer(cached, OrgConfig, f"{self.body} (cached {self.url})")
        fetched = self._meta().get("fetched", "an earlier fetch")
        log.debug("org config fallback: %s", problem)
        warning = f"{problem}; using the last good copy from {fetched}"
        return LoadedOrg(config, self.url, (warning,), problem)
