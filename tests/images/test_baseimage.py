"""The base-image step: names it can build, the sources it writes, the trim."""

from __future__ import annotations

from pathlib import Path

import pytest
from scc.baseimage import (
    BaseImageError,
    _trim,
    ensure_base_image,
    sources_list,
    suite_for,
)


@pytest.mark.parametrize(
    ("name", "suite"),
    [
        ("debian:bookworm-slim", "bookworm"),
        ("debian:bookworm", "bookworm"),
        ("debian:trixie-slim", "trixie"),
        ("debian", "bookworm"),
        ("registry.corp/library/debian:bookworm-slim", "bookworm"),
    ],
)
def test_debian_names_map_to_suites(name: str, suite: str) -> None:
    assert suite_for(name) == suite


@pytest.mark.parametrize("name", ["ubuntu:22.04", "debian:sid-slim", "alpine:3"])
def test_other_bases_cannot_be_bootstrapped(name: str) -> None:
    with pytest.raises(BaseImageError, match="only debian"):
        suite_for(name)


@pytest.mark.parametrize(
    ("mirror", "security"),
    [
        ("http://deb.debian.org/debian", "http://deb.debian.org/debian-security"),
        ("http://mirror.corp/debian/", "http://mirror.corp/debian-security"),
        ("http://mirror.corp/apt", None),
    ],
)
def test_sources_name_updates_and_security_where_it_lives(
    mirror: str, security: str | None
) -> None:
    text = sources_list(mirror, "bookworm")
    assert "bookworm main" in text
    assert "bookworm-updates main" in text
    if security:
        assert f"deb {security} bookworm-security main" in text
    else:
        assert "security" not in text


def test_trim_keeps_copyrights_and_drops_docs(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    files = {
        "usr/share/doc/git/copyright": True,
        "usr/share/doc/git/changelog.gz": False,
        "usr/share/man/man1/git.1.gz": False,
        "usr/share/locale/locale.alias": True,
        "usr/share/locale/de/LC_MESSAGES/git.mo": False,
        "var/lib/apt/lists/deb.debian.org_Packages": False,
        "usr/bin/git": True,
    }
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    for name in ("etc/dpkg/dpkg.cfg.d", "etc/apt/apt.conf.d"):
        (root / name).mkdir(parents=True)
    _trim(root, "http://deb.debian.org/debian", "bookworm")
    for name, kept in files.items():
        assert (root / name).exists() is kept, name
    assert (
        "path-exclude /usr/share/doc/*"
        in (root / "etc/dpkg/dpkg.cfg.d/docker-slim").read_text()
    )


@pytest.mark.docker
def test_a_present_base_is_used_as_it_is(docker_client) -> None:  # type: ignore[no-untyped-def]
    said: list[str] = []
    assert ensure_base_image(docker_client, say=said.append) == "present"
    assert said == []
