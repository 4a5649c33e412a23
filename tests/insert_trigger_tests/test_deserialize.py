"""deserialize_image reads every number DynamoDB holds, and elsewhere gives what boto3 gives."""

from __future__ import annotations

import copy
import decimal
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from boto3.dynamodb.types import DYNAMODB_CONTEXT, TypeDeserializer
from fuzz import examples
from hypothesis import event, given, settings
from hypothesis import strategies as st
from insert_trigger import ImageError, deserialize_image
from insert_trigger.image import _NUMBERS
from insert_trigger_tests.dynamodb_numbers import MOST_DIGITS, dynamodb_number, number_writings
from insert_trigger_tests.support import (
    EDGE_NUMBERS,
    boto3_canonical,
    boto3_deserialize,
    canonical,
    images,
    load_event,
    number_texts,
    refusal_or,
)


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


def test_our_number_context_is_boto3s_but_for_the_range() -> None:
    # GIVEN boto3's DynamoDB context, WHEN compared with our fast one, THEN the same digits and
    # rounding, and traps a superset: ours also stops below 1E-130 (Subnormal) and above E+125
    for setting in ("prec", "rounding", "capitals", "clamp"):
        assert getattr(_NUMBERS, setting) == getattr(DYNAMODB_CONTEXT, setting), setting
    assert {signal for signal, on in DYNAMODB_CONTEXT.traps.items() if on} < {
        signal for signal, on in _NUMBERS.traps.items() if on
    }
    assert (_NUMBERS.Emin, _NUMBERS.Emax) == (-130, 125)


def numbers_in(value: dict[str, Any]) -> list[str]:
    """Every N and NS text inside an attribute value, however deep."""
    ((tag, raw),) = value.items()
    if tag == "N":
        return [raw]
    if tag == "NS":
        return list(raw)
    if tag in ("L", "M"):
        members = raw if tag == "L" else raw.values()
        return [text for member in members for text in numbers_in(member)]
    return []


@settings(max_examples=examples(600), deadline=None)
@given(image=images)
def test_any_image_matches_boto3_where_dynamodb_holds_its_numbers(image: dict[str, Any]) -> None:
    # GIVEN any image of nested types, with numbers up to and past DynamoDB's limits
    untouched = copy.deepcopy(image)
    texts = [text for value in image.values() for text in numbers_in(value)]
    held = all(dynamodb_number(text) is not None for text in texts)

    # WHEN boto3 deserialises it
    expected = refusal_or(lambda: boto3_canonical(image))
    if not held:
        event("a number DynamoDB cannot hold")
        # THEN a number DynamoDB cannot hold is refused, whatever boto3 makes of it
        with pytest.raises(ImageError, match=r"significant digits|outside DynamoDB's range"):
            deserialize_image(image)
    elif isinstance(expected, decimal.DecimalException):
        event("boto3 refuses a number DynamoDB holds")
        # THEN where boto3 refuses a number DynamoDB holds, we read it (its value is checked
        # number by number below)
        deserialize_image(image)
    else:
        # THEN otherwise we give boto3's item, type for type and digit for digit
        assert canonical(deserialize_image(image)) == expected

    # AND the input is left as it was
    assert image == untouched


def check_against_the_oracle(text: str) -> None:
    """What deserialize_image makes of ``text``: DynamoDB's number, and boto3's where it can."""
    held = dynamodb_number(text)
    boto3_number = refusal_or(lambda: TypeDeserializer().deserialize({"N": text}))
    if held is None:
        event("refused: DynamoDB holds no such number")
        # THEN text that is no number DynamoDB holds is refused, naming the attribute
        with pytest.raises(ImageError, match=r"^attribute n \(N\): "):
            deserialize_image({"n": {"N": text}})
        return
    number = deserialize_image({"n": {"N": text}})["n"]
    # THEN the value is DynamoDB's, exactly, in at most 38 digits
    assert Fraction(number) == held.value
    assert len(number.as_tuple().digits) <= MOST_DIGITS
    if isinstance(boto3_number, Decimal):
        event("boto3 reads it too")
        # AND where boto3 reads it, ours is boto3's Decimal, digit for digit
        assert (number.as_tuple(), str(number)) == (boto3_number.as_tuple(), str(boto3_number))
    else:
        # (boto3 refuses it: more than 38 digits as written, or 38 digits below 1E-128)
        event(f"boto3 refuses it: {type(boto3_number).__name__}")


@settings(max_examples=examples(3000), deadline=None)
@given(text=number_writings())
def test_any_writing_of_a_number_is_read_as_dynamodb_holds_it(text: str) -> None:
    # GIVEN a number written any way: zeros before and after, a point anywhere, an exponent;
    # WHEN read, THEN as DynamoDB's rules say (see check_against_the_oracle)
    check_against_the_oracle(text)


@settings(max_examples=examples(1500), deadline=None)
@given(
    text=st.one_of(
        st.sampled_from(EDGE_NUMBERS),
        number_texts(),
        st.text(alphabet="0123456789.eE+- _", max_size=12),
        # Around 38 significant digits, where boto3's Inexact and Rounded begin.
        st.builds(
            lambda digits, zeros: str(digits) + "0" * zeros,
            st.integers(10**35, 10**40),
            st.integers(0, 3),
        ),
    )
)
def test_any_text_is_read_as_dynamodb_holds_it_or_refused(text: str) -> None:
    # GIVEN number text and text that only looks like it, WHEN read, THEN as the oracle says
    check_against_the_oracle(text)


NINES = "9" * MOST_DIGITS


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1" + "0" * 100, "1E+100"),
        ("1234567895171680000000000000000000000000", "1.23456789517168E+39"),
        ("1E-130", "1E-130"),
        ("-1E-130", "-1E-130"),
        ("0." + "0" * 129 + "1", "1E-130"),
        (f"9.{NINES[1:]}E+125", f"9.{NINES[1:]}E+125"),
        (f"-{NINES}" + "0" * 88, f"-9.{NINES[1:]}E+125"),
        (
            "1.2345678901234567890123456789012345678E-130",
            "1.2345678901234567890123456789012345678E-130",
        ),
        (
            "000" + "12345678901234567890123456789012345678" + "0" * 50,
            "1.2345678901234567890123456789012345678E+87",
        ),
        ("0" * 200, "0"),
        ("0E+200", "0E+126"),
    ],
    ids=lambda text: text if len(text) < 30 else f"{text[:12]}…{len(text)} chars",
)
def test_numbers_dynamodb_holds_are_read(text: str, value: str) -> None:
    # GIVEN text for a number DynamoDB holds, some of which boto3 refuses
    # WHEN read, THEN the value is that number, in at most 38 digits
    number = deserialize_image({"price": {"N": text}})["price"]
    assert (str(number), number) == (value, Decimal(text))
    assert deserialize_image({"prices": {"NS": [text]}})["prices"] == {Decimal(value)}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1E+126", "outside DynamoDB's range"),
        ("10E+125", "outside DynamoDB's range"),
        ("1" + "0" * 126, "outside DynamoDB's range"),
        ("1E-131", "outside DynamoDB's range"),
        (f"0.{NINES}E-130", "outside DynamoDB's range"),
        ("-1E-131", "outside DynamoDB's range"),
        ("1E+127", "outside DynamoDB's range"),
        ("1E+" + "9" * 5000, "outside DynamoDB's range"),
        ("123456789012345678901234567890123456789", "has 39 significant digits"),
        ("1234567890123456789012345678901234567890", "has 39 significant digits"),
        (f"{NINES}9E+10", "has 39 significant digits"),
        ("0.000" + "1" * 39 + "000", "has 39 significant digits"),
    ],
    ids=lambda text: text if len(text) < 30 else f"{text[:12]}…{len(text)} chars",
)
def test_numbers_dynamodb_cannot_hold_are_refused(text: str, problem: str) -> None:
    # GIVEN number text just past DynamoDB's range or 38 digits
    assert dynamodb_number(text) is None
    # WHEN read, THEN an ImageError names the attribute, the text and what is wrong
    with pytest.raises(
        ImageError, match=rf"^attribute price \(N\): '{re.escape(text[:20])}.*{problem}"
    ):
        deserialize_image({"price": {"N": text}})
    with pytest.raises(ImageError, match=rf"^attribute prices \(NS\): .*{problem}"):
        deserialize_image({"prices": {"NS": ["1", text]}})


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
