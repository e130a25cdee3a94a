"""The shims' JSON reader and writer agree with the json module."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scc_guard import fastjson

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_written_json_reads_back_the_same(value: object) -> None:
    text = fastjson.dumps(value)
    assert json.loads(text) == value
    assert fastjson.loads(text) == value


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789.eE+-truefalsn \\u\t\n', max_size=30))
def test_reader_accepts_exactly_what_json_accepts(text: str) -> None:
    try:
        expected = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            fastjson.loads(text)
        return
    assert fastjson.loads(text) == expected


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}'])
def test_reader_refuses_non_finite_constants(text: str) -> None:
    with pytest.raises(ValueError):
        fastjson.loads(text)
