"""deserialize_image gives exactly what boto3's TypeDeserializer gives, and fails where it fails."""

from __future__ import annotations

import copy
import decimal
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import DYNAMODB_CONTEXT, TypeDeserializer
from handler.support import (
    EDGE_NUMBERS,
    boto3_canonical,
    boto3_deserialize,
    canonical,
    images,
    load_event,
    number_texts,
    refusal_or,
)
from hypothesis import event, given, settings
from hypothesis import strategies as st
from insert_trigger import ImageError, deserialize_image
from insert_trigger.image import _NUMBERS


def test_every_type_in_a_fixture_matches_boto3() -> None:
    # GIVEN an insert whose image holds every type and DynamoDB's number edges
    image = load_event("every_type_insert")["Records"][0]["dynamodb"]["NewImage"]

    # WHEN both deserialise it
    ours = deserialize_image(image)

    # THEN the items are the same, type for type and digit for digit
    assert canonical(ours) == boto3_canonical(image)
    assert ours["binary"] == b"\x00\x01\xfe\xff order"
    assert ours["binary_set"] == {b"\x01", b"\x02\x03", b""}
    assert str(ours["negative_zero"]) == "-0"
    assert str(ours["trailing_zeros"]) == "1.500"


def test_order_items_in_a_batch_match_boto3() -> None:
    # GIVEN the images of a realistic mixed batch
    records = load_event("mixed_batch")["Records"]
    for record in records:
        for image in (record["dynamodb"].get("NewImage"), record["dynamodb"].get("OldImage")):
            if image is not None:
                # WHEN / THEN each one deserialises as boto3 does
                assert canonical(deserialize_image(image)) == boto3_canonical(image)


def test_our_number_context_is_boto3s() -> None:
    # GIVEN boto3's DynamoDB context, WHEN compared with ours, THEN limits and traps agree
    for setting in ("prec", "Emin", "Emax", "rounding", "capitals", "clamp"):
        assert getattr(_NUMBERS, setting) == getattr(DYNAMODB_CONTEXT, setting), setting
    assert _NUMBERS.traps == DYNAMODB_CONTEXT.traps


@settings(max_examples=600, deadline=None)
@given(image=images)
def test_any_image_matches_boto3_or_both_fail(image: dict[str, Any]) -> None:
    # GIVEN any image of nested types and numbers up to and past DynamoDB's limits
    untouched = copy.deepcopy(image)

    # WHEN boto3 deserialises it
    expected = refusal_or(lambda: boto3_canonical(image))
    if isinstance(expected, decimal.DecimalException):
        event("boto3 refuses a number")
        # THEN where boto3 refuses a number, so do we, for the same decimal signal
        with pytest.raises(ImageError) as ours:
            deserialize_image(image)
        assert type(ours.value.__cause__) is type(expected)
    else:
        # THEN otherwise we give the same item
        assert canonical(deserialize_image(image)) == expected

    # AND the input is left as it was
    assert image == untouched


@settings(max_examples=1500, deadline=None)
@given(
    text=st.one_of(
        st.sampled_from(EDGE_NUMBERS),
        number_texts(),
        # Around 38 significant digits, where Inexact and Rounded begin.
        st.builds(
            lambda digits, zeros: str(digits) + "0" * zeros,
            st.integers(10**35, 10**40),
            st.integers(0, 3),
        ),
    )
)
def test_any_number_converts_or_fails_as_in_boto3(text: str) -> None:
    # GIVEN number text, WHEN boto3 converts it
    expected = refusal_or(lambda: TypeDeserializer().deserialize({"N": text}))
    if isinstance(expected, decimal.DecimalException):
        event(f"boto3 refuses: {type(expected).__name__}")
        # THEN we fail too, with the same signal as the cause
        with pytest.raises(ImageError, match=r"does not fit DynamoDB's 38 digits") as ours:
            deserialize_image({"n": {"N": text}})
        assert type(ours.value.__cause__) is type(expected)
    else:
        # THEN the same digits and exponent come out
        assert isinstance(expected, Decimal)
        number = deserialize_image({"n": {"N": text}})["n"]
        assert (number.as_tuple(), str(number)) == (expected.as_tuple(), str(expected))


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("123456789012345678901234567890123456789", decimal.Inexact),
        ("1234567890123456789012345678901234567800", decimal.Rounded),
        ("1E+127", decimal.Overflow),
        ("1E-166", decimal.Underflow),
        ("0E+200", decimal.Clamped),
    ],
)
def test_numbers_boto3_refuses_are_refused(text: str, signal: type[Exception]) -> None:
    # GIVEN a number past DynamoDB's precision or range
    with pytest.raises(signal):
        TypeDeserializer().deserialize({"N": text})

    # WHEN we read it, THEN an ImageError names the attribute and the decimal signal
    with pytest.raises(ImageError, match=rf"attribute price \(N\): .*{signal.__name__}") as error:
        deserialize_image({"price": {"N": text}})
    assert isinstance(error.value.__cause__, signal)


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "sNaN", "twelve", ""])
def test_text_that_is_no_number_is_refused_where_boto3_gives_nan(text: str) -> None:
    # GIVEN text that is not a number: boto3 returns NaN or infinity without a word
    assert not TypeDeserializer().deserialize({"N": text}).is_finite()

    # WHEN we read it, THEN it is refused: no DynamoDB item holds such a number
    with pytest.raises(ImageError, match="is not a number"):
        deserialize_image({"n": {"N": text}})
    with pytest.raises(ImageError, match="is not a number"):
        deserialize_image({"n": {"NS": ["1", text]}})


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ({"a": {"X": "1"}}, r"attribute a \(X\): unknown type tag"),
        ({"a": {"L": [{"M": {"b": {"SX": []}}}]}}, r"attribute a\[0\]\.b \(SX\): unknown type tag"),
        ({"a": {"M": {"b": {"L": [{"S": "x"}, {"N": 5}]}}}}, r"a\.b\[1\] \(N\): expected a number"),
        ({"a": {"S": 1}}, r"attribute a \(S\): expected a string, got int"),
        ({"a": {"BOOL": "true"}}, r"\(BOOL\): expected true or false"),
        ({"a": {"NULL": False}}, r"\(NULL\): expected true"),
        ({"a": {"L": {"S": "x"}}}, r"\(L\): expected a list"),
        ({"a": {"M": [{"S": "x"}]}}, r"\(M\): expected a map"),
        ({"a": {"SS": ["x", 1]}}, r"\(SS\): expected string members"),
        ({"a": {"NS": "1"}}, r"\(NS\): expected a list"),
        ({"a": {"BS": ["AA==", "%%"]}}, r"\(BS\): '%%' is not base64"),
        ({"a": {"B": "AAA"}}, r"attribute a \(B\): 'AAA' is not base64"),
        ({"a": {"S": "x", "N": "1"}}, r"attribute a: expected one \{tag: value\} pair"),
        ({"a": {}}, r"attribute a: expected one \{tag: value\} pair"),
        ({"a": "x"}, r"attribute a: expected one \{tag: value\} pair, got str"),
        ({"a": None}, r"attribute a: expected one \{tag: value\} pair, got NoneType"),
        ({"a": {"L": [["S", "x"]]}}, r"attribute a\[0\]: expected one \{tag: value\} pair"),
    ],
)
def test_malformed_values_are_named_by_path_and_tag(image: dict[str, Any], message: str) -> None:
    # GIVEN an image with one malformed attribute value
    # WHEN it is read, THEN the error is a ValueError naming where and what
    with pytest.raises(ImageError, match=message) as error:
        deserialize_image(image)
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize("image", [None, [], "pk", [{"S": "x"}]])
def test_an_image_must_be_a_map(image: Any) -> None:
    # GIVEN something that is not a map of attributes, WHEN read, THEN refused as a whole
    with pytest.raises(ImageError, match=r"^image: expected a map of attributes"):
        deserialize_image(image)


def test_unknown_tags_fail_in_boto3_too() -> None:
    # GIVEN a type tag neither knows, WHEN both read it, THEN both raise
    with pytest.raises(TypeError):
        boto3_deserialize({"a": {"X": "1"}})
    with pytest.raises(ImageError):
        deserialize_image({"a": {"X": "1"}})


def test_results_are_plain_containers_and_fresh() -> None:
    # GIVEN an image with nested containers
    image = {"l": {"L": [{"M": {"s": {"SS": ["a"]}}}]}, "n": {"N": "1"}}
    untouched = copy.deepcopy(image)

    # WHEN read twice
    first, second = deserialize_image(image), deserialize_image(image)

    # THEN plain dict/list/set come out, new each time, and the input is unchanged
    assert type(first["l"]) is list
    assert type(first["l"][0]) is dict
    assert type(first["l"][0]["s"]) is set
    assert first == second
    assert first["l"] is not second["l"]
    assert first["n"] == Decimal(1)
    assert image == untouched
