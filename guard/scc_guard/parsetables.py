"""Import bashlex without rebuilding its parser every time.

bashlex 0.18 builds its LALR tables from the grammar on every import, which
costs about 150 ms: most of a hook decision. Its own cache (parsetab.py) is
never read. Here the tables are stored once beside this module, keyed by a
digest of bashlex's own source files and the Python version, and on later
imports bashlex's `yacc.yacc()` is answered with a parser built straight from
them: the grammar is not reflected, validated or rebuilt, and `inspect`,
which only that reflection needs, is not loaded.

A missing, stale or unreadable file only means the tables are built again; it
can never change what the parser accepts, since a file whose digest does not
match the bashlex in use is ignored. In images the file is written at build
time by `scc-guard install-shims`, in a root-owned directory the agent cannot
write.

Only builtin modules are imported here (no hashlib, pathlib or typing): this
runs on every hook decision that needs the parser.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from types import ModuleType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TABLES_FILE = os.path.join(os.path.dirname(__file__), "bashlex-tables.bin")
FORMAT = 2
"""Bumped whenever what is stored, or how it is read, changes."""


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

    def __repr__(self) -> str:
        return f"Production({self.str})"


class _StoredTable:
    """Stands in for bashlex.yacc.LRTable with tables read from the file."""

    lr_method = "LALR"

    def __init__(self, stored: dict[str, Any]) -> None:
        self.lr_action = stored["action"]
        self.lr_goto = stored["goto"]
        self.lr_productions = [_Production(*p) for p in stored["productions"]]
        self.sr_conflicts: list[Any] = []
        self.rr_conflicts: list[Any] = []

    def bind_callables(self, pdict: dict[str, Any]) -> None:
        for production in self.lr_productions:
            if production.func:
                production.callable = pdict[production.func]


def source_digest(package_dir: str) -> str:
    """A digest of everything the tables are computed from: bashlex's sources.

    The grammar lives in the docstrings of bashlex/parser.py, its tokens in
    tokenizer.py and the table construction in yacc.py; every .py file of the
    package is included, with the Python version the stored form is for.
    """
    crc = 0
    size = 0
    for name in sorted(os.listdir(package_dir)):
        if name.endswith(".py"):
            with open(os.path.join(package_dir, name), "rb") as handle:
                data = name.encode() + b"\0" + handle.read()
            crc = zlib.crc32(data, crc)
            size += len(data)
    python = "{}.{}".format(*sys.version_info[:2])
    return f"{FORMAT}/{python}/{size}/{crc:08x}"


def dump_table(table: Any, digest: str) -> dict[str, Any]:
    return {
        "digest": digest,
        "action": dict(table.lr_action),
        "goto": dict(table.lr_goto),
        "productions": [[p.name, p.len, p.func, str(p)] for p in table.lr_productions],
    }


def _read(path: str, digest: str) -> _StoredTable | None:
    try:
        with open(path, "rb") as handle:
            stored = marshal.loads(handle.read())
        if stored.get("digest") != digest:
            return None
        table = _StoredTable(stored)
        if not isinstance(table.lr_action, dict) or not isinstance(table.lr_goto, dict):
            return None
        return table
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        return None


def _write(path: str, stored: dict[str, Any]) -> None:
    """Write whole or not at all; an unwritable place is simply skipped."""
    import contextlib  # only on a first import: keep it off the decision path
    import tempfile

    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(
            dir=os.path.dirname(path) or ".", prefix=".bashlex-tables-"
        )
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(marshal.dumps(stored))
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def import_bashlex(path: str | os.PathLike[str] = TABLES_FILE) -> ModuleType:
    """Import bashlex, building its parser from stored tables when they fit."""
    if "bashlex" in sys.modules:
        return sys.modules["bashlex"]
    import importlib.util

    # bashlex/__init__ builds the parser, so the package is created without
    # running it, yacc is loaded and patched, and only then does __init__ run.
    spec = importlib.util.find_spec("bashlex")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError("bashlex is not installed")
    path = os.fspath(path)
    digest = source_digest(spec.submodule_search_locations[0])
    stored = _read(path, digest)
    package = importlib.util.module_from_spec(spec)
    sys.modules["bashlex"] = package
    try:
        # bashlex's yacc imports `inspect` (about 6 ms) for the grammar
        # reflection that stored tables make unnecessary.
        deferred = stored is not None and "inspect" not in sys.modules
        if deferred:
            sys.modules["inspect"] = _OnFirstUse("inspect")
        try:
            import bashlex.yacc as yacc
        finally:
            if deferred and isinstance(sys.modules.get("inspect"), _OnFirstUse):
                del sys.modules["inspect"]

        built_yacc, built_table = yacc.yacc, yacc.LRTable

        def stored_yacc(*args: Any, **kwargs: Any) -> Any:
            # Called once, from bashlex/parser.py's module body: its globals
            # hold the grammar's action functions and p_error.
            assert stored is not None
            pdict = sys._getframe(1).f_globals
            stored.bind_callables(pdict)
            parser = yacc.LRParser(stored, pdict.get("p_error"))
            yacc.parse = parser.parse
            return parser

        def storing_table(grammar: Any, log: Any = None) -> Any:
            table = built_table(grammar, log)
            _write(path, dump_table(table, digest))
            return table

        if stored is not None:
            yacc.yacc = stored_yacc
        else:
            yacc.LRTable = storing_table
        try:
            spec.loader.exec_module(package)
        finally:
            yacc.yacc, yacc.LRTable = built_yacc, built_table
    except BaseException:
        for name in [
            n for n in sys.modules if n == "bashlex" or n.startswith("bashlex.")
        ]:
            del sys.modules[name]
        raise
    return package


class _OnFirstUse(ModuleType):
    """Stands in for a module and imports the real one when first used.

    It sits in sys.modules only while bashlex's yacc is imported, so later
    imports anywhere get the real module; yacc keeps its reference and every
    attribute it reads comes from the real module, loaded at that moment.
    """

    def __getattr__(self, attr: str) -> Any:
        import importlib

        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)
