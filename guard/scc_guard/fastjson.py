"""JSON for the shims' fast path, without importing `json` (and `re`, `enum`).

Parsing uses CPython's own C scanner, the one `json.loads` uses, so valid
documents read identically; anything it does not accept cleanly is handed to
`json.loads`, which raises its usual error (or, should it accept the text
after all, decides). Writing covers the audit line's simple values.
"""

from __future__ import annotations

import _json

_BLANKS = " \t\n\r"


class _Context:
    """The settings `_json.make_scanner` reads, as `json.JSONDecoder` sets them."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> object:
        raise ValueError(f"{name} is not allowed")


# typeshed types the context as a scanner; CPython only reads the attributes.
_SCAN = _json.make_scanner(_Context())  # type: ignore[arg-type]


def loads(text: str) -> object:
    try:
        start = len(text) - len(text.lstrip(_BLANKS))
        value, end = _SCAN(text, start)
        if text[end:].strip(_BLANKS):
            raise ValueError("extra data")
    except Exception:
        import json

        # json's own error message (or its verdict, should it accept the text)
        return json.loads(text, parse_constant=_Context.parse_constant)
    return value


def dumps(value: object) -> str:
    """One line of JSON for strings, numbers, booleans, None, lists and dicts."""
    if isinstance(value, str):
        return str(_json.encode_basestring(value))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(dumps(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{dumps(str(key))}: {dumps(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
