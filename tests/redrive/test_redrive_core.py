"""redrive(): each destination, the function's answers, unrecoverable ranges, dry runs, refusals."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from insert_trigger_redrive import RedriveError, Summary, redrive
from redrive.fakes import (
    BUCKET_ARN,
    CREATED,
    FUNCTION,
    MAPPING_UUID,
    QUEUE_ARN,
    SHARD,
    STREAM_ARN,
    Aws,
    FakeLambda,
    FakeStreams,
    b64,
    client_error,
    failure_body,
    lambda_record,
    mapping,
    raises,
    refuses,
    s3_key,
    seq,
    stream_record,
)


def run(aws: Aws, dry_run: bool = False) -> tuple[Summary, str]:
    """Redrive with the fakes; the summary and the progress text."""
    progress = io.StringIO()
    summary = redrive(FUNCTION, dry_run=dry_run, clients=aws.clients, progress=progress)
    return summary, progress.getvalue()


def sequences(invocation: list[dict[str, Any]]) -> list[int]:
    """The sequence numbers of one invocation's records, in the order sent."""
    return [int(record["dynamodb"]["SequenceNumber"]) for record in invocation]


def counts(summary: Summary) -> dict[str, int]:
    """The summary's figures, for one comparison."""
    return {
        "found": summary.failure_records,
        "redriven": summary.records_redriven,
        "failed_again": summary.records_failed_again,
        "unrecoverable": summary.unrecoverable,
        "removed": summary.removed,
    }


# --- S3 -------------------------------------------------------------------------------------


def s3_aws(batch_size: int = 100) -> Aws:
    """A mapping whose failures go to the bucket."""
    return Aws(FakeLambda(mapping(BUCKET_ARN, batch_size=batch_size)))


def test_s3_payloads_are_redriven_in_order_then_removed() -> None:
    # GIVEN two failure objects: one with the payload as an object (LocalStack), one as a string
    aws = s3_aws()
    aws.s3.put(s3_key("01"), failure_body(1, 2, {"Records": [lambda_record(1), lambda_record(2)]}))
    aws.s3.put(s3_key("02"), failure_body(5, 5, json.dumps({"Records": [lambda_record(5)]})))

    summary, progress = run(aws)

    # THEN the function gets each batch as stored, and the objects go
    assert [sequences(i) for i in aws.lambda_.invocations] == [[1, 2], [5]]
    assert aws.lambda_.invocations[0][0] == lambda_record(1)
    assert aws.s3.deleted == [s3_key("01"), s3_key("02")]
    assert aws.s3.objects == {}
    assert counts(summary) == {
        "found": 2,
        "redriven": 3,
        "failed_again": 0,
        "unrecoverable": 0,
        "removed": 2,
    }
    assert summary.ok
    assert f"s3://orders-insert-trigger-failures/{s3_key('02')}" in progress
    assert "redriven 1 record; removed" in progress


def test_a_second_run_finds_nothing() -> None:
    aws = s3_aws()
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))
    run(aws)

    summary, _ = run(aws)

    assert counts(summary) == dict.fromkeys(counts(summary), 0)
    assert summary.ok
    assert len(aws.lambda_.invocations) == 1


def test_batches_are_no_larger_than_the_mappings_batch_size() -> None:
    aws = s3_aws(batch_size=2)
    records = [lambda_record(n) for n in range(1, 6)]
    aws.s3.put(s3_key("01"), failure_body(1, 5, {"Records": records}))

    summary, progress = run(aws)

    assert [sequences(i) for i in aws.lambda_.invocations] == [[1, 2], [3, 4], [5]]
    assert summary.removed == 1
    assert "invoking records 5-5 of 5" in progress


def test_a_reported_item_failure_keeps_the_object_and_stops_there() -> None:
    # GIVEN records 1-6 in batches of 2, and a function that still refuses record 4
    aws = s3_aws(batch_size=2)
    aws.lambda_.behaviour = refuses(4)
    aws.s3.put(
        s3_key("01"), failure_body(1, 6, {"Records": [lambda_record(n) for n in range(1, 7)]})
    )

    summary, progress = run(aws)

    # THEN 1-3 were processed, 4 and everything after it failed again, and nothing is removed
    assert [sequences(i) for i in aws.lambda_.invocations] == [[1, 2], [3, 4]]
    assert (summary.records_redriven, summary.records_failed_again) == (3, 3)
    assert aws.s3.deleted == []
    assert not summary.ok
    assert "3 FAILED AGAIN" in progress


def test_the_summary_counts_what_the_functions_ledger_had_as_processed() -> None:
    # GIVEN records 1-5 in batches of 2, and a function whose ledger had records 1 and 3 done:
    # its log tail holds the handler's batch summary of each invocation
    aws = s3_aws(batch_size=2)
    done = {seq(1), seq(3)}

    def log_tail(records: list[dict[str, Any]]) -> str:
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        already = sum(number in done for number in numbers)
        summary = {"message": "batch summary", "processed": len(numbers) - already}
        return "START RequestId: 1\n" + json.dumps(summary | {"already_processed": already})

    aws.lambda_.log_tail = log_tail
    aws.s3.put(
        s3_key("01"), failure_body(1, 5, {"Records": [lambda_record(n) for n in range(1, 6)]})
    )

    # WHEN redriven
    summary, _ = run(aws)

    # THEN all five were redriven, two of them reported as already processed; a function
    # without a ledger (no such count in its summary) reports none
    assert (summary.records_redriven, summary.records_already_processed) == (5, 2)
    assert "of them already processed (idempotency ledger): 2" in summary.report()


def test_a_function_error_fails_the_whole_batch_again() -> None:
    aws = s3_aws()
    aws.lambda_.behaviour = raises
    aws.s3.put(s3_key("01"), failure_body(1, 2, {"Records": [lambda_record(1), lambda_record(2)]}))

    summary, progress = run(aws)

    assert (summary.records_redriven, summary.records_failed_again) == (0, 2)
    assert summary.outcomes[0].error is not None
    assert "processor is down" in summary.outcomes[0].error
    assert aws.s3.deleted == []
    assert "processor is down" in progress


@pytest.mark.parametrize(
    "failures",
    [[{"itemIdentifier": seq(999)}], [{"itemIdentifier": ""}], [{"wrongKey": seq(2)}], [seq(2)]],
    ids=["unknown", "empty", "wrong key", "not an object"],
)
def test_an_item_failure_that_names_no_record_fails_the_whole_batch(failures: list[Any]) -> None:
    aws = s3_aws()
    aws.lambda_.behaviour = lambda records: (None, {"batchItemFailures": failures})
    aws.s3.put(s3_key("01"), failure_body(1, 2, {"Records": [lambda_record(1), lambda_record(2)]}))

    summary, _ = run(aws)

    assert (summary.records_redriven, summary.records_failed_again) == (0, 2)
    assert aws.s3.deleted == []


def test_the_lowest_reported_item_is_where_processing_stopped() -> None:
    aws = s3_aws()
    aws.lambda_.behaviour = lambda records: (
        None,
        {"batchItemFailures": [{"itemIdentifier": seq(3)}, {"itemIdentifier": seq(2)}]},
    )
    aws.s3.put(s3_key("01"), failure_body(1, 3, {"Records": [lambda_record(n) for n in (1, 2, 3)]}))

    summary, _ = run(aws)

    assert (summary.records_redriven, summary.records_failed_again) == (1, 2)


def test_an_object_without_payload_is_reread_from_the_stream() -> None:
    aws = s3_aws()
    aws.streams = FakeStreams([stream_record(n) for n in (1, 2, 3)])
    aws.s3.put(s3_key("01"), failure_body(2, 3))

    summary, _ = run(aws)

    assert [sequences(i) for i in aws.lambda_.invocations] == [[2, 3]]
    assert summary.removed == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "unreadable failure record"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"version": "1.0"}).encode(), "no DDBStreamBatchInfo"),
        (json.dumps({"DDBStreamBatchInfo": {"shardId": SHARD}}).encode(), "lacks streamArn"),
        (json.dumps({**failure_body(1, 1), "payload": {"Rows": []}}).encode(), "payload is not"),
        (json.dumps({**failure_body(1, 1), "payload": "{oops"}).encode(), "unreadable"),
    ],
    ids=["text", "array", "no batch info", "partial batch info", "odd payload", "bad string"],
)
def test_an_unreadable_object_is_reported_and_kept(body: bytes, reason: str) -> None:
    aws = s3_aws()
    aws.s3.put(s3_key("01"), body)

    summary, progress = run(aws)

    assert summary.unrecoverable == 1
    assert not summary.ok
    assert reason in (summary.outcomes[0].unrecoverable or "")
    assert "UNRECOVERABLE" in progress
    assert aws.s3.deleted == []
    assert aws.lambda_.invocations == []


def test_a_listing_of_many_pages_is_read_to_the_end() -> None:
    aws = s3_aws()
    aws.s3.page_size = 2
    for n in range(1, 6):
        aws.s3.put(s3_key(f"{n:02}"), failure_body(n, n, {"Records": [lambda_record(n)]}))

    summary, _ = run(aws)

    assert [sequences(i) for i in aws.lambda_.invocations] == [[1], [2], [3], [4], [5]]
    assert summary.removed == 5


def test_s3_dry_run_changes_nothing() -> None:
    aws = s3_aws()
    aws.s3.put(s3_key("01"), failure_body(1, 2, {"Records": [lambda_record(1), lambda_record(2)]}))

    summary, progress = run(aws, dry_run=True)

    assert aws.lambda_.invocations == []
    assert aws.s3.deleted == []
    assert summary.records_redriven == 2
    assert summary.removed == 0
    assert "would redrive 2 records" in progress
    assert "dry run" in summary.report()


# --- SQS and the stream --------------------------------------------------------------------

NEW_ONLY = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["NEW"]}}}}


def sqs_aws(*patterns: object, batch_size: int = 100) -> Aws:
    """A mapping whose failures go to the queue, reading a stream of records 9-16."""
    aws = Aws(FakeLambda(mapping(QUEUE_ARN, batch_size=batch_size, patterns=patterns)))
    aws.streams = FakeStreams(
        [
            stream_record(9, status={"S": "NEW"}),
            stream_record(10, status={"S": "NEW"}, blob={"B": b"\x00\x01order"}),
            stream_record(11, "MODIFY", status={"S": "NEW"}),
            stream_record(12, status={"S": "DRAFT"}),
            stream_record(13, "REMOVE"),
            stream_record(14, status={"S": "NEW"}),
            stream_record(15, status={"S": "NEW"}),
            stream_record(16, status={"S": "NEW"}),
        ]
    )
    return aws


def test_sqs_range_is_reread_and_filtered_as_the_mapping_would() -> None:
    # GIVEN a failure message for 10-15, a mapping that delivers only INSERTs with status NEW
    aws = sqs_aws(NEW_ONLY)
    aws.sqs.send(failure_body(10, 15))

    summary, _ = run(aws)

    # THEN only 10, 14, 15 are sent (not the MODIFY, the DRAFT insert, the REMOVE, nor 9 or 16)
    assert [sequences(i) for i in aws.lambda_.invocations] == [[10, 14, 15]]
    assert aws.sqs.deleted == ["message-1"]
    assert summary.records_redriven == 3
    assert summary.ok


def test_reread_records_have_the_lambda_event_shape() -> None:
    aws = sqs_aws()
    aws.sqs.send(failure_body(10, 10))

    run(aws)

    (record,) = aws.lambda_.invocations[0]
    assert record["eventSourceARN"] == STREAM_ARN
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == int(CREATED.timestamp())
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": b64(b"\x00\x01order")}
    assert record["dynamodb"]["SequenceNumber"] == seq(10)


def test_without_filters_every_insert_of_the_range_is_redriven() -> None:
    aws = sqs_aws()
    aws.sqs.send(failure_body(10, 15))

    run(aws)

    assert [sequences(i) for i in aws.lambda_.invocations] == [[10, 12, 14, 15]]


def test_a_range_with_no_delivered_insert_is_removed_without_invoking() -> None:
    aws = sqs_aws(NEW_ONLY)
    aws.sqs.send(failure_body(11, 13))

    summary, _ = run(aws)

    assert aws.lambda_.invocations == []
    assert aws.sqs.deleted == ["message-1"]
    assert summary.ok


def test_sqs_failed_again_is_kept_and_visible_at_once() -> None:
    aws = sqs_aws()
    aws.lambda_.behaviour = refuses(14)
    kept = aws.sqs.send(failure_body(10, 15))
    done = aws.sqs.send(failure_body(16, 16))

    summary, _ = run(aws)

    assert aws.sqs.deleted == [done]
    assert aws.sqs.released == [kept]
    assert aws.sqs.messages[kept].visible
    assert (summary.records_redriven, summary.records_failed_again) == (2 + 1, 2)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("TrimmedDataAccessException", "TrimmedDataAccessException"),
        ("ResourceNotFoundException", "ResourceNotFoundException"),
        ("ValidationException", "ValidationException"),
    ],
)
def test_a_trimmed_range_is_unrecoverable_and_named(code: str, reason: str) -> None:
    aws = sqs_aws()
    aws.streams.iterator_error = client_error(code)
    message = aws.sqs.send(failure_body(10, 15))

    summary, progress = run(aws)

    assert summary.unrecoverable == 1
    assert not summary.ok
    assert reason in (summary.outcomes[0].unrecoverable or "")
    assert f"shard {SHARD}, sequence numbers {seq(10)}..{seq(15)}" in progress
    assert "UNRECOVERABLE" in progress
    assert aws.sqs.released == [message]
    assert aws.lambda_.invocations == []


def test_a_stream_fault_leaves_that_record_for_a_later_run_and_goes_on() -> None:
    # GIVEN a stream that fails with a service fault for the first range only
    aws = sqs_aws()
    faulty = aws.sqs.send(failure_body(10, 10))
    fine = aws.sqs.send(failure_body(16, 16))
    read = aws.streams.get_shard_iterator

    def flaky(**kwargs: Any) -> dict[str, Any]:
        if int(kwargs["SequenceNumber"]) == 10:
            raise client_error("InternalFailure", "unknown error")
        return read(**kwargs)

    aws.streams.get_shard_iterator = flaky  # type: ignore[method-assign]

    summary, progress = run(aws)

    # THEN that message stays (not called unrecoverable), the next one is redriven, exit is not ok
    assert (summary.not_read, summary.unrecoverable, summary.removed) == (1, 0, 1)
    assert aws.sqs.deleted == [fine]
    assert aws.sqs.released == [faulty]
    assert "NOT READ" in progress
    assert "InternalFailure" in progress
    assert not summary.ok


def test_an_object_that_cannot_be_fetched_is_left_for_a_later_run() -> None:
    aws = s3_aws()
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))

    def denied(**kwargs: Any) -> dict[str, Any]:
        raise client_error("AccessDenied", "no s3:GetObject")

    aws.s3.get_object = denied  # type: ignore[method-assign]

    summary, _ = run(aws)

    assert summary.not_read == 1
    assert "no s3:GetObject" in (summary.outcomes[0].not_read or "")
    assert aws.s3.deleted == []
    assert not summary.ok


def test_a_range_whose_start_is_gone_is_unrecoverable() -> None:
    # GIVEN a shard that now starts at 12: records 10 and 11 were trimmed
    aws = sqs_aws()
    aws.streams.records = aws.streams.records[3:]
    aws.sqs.send(failure_body(10, 15))

    summary, _ = run(aws)

    assert "start sequence number" in (summary.outcomes[0].unrecoverable or "")
    assert aws.lambda_.invocations == []


def test_a_range_whose_end_never_comes_is_unrecoverable() -> None:
    aws = sqs_aws()
    aws.streams.closed = True
    aws.sqs.send(failure_body(10, 20))

    summary, _ = run(aws)

    assert "end sequence number was not found" in (summary.outcomes[0].unrecoverable or "")


def test_an_open_shard_that_stays_empty_does_not_loop_forever() -> None:
    aws = sqs_aws()
    aws.sqs.send(failure_body(10, 20))

    summary, _ = run(aws)

    assert summary.unrecoverable == 1


def test_sqs_dry_run_invokes_nothing_and_leaves_every_message_visible() -> None:
    aws = sqs_aws(NEW_ONLY)
    first = aws.sqs.send(failure_body(10, 15))
    second = aws.sqs.send(failure_body(16, 16))

    summary, progress = run(aws, dry_run=True)

    assert aws.lambda_.invocations == []
    assert aws.sqs.deleted == []
    assert sorted(aws.sqs.released) == [first, second]
    assert all(message.visible for message in aws.sqs.messages.values())
    assert summary.records_redriven == 4
    assert "would redrive 3 records" in progress


def test_sqs_second_run_finds_nothing() -> None:
    aws = sqs_aws()
    aws.sqs.send(failure_body(10, 15))
    run(aws)

    summary, _ = run(aws)

    assert summary.failure_records == 0
    assert len(aws.lambda_.invocations) == 1


def test_many_messages_are_all_read_once() -> None:
    aws = sqs_aws()
    for _ in range(25):
        aws.sqs.send(failure_body(16, 16))

    summary, _ = run(aws)

    assert summary.removed == 25
    assert len(aws.lambda_.invocations) == 25


def test_a_message_of_another_function_is_left_in_place() -> None:
    aws = sqs_aws()
    other = "arn:aws:lambda:eu-west-1:123456789012:function:someone-else"
    message = aws.sqs.send(failure_body(10, 10, function_arn=other))

    summary, progress = run(aws)

    assert aws.sqs.released == [message]
    assert aws.lambda_.invocations == []
    assert summary.failure_records == 0
    assert summary.ok
    assert "belongs to function someone-else" in progress
    assert "failure records of other functions, left in place: 1" in summary.report()


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("described", "extra", "message"),
    [
        ({**mapping(), "EventSourceArn": "arn:aws:sqs:eu-west-1:1:q"}, [], "no DynamoDB stream"),
        (mapping(), [{**mapping(), "UUID": "second"}], "has 2 stream mappings"),
        (mapping(destination=""), [], "no on-failure destination"),
        (mapping("arn:aws:sns:eu-west-1:123456789012:t"), [], "SNS topic.*subscribers"),
        (mapping("arn:aws:events:eu-west-1:123456789012:bus"), [], "unsupported on-failure"),
        (mapping(patterns=({"k": [{"cidr": "10.0.0.0/8"}]},)), [], "'cidr' rule is not supported"),
    ],
    ids=["no stream mapping", "two mappings", "no destination", "sns", "other", "cidr filter"],
)
def test_setups_it_cannot_redrive_are_refused_before_any_change(
    described: dict[str, Any], extra: list[dict[str, Any]], message: str
) -> None:
    aws = Aws(FakeLambda(described, extra_mappings=extra))
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))

    with pytest.raises(RedriveError, match=message):
        run(aws)

    assert aws.lambda_.invocations == []
    assert aws.s3.deleted == []


def test_an_empty_function_name_is_refused() -> None:
    with pytest.raises(RedriveError, match="--function-name"):
        redrive(" ", clients=s3_aws().clients)


def test_a_failed_listing_is_a_refusal_naming_the_function() -> None:
    aws = s3_aws()

    def denied(**kwargs: Any) -> dict[str, Any]:
        raise client_error("AccessDeniedException", "not allowed")

    aws.lambda_.list_event_source_mappings = denied  # type: ignore[method-assign]

    with pytest.raises(RedriveError, match=f"mappings of '{FUNCTION}'.*not allowed"):
        run(aws)


def test_objects_of_other_mappings_are_redriven_only_when_they_name_this_function() -> None:
    # GIVEN a replaced mapping's object of this function, one of another function, one unsigned
    aws = s3_aws()
    replaced = "aws/lambda/0ld-mapping/s/2026/11/26/a"
    foreign = f"aws/lambda/{MAPPING_UUID}x/s/2026/11/26/b"
    unsigned = "aws/lambda/unknown/s/2026/11/26/c"
    other = "arn:aws:lambda:eu-west-1:123456789012:function:someone-else"
    aws.s3.put(replaced, failure_body(1, 1, {"Records": [lambda_record(1)]}))
    aws.s3.put(foreign, failure_body(2, 2, {"Records": [lambda_record(2)]}, function_arn=other))
    body = failure_body(3, 3, {"Records": [lambda_record(3)]})
    del body["requestContext"]
    aws.s3.put(unsigned, body)

    summary, progress = run(aws)

    # THEN only this function's is redriven; the others stay, each named in the progress
    assert [sequences(i) for i in aws.lambda_.invocations] == [[1]]
    assert aws.s3.deleted == [replaced]
    assert sorted(aws.s3.objects) == sorted([foreign, unsigned])
    assert summary.failure_records == 1
    assert "belongs to function someone-else" in progress
    assert "names no function" in progress
