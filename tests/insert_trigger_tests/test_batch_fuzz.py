"""Random batches: no crash, no insert lost or repeated, the first bad insert alone reported."""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from fuzz import examples
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from insert_trigger import lambda_handler
from insert_trigger.batch import UnreportableFailureError
from insert_trigger_tests.support import RECORDING_PROCESSOR, log_lines

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PROCESSOR_MODULE = "fuzz_recording_processor"

# What can be wrong with a record, and whether that makes an INSERT fail.
FAULTS = {
    "none": False,
    "no new image": True,
    "unknown type tag": True,
    "number out of range": True,
    "processor refuses": True,
    "no dynamodb part": True,
    "no sequence number": True,
}
EVENT_NAMES = ["INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE", "insert", None]

# Sound item bodies to vary the images cheaply; deserialisation has its own property tests.
BODIES: list[dict[str, Any]] = [
    {},
    {"title": {"S": "Red mug"}, "quantity": {"N": "3"}, "price": {"N": "12.49"}},
    {"tags": {"SS": ["a", "b"]}, "sizes": {"NS": ["1", "2.5"]}, "blob": {"B": "AAE="}},
    {"options": {"L": [{"M": {"name": {"S": "box"}, "price": {"N": "1E-130"}}}]}},
    {"nothing": {"NULL": True}, "flag": {"BOOL": False}, "parts": {"BS": ["AA==", "AQ=="]}},
    {"deep": {"M": {"a": {"L": [{"L": [{"N": "-0"}]}, {"M": {}}]}}}},
]


@dataclass(frozen=True)
class Case:
    """One record and what was done to it."""

    record: dict[str, Any]
    event_name: str | None
    fault: str


@st.composite
def records(draw: st.DrawFn, index: int) -> Case:
    """A stream record, most of them sound, some with one fault."""
    event_name = draw(st.sampled_from(EVENT_NAMES))
    fault = draw(st.sampled_from(["none"] * 12 + list(FAULTS)))
    keys = {"pk": {"S": f"ITEM#{index}"}}
    image = {**draw(st.sampled_from(BODIES)), **keys}
    if fault == "unknown type tag":
        image["broken"] = {"M": {"deep": {"Q": "?"}}}
    elif fault == "number out of range":
        image["broken"] = {"L": [{"N": "1E+999"}]}
    elif fault == "processor refuses":
        image["fail"] = {"BOOL": True}
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": 1717171717 + index,
        "Keys": keys,
        "NewImage": image,
        "SequenceNumber": f"{index + 1:021d}",
        "SizeBytes": 100,
        "StreamViewType": "NEW_IMAGE",
    }
    if fault == "no new image":
        del dynamodb["NewImage"]
    if fault == "no sequence number":
        del dynamodb["SequenceNumber"]
    record: dict[str, Any] = {"eventID": f"event-{index}", "eventSource": "aws:dynamodb"}
    if event_name is not None:
        record["eventName"] = event_name
    if fault != "no dynamodb part":
        record["dynamodb"] = dynamodb
    return Case(record, event_name, fault)


batches = st.integers(0, 30).flatmap(lambda size: st.tuples(*(records(i) for i in range(size))))


@pytest.fixture(scope="module")
def recorded_calls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    """The calls list of the recording processor, importable for the whole module."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    (folder / f"{PROCESSOR_MODULE}.py").write_text(RECORDING_PROCESSOR)
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(folder))
        calls: list[Any] = importlib.import_module(PROCESSOR_MODULE).CALLS
        yield calls
        sys.modules.pop(PROCESSOR_MODULE, None)


@settings(
    max_examples=examples(2500),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=batches)
def test_random_batches_keep_order_and_report_the_first_bad_insert(
    batch: tuple[Case, ...], recorded_calls: list[Any]
) -> None:
    # GIVEN a random batch, and what should happen to it: inserts processed up to the first
    # faulty insert, which is reported (or fails the batch when it has no SequenceNumber)
    expected_processed: list[str] = []
    expected_failure: Case | None = None
    for case in batch:
        if case.event_name != "INSERT":
            continue
        if FAULTS[case.fault]:
            expected_failure = case
            break
        expected_processed.append(case.record["eventID"])
    event(f"first fault: {expected_failure.fault if expected_failure else 'none'}")
    recorded_calls.clear()
    stream_event = {"Records": [case.record for case in batch]}

    # WHEN the handler runs with the recording processor
    output = io.StringIO()
    with contextlib.redirect_stdout(output), pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSERT_PROCESSOR", f"{PROCESSOR_MODULE}:process")
        if expected_failure is not None and expected_failure.fault in (
            "no sequence number",
            "no dynamodb part",
        ):
            with pytest.raises(UnreportableFailureError):
                lambda_handler(stream_event, None)
            response = None
        else:
            response = lambda_handler(stream_event, None)

    # THEN exactly the expected inserts were processed, once each, in order
    assert [record["eventID"] for _, record in recorded_calls] == expected_processed

    # AND the response names the first faulty insert and nothing else
    if expected_failure is None:
        assert response == {"batchItemFailures": []}
    elif response is not None:
        sequence_number = expected_failure.record["dynamodb"]["SequenceNumber"]
        assert response == {"batchItemFailures": [{"itemIdentifier": sequence_number}]}

    # AND the log has one INFO line per processed insert and one ERROR line per failure
    lines = log_lines(output.getvalue())
    info = Counter(line["event_id"] for line in lines if line["message"] == "insert processed")
    assert info == Counter(expected_processed)
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == (expected_failure is not None)

    # AND the last line sums the batch up: what arrived, and where each record went
    summary = lines[-1]
    assert summary["message"] == "batch summary"
    names = Counter(
        case.event_name if case.event_name in ("INSERT", "MODIFY", "REMOVE") else "OTHER"
        for case in batch
    )
    assert summary["received"] == dict(names)
    assert summary["processed"] == len(expected_processed)
    assert summary["failed"] == (expected_failure is not None)
    if response is None:  # the invocation failed: Lambda retries all of it
        assert summary["left_for_retry"] == len(batch)
    else:
        left = len(batch) - summary["processed"] - summary["skipped"]
        assert summary["left_for_retry"] == left
        assert left == (len(batch) - batch.index(expected_failure) if expected_failure else 0)
