"""bashlex's parser tables are stored once and reused, never trusted blindly."""

from __future__ import annotations

import json
import marshal
import shutil
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
try:
    bashlex.parse("if true; then")
    error = None
except bashlex.errors.ParsingError as exc:
    error = str(exc)
print(json.dumps({
    "productions": [str(p) for p in parser.productions],
    "tree": [t.dump() for t in trees],
    "error": error,
    "inspect_loaded": "inspect" in sys.modules,
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
    tables = tmp_path / "tables.bin"
    built = _probe(tables)
    assert tables.is_file()
    reused = _probe(tables)
    assert reused["tree"] == built["tree"]
    assert reused["productions"] == built["productions"]
    assert reused["error"] == built["error"] and "unexpected" in str(reused["error"])
    # Only building the tables needs yacc's grammar reflection (and inspect).
    assert built["inspect_loaded"] and not reused["inspect_loaded"]


def test_a_change_to_any_bashlex_source_changes_the_digest(tmp_path: Path) -> None:
    import bashlex

    copy = tmp_path / "bashlex"
    shutil.copytree(Path(bashlex.__file__).parent, copy)
    before = parsetables.source_digest(str(copy))
    assert parsetables.source_digest(str(copy)) == before
    with (copy / "tokenizer.py").open("a") as handle:
        handle.write("\n# changed\n")
    assert parsetables.source_digest(str(copy)) != before


@pytest.mark.parametrize(
    "change",
    [
        {"action": 1},
        {"goto": []},
        {"productions": [[1]]},
        {"productions": 5},
    ],
)
def test_malformed_tables_with_the_right_digest_are_rebuilt(
    tmp_path: Path, change: dict[str, object]
) -> None:
    tables = tmp_path / "tables.bin"
    built = _probe(tables)
    stored = marshal.loads(tables.read_bytes())
    stored.update(change)
    tables.write_bytes(marshal.dumps(stored))
    assert _probe(tables)["tree"] == built["tree"]


def test_tables_for_another_grammar_are_ignored_and_replaced(tmp_path: Path) -> None:
    tables = tmp_path / "tables.bin"
    _probe(tables)
    stored = marshal.loads(tables.read_bytes())
    stored["digest"] = "0" * 64
    stored["action"] = {}
    tables.write_bytes(marshal.dumps(stored))
    reparsed = _probe(tables)
    assert "ls" in json.dumps(reparsed["tree"])
    assert marshal.loads(tables.read_bytes())["digest"] != "0" * 64


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"\x00",
        marshal.dumps([]),
        marshal.dumps({"digest": 1}),
        marshal.dumps({"digest": "x", "action": 1}),
        marshal.dumps({"digest": "x", "action": {}})[:-3],
    ],
)
def test_unreadable_tables_mean_a_fresh_build(tmp_path: Path, content: bytes) -> None:
    tables = tmp_path / "tables.bin"
    tables.write_bytes(content)
    probe = _probe(tables)
    assert "ls" in json.dumps(probe["tree"])


def test_an_unwritable_place_is_skipped(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir" / "tables.bin"
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
    assert (lib / "scc_guard" / Path(parsetables.TABLES_FILE).name).is_file()


def test_stored_tables_are_what_the_parser_uses(tmp_path: Path) -> None:
    tables = tmp_path / "tables.bin"
    built = _probe(tables)
    stored = marshal.loads(tables.read_bytes())
    for production in stored["productions"]:
        production[3] = "marked " + production[3]
    tables.write_bytes(marshal.dumps(stored))
    reused = _probe(tables)
    assert reused["tree"] == built["tree"]
    assert all(str(p).startswith("marked ") for p in reused["productions"])
