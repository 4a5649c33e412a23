"""Lambda event filtering, from AWS's documented examples, plus properties and refusals."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from insert_trigger_redrive.filters import (
    UnsupportedFilterError,
    check_pattern,
    compile_filter_criteria,
    delivered,
    matches,
)

REPO = Path(__file__).resolve().parents[2]
EMULATOR_PYTHON = REPO / ".local" / "emulator" / "venv" / "bin" / "python"

# The rule syntax table of "Lambda event filtering" and the EventBridge comparison operators page
# it refers to, each rule with a matching and a failing event: {case, pattern, event, expected}.
CASES = [
    (c["case"], c["pattern"], c["event"], c["expected"])
    for c in json.loads((Path(__file__).parent / "filter_cases.json").read_text())
]

# LocalStack's engine (a second implementation, not AWS) disagrees here; AWS's semantics win.
ORACLE_DIVERGENCES = {
    "true is not 1": "LocalStack compares with Python ==, where True == 1",
    "numeric is not a boolean": "LocalStack treats Python's True as the number 1",
}


@pytest.mark.parametrize(("case", "pattern", "event", "expected"), CASES, ids=[c[0] for c in CASES])
def test_documented_rule(
    case: str, pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    # GIVEN a documented rule, WHEN it is checked and evaluated, THEN the documented answer
    check_pattern(pattern)
    assert matches(pattern, event) is expected, case


@pytest.mark.emulator_venv
def test_cases_agree_with_localstacks_engine() -> None:
    # GIVEN every documented case, WHEN LocalStack's own matcher evaluates them (one subprocess)
    assert EMULATOR_PYTHON.exists(), f"{EMULATOR_PYTHON} missing: run `make up` once to install it"
    script = (
        "import json, sys\n"
        "from localstack.utils.event_matcher import matches_event\n"
        "cases = json.load(sys.stdin)\n"
        "print(json.dumps([matches_event(p, e) for p, e in cases]))\n"
    )
    result = subprocess.run(
        [str(EMULATOR_PYTHON), "-c", script],
        input=json.dumps([[pattern, event] for _, pattern, event, _ in CASES]),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    theirs = json.loads(result.stdout)

    # THEN both engines agree, except where LocalStack is known to differ from AWS
    disagreements = {
        case: {"ours": expected, "localstack": answer}
        for (case, _, _, expected), answer in zip(CASES, theirs, strict=True)
        if answer != expected and case not in ORACLE_DIVERGENCES
    }
    assert disagreements == {}
    for case in ORACLE_DIVERGENCES:  # a divergence that disappears is no longer worth listing
        index = [c[0] for c in CASES].index(case)
        assert theirs[index] != CASES[index][3], f"{case}: LocalStack now agrees; drop it"


REFUSED = [
    ("cidr", {"ip": [{"cidr": "10.0.0.0/24"}]}, "'cidr' rule is not supported"),
    ("unknown operator", {"k": [{"regex": "a+"}]}, "'regex' rule is not supported"),
    (
        "two operators in one rule",
        {"k": [{"prefix": "a", "suffix": "b"}]},
        "an object with one operator",
    ),
    ("numeric operator", {"k": [{"numeric": ["!=", 1]}]}, "numeric operators are"),
    ("numeric range order", {"k": [{"numeric": ["<", 1, ">", 0]}]}, "lower bound"),
    ("numeric non-number", {"k": [{"numeric": [">", "1"]}]}, "numeric operators are"),
    ("exists non-boolean", {"k": [{"exists": "yes"}]}, "exists takes true or false"),
    ("$or of one", {"$or": [{"k": ["a"]}]}, "at least 2 patterns"),
    ("empty rule list", {"k": []}, "matches nothing"),
    ("bare value", {"k": "a"}, "expected a list of rules"),
    ("double star wildcard", {"k": [{"wildcard": "a**b"}]}, "consecutive *"),
    ("wildcard backslash", {"k": [{"wildcard": "a\\*b"}]}, "backslash"),
    ("anything-but of objects", {"k": [{"anything-but": [{"prefix": "a"}]}]}, "anything-but takes"),
    ("anything-but numeric", {"k": [{"anything-but": {"numeric": [">", 1]}}]}, "is not supported"),
    ("prefix of a number", {"k": [{"prefix": 1}]}, "prefix takes a string"),
    ("empty pattern", {}, "non-empty JSON object"),
]


@pytest.mark.parametrize(("case", "pattern", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_rules_it_cannot_evaluate_are_refused_by_name(
    case: str, pattern: dict[str, Any], message: str
) -> None:
    with pytest.raises(
        UnsupportedFilterError, match=message.replace("*", r"\*").replace("$", r"\$")
    ):
        check_pattern(pattern)


def test_filter_criteria_are_parsed_and_ored() -> None:
    # GIVEN a mapping's two filters
    criteria = {
        "Filters": [{"Pattern": json.dumps({"k": ["a"]})}, {"Pattern": json.dumps({"k": ["b"]})}]
    }

    patterns = compile_filter_criteria(criteria)

    # THEN a record passes when either matches, and no filters pass everything
    assert [delivered({"k": v}, patterns) for v in ("a", "b", "c")] == [True, True, False]
    assert delivered({"k": "c"}, compile_filter_criteria(None)) is True
    assert delivered({"k": "c"}, compile_filter_criteria({"Filters": []})) is True


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({"Filters": [{"Pattern": "{not json"}]}, "filter 1 is not valid JSON"),
        ({"Filters": [{}]}, "filter 1 has no Pattern"),
        (
            {"Filters": [{"Pattern": json.dumps({"eventSource": ["aws:dynamodb"]})}]},
            "Lambda adds after",
        ),
        (
            {"Filters": [{"Pattern": "{}"}, {"Pattern": '{"k": [{"cidr": "1.2.3.0/24"}]}'}]},
            "filter 1",
        ),
    ],
)
def test_filter_criteria_refusals_name_the_filter(criteria: dict[str, Any], message: str) -> None:
    with pytest.raises(UnsupportedFilterError, match=message):
        compile_filter_criteria(criteria)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["a", "b", "A", ""])
)


@given(value=scalars, excluded=st.lists(st.sampled_from(["a", "b", 1, 2]), min_size=1, max_size=3))
def test_anything_but_is_the_negation_of_equals_for_a_present_value(
    value: object, excluded: list[object]
) -> None:
    event = {"k": value}
    assert matches({"k": [{"anything-but": excluded}]}, event) is not matches(
        {"k": excluded}, event
    )


@given(
    values=st.lists(scalars, min_size=1, max_size=4),
    rule=st.sampled_from(["a", 1, None, {"prefix": "a"}]),
)
def test_an_array_matches_when_any_element_would(values: list[object], rule: object) -> None:
    pattern = {"k": [rule]}
    assert matches(pattern, {"k": values}) is any(matches(pattern, {"k": v}) for v in values)


@given(a=st.sampled_from(["x", "y", None]), b=st.sampled_from(["x", "y", None]))
def test_or_is_the_union_of_its_alternatives(a: str | None, b: str | None) -> None:
    event = {key: value for key, value in (("a", a), ("b", b)) if value is not None}
    left, right = {"a": ["x"]}, {"b": [{"exists": False}]}
    assert matches({"$or": [left, right]}, event) is (matches(left, event) or matches(right, event))
