"""lambda_handler: only INSERTs reach the processor, in order; the first failure stops the batch."""

from __future__ import annotations

import importlib
import re
import sys
from typing import TYPE_CHECKING, Any

import pytest
from insert_trigger import lambda_handler
from insert_trigger.batch import UnreportableFailureError
from insert_trigger_tests.support import Recorder, inserts, lines_with, load_event, log_lines

if TYPE_CHECKING:
    from collections.abc import Callable

NO_FAILURES: dict[str, list[dict[str, str]]] = {"batchItemFailures": []}


def failure_of(record: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The partial-batch response that names ``record``."""
    return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}


# ------------------------------------------------------------------------------ the contract


def test_only_inserts_reach_the_processor_in_stream_order(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch of inserts, an update and a delete, interleaved
    event = load_event("mixed_batch")

    # WHEN the handler runs
    response = lambda_handler(event, None)

    # THEN each insert was processed once, in stream order, and nothing else was
    assert response == NO_FAILURES
    assert recorder.event_ids == [record["eventID"] for record in inserts(event)]
    first_item, first_record = recorder.calls[0]
    assert first_item["options"][1]["name"] == "gift box"
    assert first_record is event["Records"][0]

    # AND exactly one INFO line per insert, with its keys, sequence number and event id
    info = lines_with(capsys.readouterr().out, "insert processed")
    assert [line["event_id"] for line in info] == recorder.event_ids
    assert info[0] == {
        "level": "INFO",
        "message": "insert processed",
        "keys": {"pk": "ORDER#2024-000123", "sk": "ITEM#0001"},
        "sequence_number": event["Records"][0]["dynamodb"]["SequenceNumber"],
        "event_id": event["Records"][0]["eventID"],
    }


def test_the_first_failure_is_reported_and_nothing_after_it_runs(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch whose third record (the second insert) the processor refuses
    event = load_event("mixed_batch")
    refused = event["Records"][1]
    refused["dynamodb"]["NewImage"]["fail"] = {"BOOL": True}

    # WHEN the handler runs
    response = lambda_handler(event, None)

    # THEN that record is reported, the insert before it was processed, none after it
    assert response == failure_of(refused)
    assert recorder.event_ids == [event["Records"][0]["eventID"]]

    # AND the failure is logged once, with its keys, sequence number and the error
    output = capsys.readouterr().out
    [error] = lines_with(output, "insert failed")
    assert error["level"] == "ERROR"
    assert error["keys"] == {"pk": "ORDER#2024-000123", "sk": "ITEM#0002"}
    assert error["sequence_number"] == refused["dynamodb"]["SequenceNumber"]
    assert error["error"] == {
        "type": "RuntimeError",
        "message": "processor refused 'ORDER#2024-000123'",
    }
    assert len(lines_with(output, "insert processed")) == 1


def test_a_missing_new_image_fails_and_names_the_stream_view_type(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN inserts from a stream that carries keys only
    event = load_event("keys_only_insert")

    # WHEN the handler runs
    response = lambda_handler(event, None)

    # THEN the first is reported, nothing is processed, and the log says what to change
    assert response == failure_of(event["Records"][0])
    assert recorder.calls == []
    [error] = lines_with(capsys.readouterr().out, "insert failed")
    assert "stream view type must include the new image" in error["error"]["message"]
    assert "NEW_IMAGE or NEW_AND_OLD_IMAGES" in error["error"]["message"]


def test_an_unreadable_image_fails_its_record(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an insert whose image has an unknown type tag, between two good inserts
    event = load_event("unreadable_image")

    # WHEN the handler runs
    response = lambda_handler(event, None)

    # THEN the good one before it is processed, it is reported, the one after waits
    assert response == failure_of(event["Records"][1])
    assert recorder.event_ids == [event["Records"][0]["eventID"]]
    [error] = lines_with(capsys.readouterr().out, "insert failed")
    assert error["error"]["type"] == "ImageError"
    assert error["error"]["message"] == "attribute options[0].price (X): unknown type tag"


def test_updates_and_deletes_are_skipped_whatever_their_images(recorder: Recorder) -> None:
    # GIVEN updates and deletes with unreadable images or none at all, then an insert
    event = load_event("garbage_non_inserts")

    # WHEN the handler runs, THEN only the insert is processed and nothing fails
    assert lambda_handler(event, None) == NO_FAILURES
    assert recorder.event_ids == [event["Records"][-1]["eventID"]]


def test_a_failure_without_sequence_number_fails_the_whole_batch(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an insert without a SequenceNumber after a good insert
    event = load_event("missing_sequence_number")

    # WHEN the handler runs, THEN it raises so that Lambda retries the batch: no silent drop
    with pytest.raises(UnreportableFailureError, match="no SequenceNumber"):
        lambda_handler(event, None)

    # AND the insert before it was processed, the failure logged
    assert recorder.event_ids == [event["Records"][0]["eventID"]]
    [error] = lines_with(capsys.readouterr().out, "insert failed")
    assert error["sequence_number"] is None
    assert error["error"]["message"] == "record has no dynamodb.SequenceNumber"


def test_an_insert_without_its_dynamodb_part_fails_the_whole_batch(recorder: Recorder) -> None:
    # GIVEN an insert record that lost its dynamodb part
    event = load_event("mixed_batch")
    del event["Records"][1]["dynamodb"]

    # WHEN the handler runs, THEN the batch fails, after the insert before it
    with pytest.raises(UnreportableFailureError):
        lambda_handler(event, None)
    assert recorder.event_ids == [event["Records"][0]["eventID"]]


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": []}, {"Records": None}, None],
    ids=["no Records", "empty Records", "Records null", "no event"],
)
def test_empty_or_odd_events_report_no_failure(event: Any, recorder: Recorder) -> None:
    # GIVEN an event with no records, WHEN handled, THEN no failure and no processor import
    assert lambda_handler(event, None) == NO_FAILURES
    assert not recorder.imported


def test_keys_are_logged_as_json_values(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an insert keyed by a whole number, a fraction and a binary
    event = load_event("number_and_binary_keys")

    # WHEN the default processor handles it
    assert lambda_handler(event, None) == NO_FAILURES

    # THEN whole numbers are written as numbers, fractions as exact text, binaries as base64
    [info] = lines_with(capsys.readouterr().out, "insert processed")
    assert info["keys"] == {"id": 120, "part": "2.5", "blob": "AGtleQ=="}


def summary_of(output: str) -> dict[str, Any]:
    """The invocation's summary line, which must be its one summary and its last line."""
    lines = log_lines(output)
    assert [line["message"] for line in lines].count("batch summary") == 1
    assert lines[-1]["message"] == "batch summary"
    return lines[-1]


def test_a_batch_that_succeeds_ends_with_its_summary(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN four inserts, an update and a delete, WHEN handled
    assert lambda_handler(load_event("mixed_batch"), None) == NO_FAILURES

    # THEN the last line counts what arrived and what became of it
    assert summary_of(capsys.readouterr().out) == {
        "level": "INFO",
        "message": "batch summary",
        "received": {"INSERT": 4, "MODIFY": 1, "REMOVE": 1},
        "processed": 4,
        "skipped": 2,
        "failed": 0,
        "left_for_retry": 0,
        "stopped_for_deadline": False,
    }


def test_a_failure_is_counted_with_what_it_leaves_for_the_retry(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch whose fourth record (the third insert) the processor refuses
    event = load_event("mixed_batch")
    event["Records"][3]["dynamodb"]["NewImage"]["fail"] = {"BOOL": True}

    # WHEN handled
    lambda_handler(event, None)

    # THEN the refused record and the two after it are left for the retry
    summary = summary_of(capsys.readouterr().out)
    assert summary["received"] == {"INSERT": 4, "MODIFY": 1, "REMOVE": 1}
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (2, 1, 1)
    assert summary["left_for_retry"] == 3
    assert summary["stopped_for_deadline"] is False


def test_records_of_no_known_event_name_are_counted_as_other(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN updates and deletes, then records no stream sends: odd names, no name, no record
    event = load_event("garbage_non_inserts")
    event["Records"][:0] = [{"eventName": "insert"}, {"eventName": ["INSERT"]}, {}, None, "x"]

    # WHEN handled, THEN they are skipped and counted under OTHER
    assert lambda_handler(event, None) == NO_FAILURES
    summary = summary_of(capsys.readouterr().out)
    assert summary["received"] == {"INSERT": 1, "MODIFY": 2, "REMOVE": 1, "OTHER": 5}
    assert (summary["processed"], summary["skipped"], summary["left_for_retry"]) == (1, 8, 0)


def test_an_event_without_records_still_has_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an event with no records, WHEN handled, THEN one summary of nothing
    assert lambda_handler({"Records": []}, None) == NO_FAILURES
    summary = summary_of(capsys.readouterr().out)
    assert summary["received"] == {}
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (0, 0, 0)


def test_a_batch_that_fails_whole_says_all_of_it_is_left(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an insert without a SequenceNumber after a good insert
    event = load_event("missing_sequence_number")

    # WHEN the invocation fails, THEN its summary is still the last line: every record is
    # retried, including the one processed before the failure
    with pytest.raises(UnreportableFailureError):
        lambda_handler(event, None)
    summary = summary_of(capsys.readouterr().out)
    assert (summary["processed"], summary["failed"]) == (1, 1)
    assert summary["left_for_retry"] == len(event["Records"])


# ------------------------------------------------------------------------ INSERT_PROCESSOR


def test_without_insert_processor_the_default_processor_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN no INSERT_PROCESSOR, WHEN a batch is handled
    response = lambda_handler(load_event("mixed_batch"), None)

    # THEN every insert succeeds with its log line as the only trace
    assert response == NO_FAILURES
    assert len(lines_with(capsys.readouterr().out, "insert processed")) == 4


def test_the_processor_is_imported_on_the_first_insert_then_once(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the handler imported, a batch without inserts, and a count of imports
    imports: list[str] = []
    real_import = importlib.import_module

    def counting_import(name: str, package: str | None = None) -> Any:
        imports.append(name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", counting_import)
    no_inserts = {"Records": [load_event("mixed_batch")["Records"][2]]}

    # WHEN only updates arrive, THEN the processor is not imported
    lambda_handler(no_inserts, None)
    assert not recorder.imported

    # WHEN three batches with inserts arrive, THEN it is imported once and used by all
    for _ in range(3):
        assert lambda_handler(load_event("mixed_batch"), None) == NO_FAILURES
    assert imports == [recorder.module_name]
    assert len(recorder.calls) == 3 * 4


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("orders_process", r"INSERT_PROCESSOR='orders_process' is not of the form module:function"),
        (":process", r"is not of the form module:function"),
        ("orders:", r"is not of the form module:function"),
        ("no_such_module_xyz:process", r"cannot import module 'no_such_module_xyz'"),
        ("json:no_such_function", r"module 'json' has no function 'no_such_function'"),
        ("json:__doc__", r"module 'json' has no function '__doc__'"),
    ],
)
def test_a_bad_insert_processor_fails_the_first_insert(
    spec: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN INSERT_PROCESSOR set to something that names no function
    monkeypatch.setenv("INSERT_PROCESSOR", spec)
    event = load_event("mixed_batch")

    # WHEN the handler runs, THEN the first insert fails with an error naming the variable
    assert lambda_handler(event, None) == failure_of(event["Records"][0])
    [error] = lines_with(capsys.readouterr().out, "insert failed")
    assert error["error"]["type"] == "ProcessorError"
    assert error["error"]["message"].startswith("INSERT_PROCESSOR=")
    assert re.search(message, error["error"]["message"])


def test_a_processor_module_that_fails_to_import_fails_the_first_insert(
    processor_module: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a processor module that raises while it is imported
    name = processor_module("raise ImportError('needs a library this package lacks')\n")
    monkeypatch.setenv("INSERT_PROCESSOR", f"{name}:process")
    event = load_event("mixed_batch")

    # WHEN the handler runs, THEN the first insert fails and says why
    assert lambda_handler(event, None) == failure_of(event["Records"][0])
    [error] = lines_with(capsys.readouterr().out, "insert failed")
    assert f"cannot import module '{name}'" in error["error"]["message"]
    assert "needs a library this package lacks" in error["error"]["message"]
    assert name not in sys.modules
