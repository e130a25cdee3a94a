"""Building, listing and checking scc's images (`scc image ...`).

Each image is built through the Docker SDK from a temporary context holding
its Dockerfile directory, the files the provider images share
(`images/shared`), the guard's source at this host's version, and the extra CA
certificates the site needs. Nothing is pulled except, when it is missing, the
base image (see `scc.baseimage`).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from scc import __version__
from scc.baseimage import DEFAULT_BASE, DEFAULT_MIRROR, ensure_base_image
from scc.errors import SccError

log = logging.getLogger(__name__)

SOURCE_ROOT = Path(__file__).resolve().parents[2]
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@dataclass(frozen=True)
class ImageRecipe:
    """How one of scc's images is built."""

    kind: str
    repository: str
    source: str
    agent_arg: str | None = None
    agent_version: str | None = None

    @property
    def tag(self) -> str:
        return f"{self.repository}:{__version__}"

    @property
    def is_provider(self) -> bool:
        return self.agent_arg is not None


RECIPES = {
    "proxy": ImageRecipe("proxy", "scc-proxy", "squid"),
    "claude": ImageRecipe(
        "claude", "scc-claude", "images/claude", "CLAUDE_CODE_VERSION", "2.1.332"
    ),
    "codex": ImageRecipe(
        "codex", "scc-codex", "images/codex", "CODEX_VERSION", "0.171.0"
    ),
}
KINDS = tuple(RECIPES)


class ImageBuildError(SccError):
    """An image build failed; `kind` names the image, `log` holds the tail."""

    def __init__(self, kind: str, message: str, log: list[str]) -> None:
        super().__init__(f"building the {kind} image failed: {message}")
        self.kind = kind
        self.log = log


def selected(which: str) -> list[ImageRecipe]:
    return list(RECIPES.values()) if which == "all" else [RECIPES[which]]


def read_ca_cert(path: str | os.PathLike[str] | None) -> Path | None:
    """The extra CA bundle: --ca-cert, else $SCC_CA_CERT, else the config key."""
    from scc.config import load_user_config, resolve_ca_cert

    return resolve_ca_cert(os.fspath(path) if path else None, load_user_config())


def assemble_context(recipe: ImageRecipe, dest: Path, ca_cert: Path | None) -> None:
    """Lay out everything `recipe`'s Dockerfile copies into `dest`."""
    source = SOURCE_ROOT / recipe.source
    if not (source / "Dockerfile").is_file():
        raise SccError(f"image sources not found at {source} (need a checkout)")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "bashlex-tables.bin")
    shutil.copytree(source, dest, dirs_exist_ok=True, ignore=ignore)
    if not recipe.is_provider:
        _render_default_squid_conf(dest / "squid.conf")
        return
    shutil.copytree(SOURCE_ROOT / "images/shared", dest, dirs_exist_ok=True)
    guard = SOURCE_ROOT / "guard"
    (dest / "guard").mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(guard / name, dest / "guard" / name)
    shutil.copytree(guard / "scc_guard", dest / "guard/scc_guard", ignore=ignore)
    (dest / "ca").mkdir()
    if ca_cert is not None:
        shutil.copyfile(ca_cert, dest / "ca/scc-extra.crt")


def _render_default_squid_conf(path: Path) -> None:
    from scc_guard.policy import Policy
    from scc_guard.squid import render_squid_conf

    path.write_text(render_squid_conf(Policy()))


def build_args(
    recipe: ImageRecipe, base: str, agent_version: str | None
) -> dict[str, str]:
    args = {"BASE_IMAGE": base, "SCC_VERSION": __version__}
    if recipe.agent_arg:
        args[recipe.agent_arg] = agent_version or recipe.agent_version or ""
    for name in ("PIP_INDEX_URL", "NPM_REGISTRY"):
        if os.environ.get(f"SCC_{name}"):
            args[name] = os.environ[f"SCC_{name}"]
    return args


def build_labels() -> dict[str, str]:
    """Labels that change per build, set outside the Dockerfile's cached layers."""
    labels = {
        "org.opencontainers.image.created": datetime.now(UTC).isoformat(
            timespec="seconds"
        ),
        "org.opencontainers.image.source": _git("remote", "get-url", "origin")
        or f"file://{SOURCE_ROOT}",
    }
    revision = _git("rev-parse", "HEAD")
    if revision:
        labels["org.opencontainers.image.revision"] = revision
    return labels


def _git(*args: str) -> str:
    try:
        proc = subprocess.run(
            ["git", "-C", str(SOURCE_ROOT), *args],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def build_image(
    client: Any,
    recipe: ImageRecipe,
    *,
    base: str = DEFAULT_BASE,
    ca_cert: Path | None = None,
    agent_version: str | None = None,
    say: Callable[[str], None] = click.echo,
    verbose: bool = False,
) -> str:
    """Build `recipe` and return its image id; progress goes to `say`."""
    previous = _image_id(client, recipe.tag)
    with tempfile.TemporaryDirectory(prefix=f"scc-{recipe.kind}-") as tmp:
        context = Path(tmp) / "context"
        assemble_context(recipe, context, ca_cert)
        stream = client.api.build(
            path=str(context),
            tag=recipe.tag,
            buildargs=build_args(recipe, base, agent_version),
            labels=build_labels(),
            pull=False,
            rm=True,
            forcerm=True,
            decode=True,
        )
        image_id = _follow(recipe.kind, stream, say, verbose)
    if previous and previous != _image_id(client, recipe.tag):
        _drop_replaced(client, previous)
    return image_id


def _image_id(client: Any, tag: str) -> str | None:
    import docker.errors

    try:
        return str(client.images.get(tag).id)
    except docker.errors.ImageNotFound:
        return None


def _drop_replaced(client: Any, image_id: str) -> None:
    """Remove the image a rebuild replaced, unless a container still uses it."""
    import docker.errors

    try:
        client.images.remove(image_id)
    except docker.errors.APIError as exc:
        log.debug("keeping replaced image %s: %s", image_id, exc)


def _follow(
    kind: str,
    stream: Iterator[dict[str, Any]],
    say: Callable[[str], None],
    verbose: bool,
) -> str:
    tail: list[str] = []
    image_id = ""
    for chunk in stream:
        if "error" in chunk:
            raise ImageBuildError(kind, chunk["error"].strip(), tail)
        line = chunk.get("stream", "").rstrip()
        if not line:
            image_id = chunk.get("aux", {}).get("ID", image_id)
            continue
        tail = [*tail[-39:], line]
        if verbose or line.startswith(("Step ", "WARNING")):
            say(f"[{kind}] {line}")
    return image_id


def list_images(client: Any) -> list[dict[str, str]]:
    rows = []
    for recipe in RECIPES.values():
        for image in client.images.list(name=recipe.repository):
            labels = image.labels or {}
            rows.append(
                {
                    "image": ", ".join(image.tags) or image.short_id,
                    "guard": labels.get("io.scc.guard.version", "?"),
                    "agent": labels.get("io.scc.agent.version", "-"),
                    "size": f"{image.attrs['Size'] / 1e6:.0f} MB",
                    "created": labels.get("org.opencontainers.image.created", "?"),
                }
            )
    return rows


def docker_client() -> Any:
    import docker
    import docker.errors

    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise SccError(f"cannot reach the Docker engine: {exc}") from exc
    return client


@click.group("image")
def image() -> None:
    """Build and inspect scc's provider and proxy images."""


@image.command("build")
@click.argument("which", type=click.Choice([*KINDS, "all"]), default="all")
@click.option(
    "--ca-cert",
    type=click.Path(dir_okay=False),
    help="Extra CA bundle to trust in the images "
    "(else env SCC_CA_CERT, else the config's ca_cert).",
)
@click.option(
    "--base",
    default=DEFAULT_BASE,
    envvar="SCC_BASE_IMAGE",
    show_default=True,
    help="Base image every image starts from (env SCC_BASE_IMAGE).",
)
@click.option("--claude-version", help="Claude Code version to install.")
@click.option("--codex-version", help="Codex version to install.")
@click.option("-v", "--verbose", is_flag=True, help="Show the full build output.")
def image_build(
    which: str,
    ca_cert: str | None,
    base: str,
    claude_version: str | None,
    codex_version: str | None,
    verbose: bool,
) -> None:
    """Build the claude, codex and proxy images (default: all)."""
    cert = read_ca_cert(ca_cert)
    client = docker_client()
    mirror = os.environ.get("SCC_DEBIAN_MIRROR", DEFAULT_MIRROR)
    how = ensure_base_image(client, base, mirror, say=click.echo)
    click.echo(f"base image {base}: {how}")
    versions = {"claude": claude_version, "codex": codex_version}
    for recipe in selected(which):
        click.echo(f"building {recipe.tag}")
        started = time.monotonic()
        build_image(
            client,
            recipe,
            base=base,
            ca_cert=cert,
            agent_version=versions.get(recipe.kind),
            verbose=verbose,
        )
        size = client.images.get(recipe.tag).attrs["Size"] / 1e6
        seconds = time.monotonic() - started
        click.echo(f"built {recipe.tag} in {seconds:.0f}s ({size:.0f} MB)")


@image.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def image_list(as_json: bool) -> None:
    """List scc's images present in the engine, with versions from labels."""
    rows = list_images(docker_client())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no scc images; run `scc image build`")
        return
    widths = {key: max(len(key), *(len(r[key]) for r in rows)) for key in rows[0]}
    click.echo("  ".join(key.upper().ljust(w) for key, w in widths.items()))
    for row in rows:
        click.echo("  ".join(row[key].ljust(w) for key, w in widths.items()))


@image.command("base")
@click.option(
    "--base",
    default=DEFAULT_BASE,
    envvar="SCC_BASE_IMAGE",
    show_default=True,
    help="Base image to provide (env SCC_BASE_IMAGE).",
)
@click.option(
    "--mirror",
    envvar="SCC_DEBIAN_MIRROR",
    default=DEFAULT_MIRROR,
    show_default=True,
    help="Debian mirror for debootstrap (env SCC_DEBIAN_MIRROR).",
)
def image_base(base: str, mirror: str) -> None:
    """Make sure the base image exists: use it, pull it, or build it."""
    how = ensure_base_image(docker_client(), base, mirror, say=click.echo)
    click.echo(f"{base}: {how}")


def object_labels(role: str) -> dict[str, str]:
    """Labels for containers scc starts: the role plus every k=v in SCC_LABELS."""
    labels = {"io.scc.role": role}
    for pair in os.environ.get("SCC_LABELS", "").split(","):
        key, sep, value = pair.strip().partition("=")
        if key and sep:
            labels[key] = value
    return labels


def smoke_test(client: Any, recipe: ImageRecipe) -> tuple[bool, list[str]]:
    """Run the smoke checks against the built `recipe`; return (passed, lines)."""
    if recipe.is_provider:
        return _smoke_provider(client, recipe)
    return _smoke_proxy(client, recipe)


def _run_once(client: Any, image_tag: str, **options: Any) -> tuple[int, str]:
    container = client.containers.create(
        image_tag, labels=object_labels("verify"), **options
    )
    try:
        container.start()
        status = container.wait(timeout=300)["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def _smoke_provider(client: Any, recipe: ImageRecipe) -> tuple[bool, list[str]]:
    from scc_guard.policy import POLICY_PATH, Policy

    script = (SOURCE_ROOT / "images/shared/smoke.sh").read_text()
    with tempfile.TemporaryDirectory(prefix="scc-verify-") as tmp:
        policy = Path(tmp) / "policy.json"
        policy.write_text(Policy(session="verify").model_dump_json())
        policy.chmod(0o644)
        status, output = _run_once(
            client,
            recipe.tag,
            command=["sh", "-c", script, "smoke", recipe.kind],
            network_disabled=True,
            volumes={str(policy): {"bind": POLICY_PATH, "mode": "ro"}},
        )
    return status == 0, output.splitlines()


def _smoke_proxy(client: Any, recipe: ImageRecipe) -> tuple[bool, list[str]]:
    status, output = _run_once(
        client, recipe.tag, command=["--check"], read_only=True, network_disabled=True
    )
    lines = [f"{'ok  ' if status == 0 else 'FAIL'} squid -k parse: {output.strip()}"]
    uid_status, uid = _run_once(
        client, recipe.tag, entrypoint=["id", "-u"], network_disabled=True
    )
    unprivileged = uid_status == 0 and uid.strip() not in ("", "0")
    lines.append(
        f"{'ok  ' if unprivileged else 'FAIL'} runs unprivileged (uid {uid.strip()})"
    )
    apt_status, apt = _run_once(
        client,
        recipe.tag,
        entrypoint=["apt-get", "-o", "Debug::NoLocking=1", "check"],
        network_disabled=True,
    )
    consistent = apt_status == 0
    lines.append(
        f"{'ok  ' if consistent else 'FAIL'} the package database is consistent"
        f" (apt-get check){'' if consistent else ': ' + apt.strip()[-300:]}"
    )
    return status == 0 and unprivileged and consistent, lines


@image.command("verify")
@click.argument("which", type=click.Choice([*KINDS, "all"]), default="all")
def image_verify(which: str) -> None:
    """Run the smoke checks against the built images."""
    client = docker_client()
    failed = []
    for recipe in selected(which):
        try:
            client.images.get(recipe.tag)
        except Exception as exc:  # docker.errors.ImageNotFound
            raise SccError(f"{recipe.tag} is not built; run `scc image build`") from exc
        passed, lines = smoke_test(client, recipe)
        click.echo(f"== {recipe.tag}")
        for line in lines:
            click.echo(f"  {line}")
        if not passed:
            failed.append(recipe.tag)
    if failed:
        raise SccError(f"smoke checks failed for {', '.join(failed)}")
