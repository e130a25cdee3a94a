"""Write the JSON Schemas of scc's config files into docs/schemas/.

Run after changing a model in host/scc/layers.py; tests/config/test_schemas.py
fails while the files are out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scc.layers import json_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def render(schema: dict[str, object]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (SCHEMA_DIR / f"{name}.schema.json").write_text(render(schema))
        print(f"wrote docs/schemas/{name}.schema.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
