"""Import bashlex without rebuilding its parser tables every time.

bashlex 0.18 builds its LALR tables from the grammar on every import, which
costs about 150 ms: most of a hook decision. Its own cache (parsetab.py) is
never read. Here the tables bashlex's yacc builds are stored once as JSON
beside this module, keyed by a digest of the grammar, and handed back to that
same yacc on later imports. A missing, stale or unreadable file only means the
tables are built again; it can never change what the parser accepts, since a
file whose digest does not match the grammar in use is ignored.

In images the file is written at build time by `scc-guard install-shims`, in
a root-owned directory the agent cannot write.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

TABLES_FILE = Path(__file__).with_name("bashlex-tables.json")


class _Production:
    """What bashlex's LR parser reads of a production, and nothing more."""

    def __init__(self, name: str, length: int, func: str | None, text: str) -> None:
        self.name = name
        self.len = length
        self.func = func
        self.str = text
        self.callable: Any = None

    def __str__(self) -> str:
        return self.str

    def bind(self, pdict: dict[str, Any]) -> None:
        if self.func:
            self.callable = pdict[self.func]


class _StoredTable:
    """Stands in for bashlex.yacc.LRTable with tables read from the file."""

    lr_method = "LALR"

    def __init__(self, stored: dict[str, Any]) -> None:
        self.lr_action = {int(k): v for k, v in stored["action"].items()}
        self.lr_goto = {int(k): v for k, v in stored["goto"].items()}
        self.lr_productions = [_Production(*p) for p in stored["productions"]]
        self.sr_conflicts: list[Any] = []
        self.rr_conflicts: list[Any] = []

    def bind_callables(self, pdict: dict[str, Any]) -> None:
        for production in self.lr_productions:
            production.bind(pdict)


def grammar_digest(grammar: Any) -> str:
    """A digest of everything the tables are computed from."""
    shape = [
        [str(p), p.func, list(p.prec)] for p in grammar.Productions if p is not None
    ]
    precedence = sorted([k, list(v)] for k, v in grammar.Precedence.items())
    text = json.dumps([shape, precedence, grammar.Start], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def dump_table(table: Any, digest: str) -> dict[str, Any]:
    return {
        "digest": digest,
        "action": {str(k): v for k, v in table.lr_action.items()},
        "goto": {str(k): v for k, v in table.lr_goto.items()},
        "productions": [[p.name, p.len, p.func, str(p)] for p in table.lr_productions],
    }


def _read(path: Path, digest: str) -> _StoredTable | None:
    try:
        stored = json.loads(path.read_text())
        if stored.get("digest") != digest:
            return None
        return _StoredTable(stored)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _write(path: Path, stored: dict[str, Any]) -> None:
    """Write whole or not at all; an unwritable place is simply skipped."""
    import tempfile  # only on a first import: keep it off the decision path

    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bashlex-tables-")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(stored, out)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def import_bashlex(path: Path = TABLES_FILE) -> ModuleType:
    """Import bashlex, reusing stored parser tables when they fit its grammar."""
    if "bashlex" in sys.modules:
        return sys.modules["bashlex"]
    # bashlex/__init__ builds the parser, so the package is created without
    # running it, yacc is loaded and given the stored tables, and only then
    # does __init__ run.
    spec = importlib.util.find_spec("bashlex")
    if spec is None or spec.loader is None:
        raise ImportError("bashlex is not installed")
    package = importlib.util.module_from_spec(spec)
    sys.modules["bashlex"] = package
    try:
        import bashlex.yacc as yacc

        built_by_yacc = yacc.LRTable

        def table_for(grammar: Any, log: Any = None) -> Any:
            digest = grammar_digest(grammar)
            stored = _read(path, digest)
            if stored is not None:
                return stored
            table = built_by_yacc(grammar, log)
            _write(path, dump_table(table, digest))
            return table

        yacc.LRTable = table_for
        try:
            spec.loader.exec_module(package)
        finally:
            yacc.LRTable = built_by_yacc
    except BaseException:
        for name in [
            n for n in sys.modules if n == "bashlex" or n.startswith("bashlex.")
        ]:
            del sys.modules[name]
        raise
    return package
