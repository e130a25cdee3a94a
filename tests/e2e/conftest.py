"""Fixtures for the end-to-end tests: the scripted model and its test network."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from scripted_model import container as model_container


@pytest.fixture(scope="session")
def model_image(docker_client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The scripted model's image, built once per test session and removed after."""
    image = model_container.build_image(docker_client, {"scc.test": "1"})
    yield image
    model_container.remove_image(docker_client)


@pytest.fixture
def model(docker_client, model_image, labels):  # type: ignore[no-untyped-def]
    """A fresh internal test network in 198.18.0.0/15 with the model on it."""
    name = f"scc-e2e-{uuid.uuid4().hex[:8]}"
    with model_container.model_on_network(docker_client, name, labels) as (
        network,
        server,
    ):
        yield network, server
