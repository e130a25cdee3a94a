"""Make sure the base image the Dockerfiles name exists, even without a registry.

Order: use the local image, else pull it, else build an equivalent from Debian's
packages with debootstrap and import it under the same name. Air-gapped sites
and machines whose registry is unreachable get the same image name either way.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker
import docker.errors

from scc.errors import SccError

log = logging.getLogger(__name__)

DEFAULT_BASE = "debian:bookworm-slim"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
SUITES = {"bookworm": "12", "trixie": "13"}

# What the official slim variant leaves out, as dpkg path excludes, so that
# packages installed later stay slim too.
SLIM_DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
"""


class BaseImageError(SccError):
    """The base image is missing and could not be pulled or built."""


def ensure_base_image(
    client: docker.DockerClient,
    name: str = DEFAULT_BASE,
    mirror: str = DEFAULT_MIRROR,
    say: Callable[[str], None] = log.info,
) -> str:
    """Return how `name` was made available: "present", "pulled" or "built"."""
    try:
        client.images.get(name)
        return "present"
    except docker.errors.ImageNotFound:
        pass
    try:
        say(f"pulling {name}")
        client.images.pull(name)
        return "pulled"
    except docker.errors.APIError as exc:
        say(f"cannot pull {name} ({_first_line(exc)}); building it with debootstrap")
    build_debian_base(client, name, mirror, say)
    return "built"


def suite_for(name: str) -> str:
    repo, _, tag = name.partition(":")
    suite = tag.removesuffix("-slim") or "bookworm"
    if not repo.endswith("debian") or suite not in SUITES:
        raise BaseImageError(
            f"cannot build {name!r} locally: only debian:<suite>[-slim] for "
            f"{', '.join(SUITES)} can be bootstrapped"
        )
    return suite


def build_debian_base(
    client: docker.DockerClient,
    name: str,
    mirror: str,
    say: Callable[[str], None],
) -> None:
    suite = suite_for(name)
    if shutil.which("debootstrap") is None:
        raise BaseImageError(
            f"{name} is missing, cannot be pulled, and debootstrap is not "
            "installed (apt-get install debootstrap)"
        )
    if os.geteuid() != 0:
        raise BaseImageError(
            f"{name} is missing and cannot be pulled; building it with "
            "debootstrap needs root (sudo scc image base)"
        )
    with tempfile.TemporaryDirectory(prefix="scc-base-") as tmp:
        root = Path(tmp) / "rootfs"
        say(f"debootstrap {suite} from {mirror} (a few minutes)")
        _run(["debootstrap", "--variant=minbase", suite, str(root), mirror])
        _trim(root, mirror, suite)
        archive = Path(tmp) / "rootfs.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(root, arcname=".")
        say(f"importing as {name}")
        repository, _, tag = name.partition(":")
        client.api.import_image_from_file(
            str(archive), repository=repository, tag=tag, changes=['CMD ["bash"]']
        )
    client.images.get(name)


def sources_list(mirror: str, suite: str) -> str:
    """APT sources for the image: the suite, its updates, and security.

    The security archive sits beside a mirror's `/debian` as
    `/debian-security` on Debian's own mirrors and on most copies of them; a
    mirror laid out otherwise gets no security line rather than a wrong one.
    """
    mirror = mirror.rstrip("/")
    lines = [f"deb {mirror} {suite} main", f"deb {mirror} {suite}-updates main"]
    if mirror.endswith("/debian"):
        lines.append(f"deb {mirror}-security {suite}-security main")
    return "\n".join(lines) + "\n"


def _trim(root: Path, mirror: str, suite: str) -> None:
    (root / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(SLIM_DPKG_EXCLUDES)
    (root / "etc/apt/sources.list").write_text(sources_list(mirror, suite))
    (root / "etc/apt/apt.conf.d/docker-clean").write_text(
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
        '/var/cache/apt/*.bin || true"; };\n'
        'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n'
    )
    (root / "etc/apt/apt.conf.d/docker-no-languages").write_text(
        'Acquire::Languages "none";\n'
    )
    for pattern in (
        "usr/share/doc/*",
        "usr/share/man/*",
        "usr/share/info/*",
        "usr/share/locale/*",
        "var/lib/apt/lists/*",
        "var/cache/apt/*.bin",
        "var/cache/apt/archives/*.deb",
        "var/log/*.log",
        "var/log/apt/*",
    ):
        for path in root.glob(pattern):
            if path.name == "copyright" or path.name == "locale.alias":
                continue
            if path.is_dir() and not path.is_symlink():
                for sub in path.rglob("*"):
                    if sub.name != "copyright" and (sub.is_file() or sub.is_symlink()):
                        sub.unlink()
            else:
                path.unlink()


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise BaseImageError(f"{cmd[0]} failed: {' '.join(tail) or proc.returncode}")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
