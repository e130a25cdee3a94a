"""Fetch one agent's native package for this platform from an npm registry.

Used inside image builds instead of `npm install`: the agents ship their
programs as per-platform packages named in the wrapper package's
optionalDependencies, and the image needs only this platform's one. The
wrapper is resolved at the pinned version, the platform package at the exact
version (or npm: alias) the wrapper names, and the tarball is checked against
the registry's sha512 integrity before it is unpacked. Standard library only.

    python3 npm_fetch.py WRAPPER VERSION PLATFORM_PACKAGE DEST
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path

REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")


def manifest(name: str, version: str) -> dict:
    quoted = urllib.parse.quote(name, safe="@")
    with urllib.request.urlopen(f"{REGISTRY}/{quoted}/{version}", timeout=60) as r:
        return json.load(r)


def resolve(wrapper: str, version: str, platform_package: str) -> tuple[str, str]:
    wanted = manifest(wrapper, version).get("optionalDependencies", {})
    spec = wanted.get(platform_package)
    if spec is None:
        sys.exit(f"{wrapper}@{version} ships no {platform_package}")
    if spec.startswith("npm:"):
        name, _, aliased = spec.removeprefix("npm:").rpartition("@")
        return name, aliased
    return platform_package, spec


def fetch(name: str, version: str) -> bytes:
    dist = manifest(name, version)["dist"]
    algorithm, _, expected = dist["integrity"].partition("-")
    if algorithm != "sha512":
        sys.exit(f"{name}@{version}: unsupported integrity {algorithm}")
    with urllib.request.urlopen(dist["tarball"], timeout=600) as r:
        data = r.read()
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        sys.exit(f"{name}@{version}: tarball does not match its sha512 integrity")
    return data


def unpack(data: bytes, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/")]
        for member in members:
            member.name = member.name.removeprefix("package/")
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, members=members, filter="data")
        else:  # Python without PEP 706; the registry's integrity was checked
            tar.extractall(dest, members=members)


def main(argv: list[str]) -> int:
    wrapper, version, platform_package, dest = argv
    name, exact = resolve(wrapper, version, platform_package)
    print(f"fetching {name}@{exact} for {wrapper}@{version}", flush=True)
    unpack(fetch(name, exact), Path(dest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
