"""Kinesis Data Streams for DynamoDB as the source: records decoded from kinesis.data, reported
by their Kinesis sequence number; data that is no DynamoDB change, and unknown sources, fail."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from insert_trigger import lambda_handler, process_inserts
from insert_trigger.source import UnknownSourceError
from insert_trigger_tests.support import Recorder, lines_with, load_event, log_lines


def change_in(record: dict[str, Any]) -> dict[str, Any]:
    """The DynamoDB change a Kinesis record of a fixture holds, decoded here independently."""
    change: dict[str, Any] = json.loads(base64.b64decode(record["kinesis"]["data"]))
    return change


def failure_of(record: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The partial-batch response that names the Kinesis ``record``."""
    return {"batchItemFailures": [{"itemIdentifier": record["kinesis"]["sequenceNumber"]}]}


def test_kinesis_inserts_reach_the_processor_decoded_in_stream_order(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a Kinesis batch of three inserts, an update and a delete of a DynamoDB table
    event = load_event("kinesis_batch")
    changes = [change_in(record) for record in event["Records"]]

    # WHEN the handler runs
    response = lambda_handler(event, None)

    # THEN each insert was processed once, in stream order, as the item it inserted
    assert response == {"batchItemFailures": []}
    inserted = [change for change in changes if change["eventName"] == "INSERT"]
    assert recorder.event_ids == [change["eventID"] for change in inserted]
    assert [item["title"] for item, _ in recorder.calls] == ["gift box", "ribbon", "card"]
    assert recorder.calls[1][0]["quantity"] == 3

    # AND the record the processor sees is the DynamoDB change plus the Kinesis record's place
    _, record = recorder.calls[0]
    source = event["Records"][0]["kinesis"]
    assert record["dynamodb"] == changes[0]["dynamodb"]
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1717171717123456
    assert record["kinesis"] == {
        "sequenceNumber": source["sequenceNumber"],
        "partitionKey": source["partitionKey"],
        "approximateArrivalTimestamp": source["approximateArrivalTimestamp"],
    }
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == event["Records"][0]["eventSourceARN"]

    # AND the log names each insert by its Kinesis sequence number; the summary counts the
    # changes, not "aws:kinesis:record"
    output = capsys.readouterr().out
    processed = lines_with(output, "insert processed")
    assert [line["sequence_number"] for line in processed] == [
        record["kinesis"]["sequenceNumber"]
        for record, change in zip(event["Records"], changes, strict=True)
        if change["eventName"] == "INSERT"
    ]
    summary = log_lines(output)[-1]
    assert summary["received"] == {"INSERT": 3, "MODIFY": 1, "REMOVE": 1}
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (3, 2, 0)


def test_two_kinesis_inserts_through_process_inserts_are_not_counted_as_other(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the two inserts of the Kinesis fixture that concern different orders
    event = load_event("kinesis_batch")
    event["Records"] = [event["Records"][0], event["Records"][4]]
    seen: list[str] = []

    # WHEN a user's function gets them through process_inserts
    process_inserts(event, lambda item, record: seen.append(item["pk"]))

    # THEN both were processed (before: none, "received": {"OTHER": 2}, and success)
    assert seen == ["ORDER#2024-000700", "ORDER#2024-000701"]
    summary = log_lines(capsys.readouterr().out)[-1]
    assert summary["received"] == {"INSERT": 2}
    assert summary["processed"] == 2


def test_a_failed_kinesis_insert_is_reported_by_its_kinesis_sequence_number(
    recorder: Recorder,
) -> None:
    # GIVEN a Kinesis batch whose second insert the processor refuses
    event = load_event("kinesis_batch")
    change = change_in(event["Records"][2])
    change["dynamodb"]["NewImage"]["fail"] = {"BOOL": True}
    event["Records"][2]["kinesis"]["data"] = base64.b64encode(json.dumps(change).encode()).decode()

    # WHEN handled, THEN Lambda is told to retry from that record, and the insert after it waits
    assert lambda_handler(event, None) == failure_of(event["Records"][2])
    assert [item["title"] for item, _ in recorder.calls] == ["gift box"]


def encoded(raw: bytes) -> str:
    """``raw`` as Kinesis carries it in data: base64 text."""
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        pytest.param(None, "the unchanged fixture", id="text, not JSON"),
        pytest.param("%%% not base64 %%%", "kinesis.data is not base64", id="not base64"),
        pytest.param(17, "kinesis.data is 17, not a base64 string", id="not a string"),
        pytest.param(
            encoded(b'{"order": {"type": "buy", "quantity": 1000}}'),
            "kinesis.data is JSON but not a DynamoDB change",
            id="JSON, not a change",
        ),
        pytest.param(
            encoded(b'{"eventName": "aws:kinesis:record", "dynamodb": {}}'),
            "'eventName': 'aws:kinesis:record'",
            id="a change of no known name",
        ),
    ],
)
def test_data_that_is_no_dynamodb_change_fails_where_it_stands_saying_what_arrived(
    recorder: Recorder, capsys: pytest.CaptureFixture[str], data: object, said: str
) -> None:
    # GIVEN an insert, then a record whose data is no DynamoDB change, then another insert
    event = load_event("kinesis_not_a_change")
    if data is not None:
        event["Records"][1]["kinesis"]["data"] = data
    else:
        said = "kinesis.data is not JSON, so not a DynamoDB change: b'temperature=21.5;sensor=7'"

    # WHEN handled
    response = lambda_handler(event, None)

    # THEN the first insert was processed, that record is left for the retry by its Kinesis
    # sequence number, and the insert after it waits
    assert response == failure_of(event["Records"][1])
    assert [item["title"] for item, _ in recorder.calls] == ["gift box"]

    # AND the error line says what arrived; the summary counts it as a failure, not a skip
    output = capsys.readouterr().out
    [failed] = lines_with(output, "insert failed")
    assert failed["error"]["type"] == "ChangeDataError"
    assert said in failed["error"]["message"]
    assert failed["sequence_number"] == event["Records"][1]["kinesis"]["sequenceNumber"]
    assert failed["event_id"] == event["Records"][1]["eventID"]
    summary = log_lines(output)[-1]
    assert summary["received"] == {"INSERT": 2, "OTHER": 1}
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (1, 0, 1)
    assert summary["left_for_retry"] == 2


def test_long_data_is_cut_in_the_error_but_its_length_is_given(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a record whose data is 5000 bytes of text
    event = load_event("kinesis_not_a_change")
    event["Records"][1]["kinesis"]["data"] = encoded(b"x" * 5000)

    # WHEN handled, THEN the message keeps the first 200 characters and the length
    lambda_handler(event, None)
    [failed] = lines_with(capsys.readouterr().out, "insert failed")
    assert "... (5003 characters)" in failed["error"]["message"]
    assert len(failed["error"]["message"]) < 400


@pytest.mark.parametrize("source", ["aws:sqs", "aws:dynamodb-streams", None, 7])
def test_an_unknown_event_source_fails_the_whole_batch_naming_it(
    recorder: Recorder, source: object
) -> None:
    # GIVEN a DynamoDB Streams batch whose second record claims another source
    event = load_event("mixed_batch")
    event["Records"][1]["eventSource"] = source

    # WHEN handled, THEN the invocation fails before any record is processed, naming the
    # source found and the two it reads
    with pytest.raises(UnknownSourceError) as raised:
        lambda_handler(event, None)
    message = str(raised.value)
    assert f"eventSource {source!r}" in message
    assert "'aws:dynamodb'" in message
    assert "'aws:kinesis'" in message
    assert event["Records"][1]["eventID"] in message
    assert recorder.calls == []


def test_records_of_no_known_kind_are_each_named_in_a_warning(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a DynamoDB Streams insert between records no stream sends
    event = load_event("mixed_batch")
    event["Records"] = [{"eventName": "insert", "eventID": "e-1"}, event["Records"][0], None]

    # WHEN handled
    lambda_handler(event, None)

    # THEN each of them has a WARNING line saying what it was, and the summary counts them
    output = capsys.readouterr().out
    warnings = lines_with(output, "record of no known kind")
    assert [(line["level"], line["event_id"]) for line in warnings] == [
        ("WARNING", "e-1"),
        ("WARNING", None),
    ]
    assert warnings[0]["event_name"] == "'insert'"
    assert warnings[1]["record"] == "None"
    assert log_lines(output)[-1]["received"] == {"INSERT": 1, "OTHER": 2}
    assert len(recorder.calls) == 1
