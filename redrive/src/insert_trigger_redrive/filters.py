"""Lambda event filtering, as AWS documents it, for the records a mapping would have delivered.

Pure code: `compile_filter_criteria` checks every pattern once and refuses what it cannot
evaluate; `matches` tests one record against one checked pattern.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

type Pattern = Mapping[str, Any]

# Lambda adds these after filtering (LocalStack does the same, citing AWS's EventBridge Pipes
# page: "the following fields can't be used in event patterns"), so a pattern on them never
# matches on AWS's side; evaluating them here would guess, so such patterns are refused.
METADATA_FIELDS = ("eventSource", "eventSourceARN", "awsRegion", "eventVersion")
STRING_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
ANYTHING_BUT_OPERATORS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
NUMERIC_OPERATORS = ("=", "<", "<=", ">", ">=")
SUPPORTED = (
    "exact values (string, number, true/false, null), empty string, prefix, suffix, "
    "equals-ignore-case, wildcard, anything-but (values, prefix, suffix, equals-ignore-case, "
    "wildcard), numeric, exists, $or"
)


class UnsupportedFilterError(ValueError):
    """A filter pattern that this tool cannot evaluate exactly as Lambda would."""


def compile_filter_criteria(filter_criteria: Mapping[str, Any] | None) -> list[Pattern]:
    """The mapping's patterns, parsed and checked; refuses any rule it cannot evaluate."""
    patterns: list[Pattern] = []
    for index, entry in enumerate((filter_criteria or {}).get("Filters") or []):
        text = entry.get("Pattern") if isinstance(entry, Mapping) else None
        if not isinstance(text, str):
            raise UnsupportedFilterError(f"filter {index + 1} has no Pattern string: {entry!r}")
        try:
            pattern = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnsupportedFilterError(
                f"filter {index + 1} is not valid JSON ({error}): {text}"
            ) from error
        check_pattern(pattern, where=f"filter {index + 1}")
        for field in METADATA_FIELDS:
            if field in pattern:
                raise UnsupportedFilterError(
                    f"filter {index + 1} matches on {field!r}, a field Lambda adds after "
                    "filtering; whether AWS would deliver such records is not documented, "
                    "so this tool refuses to guess"
                )
        patterns.append(pattern)
    return patterns


def filter_view(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """What a mapping's patterns are matched against: the record, or for a Kinesis record only
    its data, decoded from base64 JSON (Lambda filters Kinesis records on data alone); data that
    is not JSON gives an empty view, which no pattern on data matches."""
    kinesis = record.get("kinesis")
    if record.get("eventSource") != "aws:kinesis" or not isinstance(kinesis, Mapping):
        return record
    try:
        data = json.loads(base64.b64decode(str(kinesis.get("data", "")), validate=True))
    except (ValueError, binascii.Error):
        return {}
    return {"data": data}


def delivered(record: Mapping[str, Any], patterns: Sequence[Pattern]) -> bool:
    """Whether a mapping with these patterns delivers the record (no patterns: all records)."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def check_pattern(pattern: object, where: str = "pattern") -> None:
    """Raise UnsupportedFilterError, naming the path and rule, for anything not evaluable."""
    if not isinstance(pattern, Mapping) or not pattern:
        raise UnsupportedFilterError(f"{where}: a pattern must be a non-empty JSON object")
    for key, value in pattern.items():
        path = f"{where}.{key}"
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise UnsupportedFilterError(f"{path}: $or takes a list of at least 2 patterns")
            for number, alternative in enumerate(value):
                check_pattern(alternative, f"{path}[{number}]")
        elif isinstance(value, Mapping):
            check_pattern(value, path)
        elif isinstance(value, list):
            if not value:
                raise UnsupportedFilterError(f"{path}: an empty list of rules matches nothing")
            for rule in value:
                _check_rule(rule, path)
        else:
            raise UnsupportedFilterError(
                f"{path}: expected a list of rules or a nested object, got {value!r}"
            )


def _check_rule(rule: object, path: str) -> None:
    if rule is None or isinstance(rule, str | bool) or _is_number(rule):
        return
    if not isinstance(rule, Mapping) or len(rule) != 1:
        raise UnsupportedFilterError(
            f"{path}: unsupported rule {rule!r}; a rule is a value or an object with one "
            f"operator. Supported: {SUPPORTED}"
        )
    ((operator, operand),) = rule.items()
    if operator in ("prefix", "suffix"):
        _check_text(operand, path, operator, allow_ignore_case=True)
    elif operator == "equals-ignore-case":
        _check_text(operand, path, operator)
    elif operator == "wildcard":
        _check_text(operand, path, operator)
        _wildcard_regex(operand, path)
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise UnsupportedFilterError(f"{path}: exists takes true or false, got {operand!r}")
    elif operator == "numeric":
        _numeric_bounds(operand, path)
    elif operator == "anything-but":
        _check_anything_but(operand, path)
    else:
        raise UnsupportedFilterError(
            f"{path}: the {operator!r} rule is not supported by this tool. Supported: {SUPPORTED}"
        )


def _check_text(operand: object, path: str, operator: str, allow_ignore_case: bool = False) -> None:
    if isinstance(operand, str):
        return
    if (
        allow_ignore_case
        and isinstance(operand, Mapping)
        and list(operand) == ["equals-ignore-case"]
        and isinstance(operand["equals-ignore-case"], str)
    ):
        return
    raise UnsupportedFilterError(f"{path}: {operator} takes a string, got {operand!r}")


def _check_anything_but(operand: object, path: str) -> None:
    values = operand if isinstance(operand, list) else [operand]
    if isinstance(operand, Mapping):
        if len(operand) != 1 or next(iter(operand)) not in ANYTHING_BUT_OPERATORS:
            raise UnsupportedFilterError(
                f"{path}: anything-but {operand!r} is not supported; it takes values or one of "
                f"{', '.join(ANYTHING_BUT_OPERATORS)}"
            )
        ((operator, inner),) = operand.items()
        texts = inner if isinstance(inner, list) and operator != "prefix" else [inner]
        if operator in ("prefix", "suffix") and not isinstance(inner, str):
            raise UnsupportedFilterError(f"{path}: anything-but {operator} takes one string")
        for text in texts:
            if not isinstance(text, str):
                raise UnsupportedFilterError(f"{path}: anything-but {operator} takes strings")
            if operator == "wildcard":
                _wildcard_regex(text, path)
        return
    if not values or not all(isinstance(v, str) or _is_number(v) for v in values):
        raise UnsupportedFilterError(
            f"{path}: anything-but takes a string, a number, or a non-empty list of them; "
            f"got {operand!r}"
        )


def _numeric_bounds(operand: object, path: str) -> list[tuple[str, float]]:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise UnsupportedFilterError(
            f"{path}: numeric takes [op, number] or [lower op, number, upper op, number], "
            f"got {operand!r}"
        )
    bounds = []
    for op, number in zip(operand[::2], operand[1::2], strict=True):
        if op not in NUMERIC_OPERATORS or not _is_number(number):
            raise UnsupportedFilterError(
                f"{path}: numeric operators are {', '.join(NUMERIC_OPERATORS)} each followed "
                f"by a number, got {operand!r}"
            )
        bounds.append((op, float(number)))
    if len(bounds) == 2 and not (bounds[0][0] in (">", ">=") and bounds[1][0] in ("<", "<=")):
        raise UnsupportedFilterError(
            f"{path}: a numeric range is a lower bound (> or >=) then an upper bound (< or <=), "
            f"got {operand!r}"
        )
    return bounds


def _wildcard_regex(text: str, path: str) -> re.Pattern[str]:
    """The wildcard as a regex: each * is any run of characters, everything else is literal."""
    if "\\" in text:
        # Whether and how a backslash escapes * is not documented for Lambda: refuse, not guess.
        raise UnsupportedFilterError(
            f"{path}: wildcard {text!r} has a backslash, whose meaning this tool will not guess"
        )
    if "**" in text:
        raise UnsupportedFilterError(
            f"{path}: wildcard {text!r} has consecutive *, which AWS refuses"
        )
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- evaluation -------------------------------------------------------------------------------


def matches(pattern: Pattern, event: Mapping[str, Any]) -> bool:
    """Whether the event satisfies every field of the pattern (a checked pattern)."""
    for key, rules in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event) for alternative in rules):
                return False
        elif isinstance(rules, Mapping):
            if not _matches_nested(rules, event.get(key)):
                return False
        elif not _matches_leaf(rules, _leaves(event, key)):
            return False
    return True


def _matches_nested(pattern: Pattern, value: object) -> bool:
    if isinstance(value, Mapping):
        return matches(pattern, value)
    if isinstance(value, list):
        # An array matches when one of its objects matches the whole sub-pattern.
        objects = [element for element in _flatten(value) if isinstance(element, Mapping)]
        if objects:
            return any(matches(pattern, element) for element in objects)
    # Nothing under this key: only rules such as exists false can still match.
    return matches(pattern, {})


def _leaves(event: Mapping[str, Any], key: str) -> list[object] | None:
    """The scalar values at key (arrays flattened); None when the key has no leaf value."""
    if key not in event:
        return None
    value = event[key]
    if isinstance(value, Mapping):
        return None  # exists and every other rule apply to leaf values only
    if isinstance(value, list):
        scalars = [v for v in _flatten(value) if not isinstance(v, Mapping)]
        return scalars or None
    return [value]


def _flatten(values: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(_flatten(value) if isinstance(value, list) else [value])
    return flat


def _matches_leaf(rules: list[Any], leaves: list[object] | None) -> bool:
    for rule in rules:
        if isinstance(rule, Mapping) and "exists" in rule:
            if rule["exists"] == (leaves is not None):
                return True
        elif leaves is not None and any(_matches_value(rule, leaf) for leaf in leaves):
            return True
    return False


def _matches_value(rule: object, value: object) -> bool:
    if not isinstance(rule, Mapping):
        return _same(rule, value)
    ((operator, operand),) = rule.items()
    test = _STRING_TESTS.get(operator)
    if test is not None:
        return isinstance(value, str) and test(operand, value)
    if operator == "numeric":
        return _is_number(value) and all(
            _compare(float(value), op, bound)  # type: ignore[arg-type]
            for op, bound in _numeric_bounds(operand, "numeric")
        )
    return _anything_but(operand, value)


def _same(rule: object, value: object) -> bool:
    if rule is None or value is None:
        return rule is None and value is None
    if isinstance(rule, bool) or isinstance(value, bool):
        return isinstance(rule, bool) and isinstance(value, bool) and rule == value
    if _is_number(rule):
        return _is_number(value) and float(rule) == float(value)  # type: ignore[arg-type]
    return isinstance(value, str) and rule == value


def _compare(value: float, op: str, bound: float) -> bool:
    return {
        "=": value == bound,
        "<": value < bound,
        "<=": value <= bound,
        ">": value > bound,
        ">=": value >= bound,
    }[op]


def _text_test(operand: object, value: str, test: Callable[[str, str], bool]) -> bool:
    if isinstance(operand, Mapping):  # {"equals-ignore-case": "..."} inside prefix or suffix
        return test(value.casefold(), str(operand["equals-ignore-case"]).casefold())
    return test(value, str(operand))


_STRING_TESTS: dict[str, Callable[[Any, str], bool]] = {
    "prefix": lambda operand, value: _text_test(operand, value, str.startswith),
    "suffix": lambda operand, value: _text_test(operand, value, str.endswith),
    "equals-ignore-case": lambda operand, value: value.casefold() == operand.casefold(),
    "wildcard": lambda operand, value: bool(_wildcard_regex(operand, "wildcard").fullmatch(value)),
}


def _anything_but(operand: object, value: object) -> bool:
    if isinstance(operand, Mapping):
        ((operator, inner),) = operand.items()
        if not isinstance(value, str):
            return True  # string patterns exclude strings only; a number or null is "anything"
        texts = inner if isinstance(inner, list) else [inner]
        return not any(_STRING_TESTS[operator](text, value) for text in texts)
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_same(candidate, value) for candidate in excluded)
