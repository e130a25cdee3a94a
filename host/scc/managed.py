"""Claude Code's managed files in a session: the image's own settings, which
register the guard's hook, with the session's org-approved fragment added.

The image's `managed-settings.json` is read from the image itself (copied out
of a created, never started, container) and cached by image id, so a rebuilt
image is read again and an unchanged one costs no Docker round trip.
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
from pathlib import Path
from typing import Any

from scc.config import cache_dir
from scc.errors import SccError
from scc.merge import with_image_settings

log = logging.getLogger(__name__)

MANAGED_DIR = "/etc/claude-code"
SETTINGS = "managed-settings.json"


def managed_files(
    image_settings: dict[str, Any], agent_settings: dict[str, Any]
) -> dict[str, Any]:
    """The files to mount under MANAGED_DIR, by name.

    managed-settings.json is the image's with the fragment added (the image's
    hook and allowManagedHooksOnly always survive); the other files (such as
    managed-mcp.json) come from the session alone.
    """
    files = dict(agent_settings)
    files[SETTINGS] = with_image_settings(image_settings, agent_settings)
    return files


def image_settings(client: Any, image: str, labels: dict[str, str]) -> dict[str, Any]:
    """The image's managed-settings.json ({} when it has none), cached by image id."""
    image_id = str(client.images.get(image).id)
    cached = _cache_path(image_id)
    try:
        return dict(json.loads(cached.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    found = _read_from_image(client, image, labels)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(found), encoding="utf-8")
    except OSError as exc:  # a cache that cannot be written only costs time
        log.debug("cannot cache %s: %s", cached, exc)
    return found


def _cache_path(image_id: str) -> Path:
    return cache_dir() / "images" / f"{image_id.replace(':', '-')}-{SETTINGS}"


def _read_from_image(client: Any, image: str, labels: dict[str, str]) -> dict[str, Any]:
    import docker.errors

    container = client.api.create_container(
        image, command=["true"], entrypoint=[], labels=labels, network_disabled=True
    )
    try:
        stream, _ = client.api.get_archive(container["Id"], f"{MANAGED_DIR}/{SETTINGS}")
        archive = b"".join(stream)
    except docker.errors.NotFound:
        log.debug("%s has no %s/%s", image, MANAGED_DIR, SETTINGS)
        return {}
    finally:
        client.api.remove_container(container["Id"], force=True)
    return _parse(archive, image)


def _parse(archive: bytes, image: str) -> dict[str, Any]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = tar.next()
        handle = tar.extractfile(member) if member else None
        text = handle.read() if handle else b""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SccError(f"image {image}: {MANAGED_DIR}/{SETTINGS} is not a JSON object")
    return data
