"""bashlex's parser tables are stored once and reused, never trusted blindly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scc_guard import parsetables

# Each probe imports bashlex in a fresh interpreter through the cache at PATH,
# then prints the tables the parser ended up with, and a parse of real input.
PROBE = """
import json, sys
from pathlib import Path
from scc_guard.parsetables import import_bashlex
bashlex = import_bashlex(Path(sys.argv[1]))
parser = bashlex.parser.yaccparser
trees = bashlex.parse(
    "a=1; for f in *.py; do git add \\"$f\\" | cat; done && echo $(ls)"
)
print(json.dumps({
    "productions": [str(p) for p in parser.productions],
    "tree": [t.dump() for t in trees],
}))
"""


def _probe(path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_first_import_stores_the_tables_and_later_imports_reuse_them(
    tmp_path: Path,
) -> None:
    tables = tmp_path / "tables.json"
    built = _probe(tables)
    assert tables.is_file()
    reused = _probe(tables)
    assert reused == built


def test_tables_for_another_grammar_are_ignored_and_replaced(tmp_path: Path) -> None:
    tables = tmp_path / "tables.json"
    _probe(tables)
    stored = json.loads(tables.read_text())
    stored["digest"] = "0" * 64
    stored["action"] = {}
    tables.write_text(json.dumps(stored))
    reparsed = _probe(tables)
    assert "ls" in json.dumps(reparsed["tree"])
    assert json.loads(tables.read_text())["digest"] != "0" * 64


@pytest.mark.parametrize("content", ["", "{", "[]", '{"digest": 1}', "\x00"])
def test_unreadable_tables_mean_a_fresh_build(tmp_path: Path, content: str) -> None:
    tables = tmp_path / "tables.json"
    tables.write_text(content)
    probe = _probe(tables)
    assert "ls" in json.dumps(probe["tree"])


def test_an_unwritable_place_is_skipped(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir" / "tables.json"
    probe = _probe(missing_dir)
    assert "ls" in json.dumps(probe["tree"])
    assert not missing_dir.exists()


def test_install_shims_stores_the_tables_beside_the_guard(tmp_path: Path) -> None:
    lib = Path(parsetables.__file__).parent.parent
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "scc_guard",
            "install-shims",
            "--lib",
            str(lib),
            "--dest",
            str(tmp_path / "shims"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert (lib / "scc_guard" / parsetables.TABLES_FILE.name).is_file()


def test_stored_tables_are_what_the_parser_uses(tmp_path: Path) -> None:
    tables = tmp_path / "tables.json"
    built = _probe(tables)
    stored = json.loads(tables.read_text())
    for production in stored["productions"]:
        production[3] = "marked " + production[3]
    tables.write_text(json.dumps(stored))
    reused = _probe(tables)
    assert reused["tree"] == built["tree"]
    assert all(str(p).startswith("marked ") for p in reused["productions"])
