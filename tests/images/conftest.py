"""Fixtures for tests against the built images (`scc image build all` first)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from scc.images import RECIPES, ImageRecipe, smoke_test

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def built(docker_client) -> Callable[[str], ImageRecipe]:  # type: ignore[no-untyped-def]
    """The recipe of a built image; missing images fail in CI, skip elsewhere."""
    import docker.errors

    def get(kind: str) -> ImageRecipe:
        recipe = RECIPES[kind]
        try:
            docker_client.images.get(recipe.tag)
        except docker.errors.ImageNotFound:
            message = f"{recipe.tag} is not built: run `scc image build all`"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        return recipe

    return get


@pytest.fixture(scope="session")
def smoke(docker_client, built) -> Callable[[str], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Smoke check name -> its line, run once per image and session."""
    results: dict[str, dict[str, str]] = {}

    def get(kind: str) -> dict[str, str]:
        if kind not in results:
            _, lines = smoke_test(docker_client, built(kind))
            checks = {}
            for line in lines:
                _, _, rest = line.partition(" ")
                name = rest.strip().split(": ")[0]
                checks[name] = line
            results[kind] = checks
        return results[kind]

    return get
