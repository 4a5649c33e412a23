"""Shared by the handler tests: event fixtures, a recording processor, boto3 as the reference."""

from __future__ import annotations

import base64
import decimal
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import strategies as st

if TYPE_CHECKING:
    from collections.abc import Callable

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
EVENTS = Path(__file__).parent / "events"

# Written into tmp_path and named by INSERT_PROCESSOR, as a user's processor would be.
RECORDING_PROCESSOR = """
CALLS = []


def process(item, record):
    if item.get("fail"):
        raise RuntimeError(f"processor refused {item.get('pk')!r}")
    CALLS.append((item, record))
"""


class Recorder:
    """Reads what the recording processor module saw, once the handler has imported it."""

    def __init__(self, module_name: str) -> None:
        self.module_name = module_name

    @property
    def imported(self) -> bool:
        """Whether the handler has imported the processor module yet."""
        return self.module_name in sys.modules

    @property
    def calls(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(item, record) for each call, in call order."""
        module = sys.modules.get(self.module_name)
        calls: list[tuple[dict[str, Any], dict[str, Any]]] = getattr(module, "CALLS", [])
        return calls

    @property
    def event_ids(self) -> list[str]:
        """The eventID of each record processed, in call order."""
        return [record["eventID"] for _, record in self.calls]


def load_event(name: str) -> dict[str, Any]:
    """The event in tests/insert_trigger_tests/events/<name>.json."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def inserts(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The event's INSERT records, in order."""
    return [record for record in event["Records"] if record["eventName"] == "INSERT"]


def log_lines(output: str) -> list[dict[str, Any]]:
    """Each line written to stdout, parsed as the JSON object it must be."""
    return [json.loads(line) for line in output.splitlines()]


def lines_with(output: str, message: str) -> list[dict[str, Any]]:
    """The log lines whose message is ``message``."""
    return [line for line in log_lines(output) if line["message"] == message]


def boto3_deserialize(image: dict[str, Any]) -> Any:
    """What boto3's TypeDeserializer makes of ``image``, given binaries as bytes, not base64."""
    return TypeDeserializer().deserialize({"M": {k: _boto3_input(v) for k, v in image.items()}})


def boto3_canonical(image: dict[str, Any]) -> object:
    """canonical() of boto3's item for ``image``, with binaries as its Binary wrapper."""
    return canonical(boto3_deserialize(image), Binary)


def refusal_or(compute: Callable[[], object]) -> object:
    """What ``compute`` returns, or the decimal signal it raises when refusing a number."""
    try:
        return compute()
    except decimal.DecimalException as signal:
        return signal


def _boto3_input(attribute: dict[str, Any]) -> dict[str, Any]:
    ((tag, value),) = attribute.items()
    if tag == "B":
        return {"B": base64.b64decode(value)}
    if tag == "BS":
        return {"BS": [base64.b64decode(member) for member in value]}
    if tag == "L":
        return {"L": [_boto3_input(member) for member in value]}
    if tag == "M":
        return {"M": {k: _boto3_input(v) for k, v in value.items()}}
    return attribute


def canonical(value: object, binary: type = bytes) -> object:
    """A form where equal means same types, same digits, same order: 1.0 and 1 differ here.

    ``binary`` is the type binaries must have: bytes for ours, boto3's Binary for boto3's.
    """
    if type(value) is Decimal:
        return ("N", str(value))
    if type(value) is binary:
        data: Any = value  # bytes() unwraps boto3's Binary, whatever its stub's __bytes__ says
        return ("B", bytes(data))
    if type(value) is str or type(value) is bool or value is None:
        return (type(value).__name__, value)
    if type(value) is list:
        return ("L", tuple(canonical(member, binary) for member in value))
    if type(value) is dict:
        return ("M", tuple((key, canonical(member, binary)) for key, member in value.items()))
    if type(value) is set:
        return ("set", frozenset(canonical(member, binary) for member in value))
    raise AssertionError(f"unexpected {type(value).__name__} in a deserialised item: {value!r}")


# ---------------------------------------------------------------------------- strategies

# Edges of DynamoDB's numbers (38 digits, 1E-130 .. 9.99…E+125) and just past them.
EDGE_NUMBERS = [
    "0",
    "-0",
    "0.000",
    "007",
    "1.500",
    "1E-130",
    "-1E-130",
    "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125",
    "12345678901234567890123456789012345678",
    "0.12345678901234567890123456789012345678",
    "123456789012345678901234567890123456789",
    "1234567890123456789012345678901234567800",
    "1E+126",
    "1E+127",
    "1E-131",
    "1E-165",
    "1E-166",
    "0E+200",
    "0E-200",
    "1e5",
]


@st.composite
def number_texts(draw: st.DrawFn, digits: int = 41, exponents: int = 175) -> str:
    """Number text as DynamoDB JSON writes it, and as it could: zeros, points, exponents."""
    text = str(draw(st.integers(0, 10**digits)))
    text = "0" * draw(st.integers(0, 2)) + text + "0" * draw(st.integers(0, 2))
    point = draw(st.integers(0, len(text)))
    if point < len(text):
        text = f"{text[:point] or '0'}.{text[point:]}"
    if draw(st.booleans()):
        text += f"E{draw(st.integers(-exponents, exponents)):+d}"
    return draw(st.sampled_from(["", "-"])) + text


# Numbers DynamoDB accepts, and those mixed with the edges (about a third refused by boto3).
sound_numbers = number_texts(digits=30, exponents=90)
numbers = st.one_of(sound_numbers, sound_numbers, st.sampled_from(EDGE_NUMBERS))
binaries = st.binary(max_size=12).map(lambda data: base64.b64encode(data).decode("ascii"))
names = st.text(max_size=6)


def tagged(tag: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Attribute values ``{tag: value}`` for each value drawn."""
    return values.map(lambda value: {tag: value})


def attributes(numbers: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Attribute values of every type, nested in lists and maps, with numbers from ``numbers``."""
    scalars = st.one_of(
        tagged("S", st.text(max_size=12)),
        tagged("N", numbers),
        tagged("B", binaries),
        tagged("BOOL", st.booleans()),
        st.just({"NULL": True}),
        tagged("SS", st.lists(st.text(max_size=6), min_size=1, max_size=4)),
        tagged("NS", st.lists(numbers, min_size=1, max_size=4)),
        tagged("BS", st.lists(binaries, min_size=1, max_size=4)),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            tagged("L", st.lists(children, max_size=4)),
            tagged("M", st.dictionaries(names, children, max_size=4)),
        ),
        max_leaves=12,
    )


attribute_values = attributes(numbers)
sound_attribute_values = attributes(sound_numbers)
images = st.dictionaries(names, attribute_values, max_size=6)
