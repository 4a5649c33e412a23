"""log.write gives the line json.JSONEncoder gives with the same settings, one line each time."""

from __future__ import annotations

import contextlib
import io
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fuzz import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from insert_trigger import log
from insert_trigger_tests.support import log_lines

if TYPE_CHECKING:
    import pytest

# The encoder log.py builds once, as json's public API would build it on every call.
REFERENCE = json.JSONEncoder(separators=(",", ":"), default=log._jsonable, check_circular=False)

# What reaches a log line: parsed JSON, deserialised values, counts, error text.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.decimals(places=None),
    st.binary(max_size=8),
    st.frozensets(st.text(max_size=4), max_size=3),
    st.sets(st.integers(), max_size=3),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=examples(800), deadline=None)
@given(line=st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_any_line_is_what_json_encoder_writes(line: dict[str, Any]) -> None:
    # GIVEN any line of JSON values and of the values json cannot write itself
    # WHEN written
    written = io.StringIO()
    with contextlib.redirect_stdout(written):
        log.write(line)

    # THEN the output is json.JSONEncoder's text for it, on one ASCII line
    output = written.getvalue()
    assert output == REFERENCE.encode(line) + "\n"
    assert output.isascii()
    assert output.count("\n") == 1


def test_values_json_cannot_write_are_written_readably(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a line holding a whole and a fractional Decimal, bytes, a set and non-ASCII text
    line = {
        "whole": Decimal("120"),
        "fraction": Decimal("2.50"),
        "blob": b"\x00key",
        "tags": {"b", "a"},
        "text": "café\nnext",
    }

    # WHEN written, THEN it reads back as the same values in JSON's terms
    log.write(line)
    [written] = log_lines(capsys.readouterr().out)
    assert written == {
        "whole": 120,
        "fraction": "2.50",
        "blob": "AGtleQ==",
        "tags": ["a", "b"],
        "text": "café\nnext",
    }
