"""Finding the Docker engine the way the docker CLI does."""

from __future__ import annotations

import logging
import os

import docker
import docker.errors

from scc.errors import SccError

log = logging.getLogger(__name__)


class EngineUnreachable(SccError):
    """No Docker engine answered where the CLI would look."""


def connect() -> docker.DockerClient:
    """A client for `DOCKER_HOST`, else the current docker context, else the default."""
    try:
        client = _client()
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        where = os.environ.get("DOCKER_HOST") or "the current docker context"
        raise EngineUnreachable(f"cannot reach the Docker engine at {where}") from exc
    return client


def _client() -> docker.DockerClient:
    if os.environ.get("DOCKER_HOST"):
        return docker.from_env()
    from docker.context import ContextAPI

    context = ContextAPI.get_current_context()
    log.debug("docker context %s at %s", context.Name, context.Host)
    if context.Host:
        return docker.DockerClient(base_url=context.Host, tls=context.TLSConfig)
    return docker.from_env()
