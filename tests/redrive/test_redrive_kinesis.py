"""Redrive of a Kinesis mapping (stream_source = "kinesis"): S3 failure records hold the Kinesis
records; SQS ones hold KinesisBatchInfo, re-read from the Kinesis stream and filtered on data."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError
from insert_trigger_redrive import Clients, RedriveError, find_mapping, redrive
from redrive.fakes import (
    ACCOUNT,
    BUCKET_ARN,
    FUNCTION,
    QUEUE_ARN,
    REGION,
    Aws,
    FakeLambda,
    client_error,
    failure_body,
    mapping,
    s3_key,
)

from support.local_stack import dynamodb_change

KINESIS_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/orders-insert-trigger"
# An enhanced fan-out consumer of that stream (kinesis_consumer): a mapping's EventSourceArn then.
CONSUMER_ARN = f"{KINESIS_ARN}/consumer/orders-insert-trigger:1796083200"
SHARD = "shardId-000000000000"
ARRIVED = dt.datetime(2026, 11, 27, 9, 0, 0, 250000, tzinfo=dt.UTC)
NEW_INSERTS = {
    "data": {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["NEW"]}}}}
}


def kseq(number: int) -> str:
    """A Kinesis sequence number: 56 digits."""
    return f"{number:056d}"


def change(number: int, event_name: str = "INSERT", status: str = "NEW") -> dict[str, Any]:
    """The DynamoDB change record Kinesis Data Streams for DynamoDB writes as a record's data."""
    image = None if event_name == "REMOVE" else {"status": {"S": status}}
    return dynamodb_change("orders", number, event_name, f"ORDER#{number}", image)


def kinesis_record(number: int, data: bytes) -> dict[str, Any]:
    """A GetRecords record as botocore returns it from Kinesis (bytes, datetime)."""
    return {
        "SequenceNumber": kseq(number),
        "ApproximateArrivalTimestamp": ARRIVED,
        "Data": data,
        "PartitionKey": f"ORDER#{number}",
    }


def lambda_kinesis_record(number: int, data: bytes) -> dict[str, Any]:
    """The same record as Lambda delivers it, and stores it in an S3 failure record."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": f"ORDER#{number}",
            "sequenceNumber": kseq(number),
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": ARRIVED.timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{SHARD}:{kseq(number)}",
        "eventName": "aws:kinesis:record",
        "awsRegion": REGION,
        "eventSourceARN": KINESIS_ARN,
    }


def encoded(record: dict[str, Any]) -> bytes:
    """A change record as Kinesis holds it: JSON bytes."""
    return json.dumps(record).encode()


def kinesis_failure(start: int, end: int, payload: object = None) -> dict[str, Any]:
    """A failure record of a Kinesis mapping: KinesisBatchInfo where DynamoDB's has its own."""
    body = failure_body(start, end, payload)
    del body["DDBStreamBatchInfo"]
    body["KinesisBatchInfo"] = {
        "shardId": SHARD,
        "startSequenceNumber": kseq(start),
        "endSequenceNumber": kseq(end),
        "approximateArrivalOfFirstRecord": "2026-11-27T09:00:00.250Z",
        "approximateArrivalOfLastRecord": "2026-11-27T09:00:00.250Z",
        "batchSize": end - start + 1,
        "streamArn": KINESIS_ARN,
    }
    return body


@dataclass
class FakeKinesis:
    """One Kinesis shard; iterators are positions, pages of two records."""

    records: list[dict[str, Any]] = field(default_factory=list)
    error: ClientError | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        start = int(kwargs["StartingSequenceNumber"])
        position = next(
            (i for i, r in enumerate(self.records) if int(r["SequenceNumber"]) >= start),
            len(self.records),
        )
        return {"ShardIterator": str(position)}

    def get_records(self, **kwargs: Any) -> dict[str, Any]:
        position = int(kwargs["ShardIterator"])
        page = self.records[position : position + 2]
        return {"Records": page, "NextShardIterator": str(position + len(page))}


def kinesis_aws(
    destination: str, patterns: tuple[object, ...] = (), source: str = KINESIS_ARN
) -> tuple[Aws, FakeKinesis]:
    """A Kinesis mapping with the given destination and filters, and its stream; source is
    what the mapping reads, the stream or a consumer of it."""
    described = {**mapping(destination, patterns=patterns), "EventSourceArn": source}
    return Aws(FakeLambda(described)), FakeKinesis()


def run(aws: Aws, kinesis: FakeKinesis) -> Any:
    """Redrive with the fakes, the Kinesis one included."""
    clients = Clients(aws.lambda_, aws.s3, aws.sqs, aws.streams, kinesis=kinesis)
    return redrive(FUNCTION, clients=clients, progress=io.StringIO())


def test_s3_payload_of_kinesis_records_is_sent_as_stored_and_removed() -> None:
    # GIVEN a Kinesis mapping's failure object holding two Kinesis records
    aws, kinesis = kinesis_aws(BUCKET_ARN)
    records = [lambda_kinesis_record(n, encoded(change(n))) for n in (1, 2)]
    aws.s3.put(s3_key("01"), kinesis_failure(1, 2, {"Records": records}))

    # WHEN redriven, THEN the function gets them as they were delivered; nothing is re-read
    summary = run(aws, kinesis)
    assert aws.lambda_.invocations == [records]
    assert (summary.records_redriven, summary.removed, summary.ok) == (2, 1, True)
    assert kinesis.calls == []


def test_a_kinesis_record_reported_failed_by_its_sequence_number_keeps_the_object() -> None:
    # GIVEN a function that reports the second record by its Kinesis sequence number
    aws, kinesis = kinesis_aws(BUCKET_ARN)
    records = [lambda_kinesis_record(n, encoded(change(n))) for n in (1, 2, 3)]
    aws.s3.put(s3_key("01"), kinesis_failure(1, 3, {"Records": records}))
    aws.lambda_.behaviour = lambda _: (None, {"batchItemFailures": [{"itemIdentifier": kseq(2)}]})

    # WHEN redriven, THEN the first counts as redriven, the other two failed again, kept
    summary = run(aws, kinesis)
    assert (summary.records_redriven, summary.records_failed_again) == (1, 2)
    assert aws.s3.deleted == []


def test_sqs_kinesis_range_is_reread_from_kinesis_and_filtered_on_data() -> None:
    # GIVEN a failure message for records 10-15 of a mapping that passes only NEW inserts
    aws, kinesis = kinesis_aws(QUEUE_ARN, patterns=(NEW_INSERTS,))
    kinesis.records = [
        kinesis_record(9, encoded(change(9))),
        kinesis_record(10, encoded(change(10))),
        kinesis_record(11, encoded(change(11, "MODIFY"))),
        kinesis_record(12, encoded(change(12, status="DRAFT"))),
        kinesis_record(13, b"temperature=21.5"),  # another producer's data: not JSON
        kinesis_record(14, encoded(change(14, "REMOVE"))),
        kinesis_record(15, encoded(change(15))),
        kinesis_record(16, encoded(change(16))),
    ]
    aws.sqs.send(kinesis_failure(10, 15))

    summary = run(aws, kinesis)

    # THEN the range is read from the Kinesis stream at its start sequence number
    assert kinesis.calls == [
        {
            "StreamARN": KINESIS_ARN,
            "ShardId": SHARD,
            "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "StartingSequenceNumber": kseq(10),
        }
    ]
    # AND only the NEW inserts in it are sent, in the shape Lambda delivers them
    assert aws.lambda_.invocations == [
        [lambda_kinesis_record(n, encoded(change(n))) for n in (10, 15)]
    ]
    assert (summary.records_redriven, summary.removed, summary.ok) == (2, 1, True)
    assert aws.sqs.deleted == ["message-1"]


def test_a_kinesis_range_past_its_retention_is_unrecoverable() -> None:
    aws, kinesis = kinesis_aws(QUEUE_ARN)
    kinesis.error = client_error("InvalidArgumentException", "sequence number is trimmed")
    aws.sqs.send(kinesis_failure(10, 11))

    summary = run(aws, kinesis)

    assert summary.unrecoverable == 1
    assert aws.lambda_.invocations == []
    assert aws.sqs.deleted == []
    assert "InvalidArgumentException" in summary.outcomes[0].unrecoverable


# --- a mapping that reads through an enhanced fan-out consumer (kinesis_consumer) --------------


def test_a_consumer_mapping_is_found_and_its_stream_is_the_consumers_data_stream() -> None:
    # GIVEN a mapping whose event source is a consumer of the stream
    aws, _ = kinesis_aws(QUEUE_ARN, source=CONSUMER_ARN)

    # WHEN the tool looks for the function's stream mapping, THEN it is that one, on that stream
    found = find_mapping(aws.lambda_, FUNCTION)
    assert (found.uuid, found.stream_arn, found.destination) == (
        aws.lambda_.mapping["UUID"],
        KINESIS_ARN,
        QUEUE_ARN,
    )


@pytest.mark.parametrize(
    "named", [KINESIS_ARN, CONSUMER_ARN], ids=["names the stream", "names the consumer"]
)
def test_sqs_range_of_a_consumer_mapping_is_reread_from_the_data_stream(named: str) -> None:
    # GIVEN a consumer mapping's failure message, whose KinesisBatchInfo names the data stream
    # (or, should AWS write it so, the consumer)
    aws, kinesis = kinesis_aws(QUEUE_ARN, patterns=(NEW_INSERTS,), source=CONSUMER_ARN)
    kinesis.records = [
        kinesis_record(20, encoded(change(20))),
        kinesis_record(21, encoded(change(21, "MODIFY"))),
    ]
    failure = kinesis_failure(20, 21)
    failure["KinesisBatchInfo"]["streamArn"] = named
    aws.sqs.send(failure)

    summary = run(aws, kinesis)

    # THEN the range is read from the data stream, and its one NEW insert sent, then removed
    assert [call["StreamARN"] for call in kinesis.calls] == [KINESIS_ARN]
    assert aws.lambda_.invocations == [[lambda_kinesis_record(20, encoded(change(20)))]]
    assert (summary.records_redriven, summary.removed, summary.ok) == (1, 1, True)


def test_s3_payload_of_a_consumer_mapping_is_sent_as_stored() -> None:
    aws, kinesis = kinesis_aws(BUCKET_ARN, source=CONSUMER_ARN)
    records = [lambda_kinesis_record(n, encoded(change(n))) for n in (1, 2)]
    aws.s3.put(s3_key("01"), kinesis_failure(1, 2, {"Records": records}))

    summary = run(aws, kinesis)

    assert aws.lambda_.invocations == [records]
    assert (summary.records_redriven, summary.removed, summary.ok) == (2, 1, True)


@pytest.mark.parametrize(
    "source",
    [
        f"{KINESIS_ARN}/consumer/orders-insert-trigger",  # no creation time
        f"{KINESIS_ARN}/shard/shardId-000000000000",
        f"arn:aws:kinesis:{REGION}:{ACCOUNT}:orders-insert-trigger",
    ],
    ids=["consumer without its time", "not a consumer", "no stream/"],
)
def test_a_kinesis_arn_that_is_neither_stream_nor_consumer_is_no_stream_mapping(
    source: str,
) -> None:
    aws, kinesis = kinesis_aws(BUCKET_ARN, source=source)

    with pytest.raises(RedriveError, match="no DynamoDB stream or Kinesis event source mapping"):
        run(aws, kinesis)
    assert aws.lambda_.invocations == []
