"""Log lines: one compact JSON object per line on stdout, for CloudWatch Logs Insights."""

from __future__ import annotations

import sys
from _json import encode_basestring_ascii, make_encoder
from binascii import b2a_base64
from decimal import Decimal


def write(line: dict[str, object]) -> None:
    """Write ``line`` as one line of JSON, its keys in the order given."""
    sys.stdout.write("".join(_encode(line, 0)) + "\n")


def _jsonable(value: object) -> object:
    """Stand in for what json cannot write: Decimals, bytes, sets, and anything odd as text."""
    if isinstance(value, Decimal):
        # Whole numbers stay numbers; the others keep their exact digits as text.
        if value.is_finite() and value == (whole := int(value)):
            return whole
        return str(value)
    if isinstance(value, bytes | bytearray):
        return b2a_base64(value, newline=False).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


# json.JSONEncoder(separators=(",", ":"), default=_jsonable, check_circular=False).encode()
# builds this C encoder, json's own from _json, anew on every call: built once, a line costs
# half as much. ASCII only (non-ASCII escaped), so a line stays one line and one encoding
# wherever it goes. No circular check: lines hold parsed JSON and values made from it, which
# cannot loop. tests/insert_trigger_tests/test_log.py holds the output equal to JSONEncoder's.
_encode = make_encoder(None, _jsonable, encode_basestring_ascii, None, ":", ",", False, False, True)
