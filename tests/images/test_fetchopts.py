"""The guard's tables of curl and wget options match the tools in each image.

The guard resolves abbreviated options as these tools do and refuses options
it does not know, so a table that drifted from the tools would misread
command lines; regenerate it with scripts/fetchopts.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from scc_guard import fetchopts

pytestmark = [pytest.mark.docker, pytest.mark.images]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetchopts.py"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fetchopts_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["claude", "codex"])
def test_the_option_tables_are_the_images_tools(kind: str, built) -> None:  # type: ignore[no-untyped-def]
    generator = _generator()
    image = built(kind).tag
    curl = generator.curl_tables(generator.help_text(image, "/usr/bin/curl --help all"))
    wget = generator.wget_tables(generator.help_text(image, "/usr/bin/wget --help"))
    assert curl == (fetchopts.CURL_LONG, fetchopts.CURL_SHORT)
    assert wget == (fetchopts.WGET_LONG, fetchopts.WGET_SHORT)
