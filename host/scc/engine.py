"""Finding the Docker engine the way the docker CLI does."""

from __future__ import annotations

import logging
import os
from typing import Any

import docker
import docker.errors

from scc.errors import SccError

log = logging.getLogger(__name__)


class EngineUnreachable(SccError):
    """No Docker engine answered where the CLI would look."""


def connect() -> docker.DockerClient:
    """A client for `DOCKER_HOST`, else the current docker context, else the default."""
    base_url, tls, where = _endpoint()
    try:
        # Asking for the engine's API version is the reachability check too.
        if base_url is None:
            client = docker.from_env()
        else:
            client = docker.DockerClient(base_url=base_url, tls=tls)
    except (docker.errors.DockerException, OSError) as exc:
        raise EngineUnreachable(f"cannot reach the Docker engine at {where}") from exc
    return client


def _endpoint() -> tuple[str | None, Any, str]:
    """Where the engine is (None: the SDK's default), its TLS, and a description."""
    if os.environ.get("DOCKER_HOST"):
        return None, None, os.environ["DOCKER_HOST"]
    from docker.context import ContextAPI

    try:
        context = ContextAPI.get_current_context()
    except docker.errors.DockerException as exc:
        raise EngineUnreachable(
            f"cannot read the current docker context: {exc}"
        ) from exc
    log.debug("docker context %s at %s", context.Name, context.Host)
    if context.Host:
        return (
            context.Host,
            context.TLSConfig,
            f"{context.Host} (docker context {context.Name})",
        )
    return None, None, "the default socket"
