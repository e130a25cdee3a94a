"""The JSON Schemas in docs/schemas/ are the ones the models generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from scc.layers import json_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "docs" / "schemas"


@pytest.mark.parametrize("name", sorted(json_schemas()))
def test_schema_file_is_up_to_date(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.schema.json"
    assert path.exists(), "run: .venv/bin/python scripts/schemas.py"
    assert json.loads(path.read_text()) == json_schemas()[name], (
        f"{path.name} is stale; run: .venv/bin/python scripts/schemas.py"
    )


def test_no_stray_schema_files() -> None:
    names = {p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.json")}
    assert names == set(json_schemas())


def test_org_schema_refuses_unknown_keys() -> None:
    schema = json_schemas()["org"]
    assert schema["additionalProperties"] is False
    assert all(
        definition.get("additionalProperties") is False
        for definition in schema["$defs"].values()
        if definition.get("type") == "object"
    )


def test_example_org_matches_documented_keys(org_text: str) -> None:
    example = yaml.safe_load(org_text)
    assert set(example) <= set(json_schemas()["org"]["properties"])


def test_the_documented_example_is_the_tested_one(org_text: str) -> None:
    doc = (SCHEMA_DIR.parent / "configuration.md").read_text()
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(block) == yaml.safe_load(org_text)
