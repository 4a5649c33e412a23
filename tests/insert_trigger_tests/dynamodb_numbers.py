"""DynamoDB's documented number rules, written out plainly as the oracle the handler is held to.

From the DynamoDB developer guide ("Supported data types and naming rules"): a number has up to
38 digits of precision, leading and trailing zeros are trimmed, and its magnitude is 0 or from
1E-130 to 9.9999999999999999999999999999999999999E+125 (the same range for negatives). Text is
the ASCII number syntax a stream record carries: digits, an optional point, an optional
exponent. No decimal module here: plain strings and integers, so the oracle shares no code and
no context settings with what it checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

MOST_DIGITS = 38
LOWEST_ADJUSTED = -130  # 1E-130
HIGHEST_ADJUSTED = 125  # 9.99…E+125

NUMBER_TEXT = re.compile(r"([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?", re.ASCII)


@dataclass(frozen=True)
class Number:
    """A number DynamoDB holds: its exact value and its significant digits."""

    value: Fraction
    significant_digits: str  # "" for zero


def dynamodb_number(text: str) -> Number | None:
    """The number ``text`` is in DynamoDB's terms, or None when DynamoDB holds no such number."""
    match = NUMBER_TEXT.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction, only_fraction, exponent_text = match.groups()
    fraction = only_fraction if whole is None else fraction or ""
    digits = (whole or "") + fraction
    significant = digits.lstrip("0").rstrip("0")
    if not significant:
        return Number(Fraction(0), "")
    if len((exponent_text or "").lstrip("+-0")) > 6:  # beyond any range, and beyond int()'s
        return None
    exponent = int(exponent_text or "0") - len(fraction)
    # Trimmed trailing zeros move into the exponent: "1500" is 15 x 10^2.
    exponent += len(digits) - len(digits.rstrip("0"))
    adjusted = exponent + len(significant) - 1
    if len(significant) > MOST_DIGITS or not LOWEST_ADJUSTED <= adjusted <= HIGHEST_ADJUSTED:
        return None
    magnitude = Fraction(int(significant)) * Fraction(10) ** exponent
    return Number(-magnitude if sign == "-" else magnitude, significant)


@st.composite
def number_writings(draw: st.DrawFn) -> str:
    """Number text around DynamoDB's limits, written the many ways a number can be.

    A value is drawn as significant digits (1 to 40) and a magnitude (1E-134 to 1E+129), then
    written with leading and trailing zeros, the point anywhere, with or without an exponent.
    """
    significant = str(draw(st.integers(1, 10**40)))
    significant = significant.rstrip("0") or "1"
    if draw(st.booleans()):  # often right at 38 digits, where refusals begin
        significant = (significant * 40)[: draw(st.integers(36, 40))].rstrip("0") or "1"
    adjusted = draw(st.one_of(st.integers(-134, 129), st.sampled_from([-131, -130, 125, 126])))
    exponent = adjusted - len(significant) + 1  # of the last significant digit
    leading = "0" * draw(st.sampled_from([0, 0, 1, 3, 140]))
    trailing = "0" * draw(st.sampled_from([0, 0, 1, 2, 60, 130]))
    digits = leading + significant + trailing
    point = draw(st.integers(0, len(digits)))
    # The text's own exponent, so that the digits with the point there make the value.
    written_exponent = exponent - len(trailing) + len(digits) - point
    text = f"{digits[:point]}.{digits[point:]}" if point < len(digits) else digits
    if written_exponent or draw(st.booleans()):
        letter = draw(st.sampled_from(["E", "e"]))
        plus = draw(st.sampled_from(["", "+"])) if written_exponent >= 0 else ""
        text += f"{letter}{plus}{written_exponent}"
    return draw(st.sampled_from(["", "-", "+"])) + text
