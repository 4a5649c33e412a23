"""Turn a stream image (DynamoDB JSON) into the plain values boto3's TypeDeserializer gives.

Two differences: binaries, base64 text in stream events, come out decoded, as bytes; and every
number DynamoDB holds is read, including those boto3 refuses ("1" and 100 zeros is 1E+100).
"""

from __future__ import annotations

from binascii import a2b_base64
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Clamped,
    Context,
    Decimal,
    Inexact,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# DynamoDB's numbers: at most 38 significant digits (leading and trailing zeros do not count),
# magnitude 0 or 1E-130 to 9.9999999999999999999999999999999999999E+125. Most number text is
# written with 38 digits or fewer, and this context converts it in one C call, refusing what
# falls outside: it is boto3's DYNAMODB_CONTEXT with DynamoDB's own exponent range (boto3's
# lets 1E-165 and 9E+126 through) and Subnormal trapped, so that below 1E-130 raises too.
# Where it converts, its Decimal is boto3's, digit for digit. Text it refuses goes through
# _exact_number, which counts digits as DynamoDB does ("1" and 100 zeros is 1E+100).
_NUMBERS = Context(
    Emin=-130,
    Emax=125,
    prec=38,
    traps=[Clamped, Overflow, Inexact, Rounded, Underflow, Subnormal],
)
# Exact for any text Python reads as a number, however long: used only on _NUMBERS' refusals.
_EXACT = Context(prec=MAX_PREC, Emin=MIN_EMIN, Emax=MAX_EMAX, traps=[])
# boto3's limits without its traps: a zero keeps the exponent boto3 gives it, clamped if absurd.
_ZEROS = Context(prec=38, Emin=-128, Emax=126, traps=[])
MOST_DIGITS = 38
LOWEST_EXPONENT = -130  # adjusted exponent of the smallest magnitude, 1E-130
HIGHEST_EXPONENT = 125  # and of the largest, 9.99…E+125
_create_decimal = _NUMBERS.create_decimal


class ImageError(ValueError):
    """An attribute value that is not well-formed DynamoDB JSON; names its path and type tag."""

    def __init__(self, tag: str | None, problem: str) -> None:
        super().__init__(problem)
        self.tag = tag
        self.problem = problem
        self.path: list[str | int] = []

    def at(self, step: str | int) -> ImageError:
        """Prefix the path with ``step`` (a map key or list index) on the way out."""
        self.path.insert(0, step)
        return self

    def __str__(self) -> str:
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in self.path)
        tag = f" ({self.tag})" if self.tag is not None else ""
        subject = f"attribute {where.removeprefix('.')}" if where else "image"
        return f"{subject}{tag}: {self.problem}"


def deserialize_image(image: dict[str, Any]) -> dict[str, Any]:
    """Return the item held by ``image``, a map of attribute name to DynamoDB JSON value."""
    if not isinstance(image, dict):
        raise ImageError(None, f"expected a map of attributes, got {_show(image)}")
    return _map(image)


def _map(raw: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _wrong_type("M", raw, "a map")
    item: dict[str, Any] = {}
    for name, attribute in raw.items():
        # Strings and numbers are most values: decoding them here rather than through
        # _DECODERS saves a call each, a good part of an item's time. The tag test comes
        # first as it is the cheaper one.
        try:
            (tag,) = attribute
            value = attribute[tag]
            if tag == "S" and value.__class__ is str:
                item[name] = value
                continue
            if tag == "N" and value.__class__ is str:
                number = _create_decimal(value)
                if number.is_finite():
                    item[name] = number
                    continue
            # Everything else, and the errors of a non-finite N, through its decoder.
            item[name] = _DECODERS[tag](value)
        except ImageError as error:
            error.at(name)
            raise
        except ArithmeticError:
            # Rare: more than 38 digits as written, or out of range. The exact path decides.
            try:
                item[name] = _exact_number(value, "N")
            except ImageError as error:
                raise error.at(name) from None
        except (TypeError, ValueError, KeyError):
            raise _not_an_attribute(attribute).at(name) from None
    return item


def _value(attribute: dict[str, Any]) -> Any:
    try:
        (tag,) = attribute
        decode = _DECODERS[tag]
        value = attribute[tag]
    except (TypeError, ValueError, KeyError):
        raise _not_an_attribute(attribute) from None
    return decode(value)


def _list(raw: list[Any]) -> list[Any]:
    if not isinstance(raw, list):
        raise _wrong_type("L", raw, "a list")
    values: list[Any] = []
    for index, attribute in enumerate(raw):
        try:
            values.append(_value(attribute))
        except ImageError as error:
            error.at(index)
            raise
    return values


def _string(raw: str) -> str:
    if not isinstance(raw, str):
        raise _wrong_type("S", raw, "a string")
    return raw


def _number(raw: str, tag: str = "N") -> Decimal:
    if not isinstance(raw, str):
        raise _wrong_type(tag, raw, "a number in a string")
    try:
        number = _create_decimal(raw)
    except ArithmeticError:
        return _exact_number(raw, tag)
    # boto3 turns text that is not a number into NaN without a word; no item holds one.
    if not number.is_finite():
        raise ImageError(tag, f"{raw!r:.60} is not a number")
    return number


def _exact_number(raw: str, tag: str) -> Decimal:
    """``raw``, valid number text _NUMBERS refused, as DynamoDB's rules judge it, digit by digit."""
    mantissa, _, exponent_text = raw.replace("E", "e").partition("e")
    coefficient = _EXACT.create_decimal(mantissa)
    if coefficient.is_zero():
        return _ZEROS.create_decimal(raw)
    sign, digits, _ = coefficient.as_tuple()
    exponent = coefficient.adjusted() - len(digits) + 1
    significant = len(digits)
    while digits[significant - 1] == 0:  # the coefficient has no leading zeros, only trailing
        significant -= 1
    try:
        exponent += len(digits) - significant + int(exponent_text or 0)
    except ValueError:  # more digits of exponent than int() reads: far out of range
        raise _out_of_range(tag, raw) from None
    if significant > MOST_DIGITS:
        raise ImageError(
            tag,
            f"{raw!r:.60} has {significant} significant digits; DynamoDB keeps at most "
            f"{MOST_DIGITS}",
        )
    if not LOWEST_EXPONENT <= exponent + significant - 1 <= HIGHEST_EXPONENT:
        raise _out_of_range(tag, raw)
    return Decimal((sign, digits[:significant], exponent))


def _binary(raw: str, tag: str = "B") -> bytes:
    if not isinstance(raw, str):
        raise _wrong_type(tag, raw, "base64 text")
    try:
        return a2b_base64(raw, strict_mode=True)
    except ValueError as error:
        raise ImageError(tag, f"{raw!r:.60} is not base64 ({error})") from error


def _bool(raw: bool) -> bool:
    if not isinstance(raw, bool):
        raise _wrong_type("BOOL", raw, "true or false")
    return raw


def _null(raw: bool) -> None:
    if raw is not True:
        raise _wrong_type("NULL", raw, "true")


def _string_set(raw: list[str]) -> set[str]:
    if not isinstance(raw, list):
        raise _wrong_type("SS", raw, "a list")
    for member in raw:
        if not isinstance(member, str):
            raise _wrong_type("SS", member, "string members")
    return set(raw)


def _number_set(raw: list[str]) -> set[Decimal]:
    if not isinstance(raw, list):
        raise _wrong_type("NS", raw, "a list")
    return {_number(member, "NS") for member in raw}


def _binary_set(raw: list[str]) -> set[bytes]:
    if not isinstance(raw, list):
        raise _wrong_type("BS", raw, "a list")
    return {_binary(member, "BS") for member in raw}


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "S": _string,
    "N": _number,
    "M": _map,
    "L": _list,
    "SS": _string_set,
    "NS": _number_set,
    "BOOL": _bool,
    "NULL": _null,
    "B": _binary,
    "BS": _binary_set,
}


def _not_an_attribute(attribute: object) -> ImageError:
    if isinstance(attribute, dict) and len(attribute) == 1:
        (tag,) = attribute
        return ImageError(str(tag), "unknown type tag")
    return ImageError(None, f"expected one {{tag: value}} pair, got {_show(attribute)}")


def _out_of_range(tag: str, raw: str) -> ImageError:
    return ImageError(
        tag,
        f"{raw!r:.60} is outside DynamoDB's range: 0, or a magnitude from 1E-130 to "
        "9.9999999999999999999999999999999999999E+125",
    )


def _wrong_type(tag: str, raw: object, expected: str) -> ImageError:
    return ImageError(tag, f"expected {expected}, got {_show(raw)}")


def _show(value: object) -> str:
    return f"{type(value).__name__} {value!r:.60}"
