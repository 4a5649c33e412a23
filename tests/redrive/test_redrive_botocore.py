"""SQS and S3 redrives through real botocore clients: each call checked against AWS's models."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from insert_trigger_redrive import Clients, redrive
from redrive.fakes import (
    BUCKET,
    BUCKET_ARN,
    CREATED,
    FUNCTION,
    FUNCTION_ARN,
    QUEUE_ARN,
    QUEUE_URL,
    SHARD,
    STREAM_ARN,
    b64,
    failure_body,
    lambda_record,
    mapping,
    s3_key,
    seq,
    stream_record,
)


def body(data: bytes) -> StreamingBody:
    """A response body as botocore returns it."""
    return StreamingBody(io.BytesIO(data), len(data))


@pytest.fixture
def stubs() -> Iterator[dict[str, Stubber]]:
    """Real clients (no network: the stubbers answer), one stubber per service."""
    session = boto3.session.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 (dummy: the stubbers answer, nothing is sent)
        region_name="eu-west-1",
    )
    names = {"lambda_": "lambda", "s3": "s3", "sqs": "sqs", "streams": "dynamodbstreams"}
    stubbers = {field: Stubber(session.client(service)) for field, service in names.items()}  # type: ignore[call-overload]
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def clients(stubs: dict[str, Stubber]) -> Clients:
    """The stubbed clients as redrive takes them."""
    made: dict[str, Any] = {field: stubber.client for field, stubber in stubs.items()}
    return Clients(**made)


def expect_mapping(stubs: dict[str, Stubber], destination: str) -> None:
    stubs["lambda_"].add_response(
        "list_event_source_mappings",
        {"EventSourceMappings": [mapping(destination, batch_size=10)]},
        {"FunctionName": FUNCTION},
    )


def expect_invoke(stubs: dict[str, Stubber], records: list[dict[str, Any]]) -> None:
    stubs["lambda_"].add_response(
        "invoke",
        {"StatusCode": 200, "Payload": body(b'{"batchItemFailures": []}')},
        {
            "FunctionName": FUNCTION_ARN,
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": json.dumps({"Records": records}).encode(),
        },
    )


def test_sqs_redrive_with_botocore_shapes(stubs: dict[str, Stubber]) -> None:
    # GIVEN one failure message for 10-11, and a stream whose records botocore parses
    expect_mapping(stubs, QUEUE_ARN)
    sqs, streams = stubs["sqs"], stubs["streams"]
    sqs.add_response(
        "get_queue_url",
        {"QueueUrl": QUEUE_URL},
        {"QueueName": QUEUE_ARN.rsplit(":", 1)[1], "QueueOwnerAWSAccountId": "123456789012"},
    )
    receive = {"QueueUrl": QUEUE_URL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 2}
    receive["VisibilityTimeout"] = 900
    message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": json.dumps(failure_body(10, 11))}
    sqs.add_response("receive_message", {"Messages": [message]}, receive)
    streams.add_response(
        "get_shard_iterator",
        {"ShardIterator": "it-1"},
        {
            "StreamArn": STREAM_ARN,
            "ShardId": SHARD,
            "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "SequenceNumber": seq(10),
        },
    )
    wire = [stream_record(10, blob={"B": b"\x00\xff"}), stream_record(11)]
    streams.add_response(
        "get_records",
        {"Records": wire, "NextShardIterator": "it-2"},
        {"ShardIterator": "it-1", "Limit": 1000},
    )
    expected = [lambda_record(10), lambda_record(11)]
    expected[0]["dynamodb"]["NewImage"]["blob"] = {"B": b64(b"\x00\xff")}
    expect_invoke(stubs, expected)
    sqs.add_response("delete_message", {}, {"QueueUrl": QUEUE_URL, "ReceiptHandle": "r1"})
    sqs.add_response("receive_message", {}, receive)  # each message is done before the next poll

    # WHEN redriven, THEN every call matched (the fixture checks none is left) and it is removed
    summary = redrive(FUNCTION, clients=clients(stubs), progress=io.StringIO())

    assert (summary.records_redriven, summary.removed, summary.ok) == (2, 1, True)
    assert expected[0]["dynamodb"]["ApproximateCreationDateTime"] == int(CREATED.timestamp())


def test_s3_redrive_with_botocore_shapes(stubs: dict[str, Stubber]) -> None:
    expect_mapping(stubs, BUCKET_ARN)
    s3 = stubs["s3"]
    prefix = "aws/lambda/"
    s3.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": s3_key("01")}], "IsTruncated": False},
        {"Bucket": BUCKET, "Prefix": prefix},
    )
    stored = failure_body(5, 5, {"Records": [lambda_record(5)]})
    s3.add_response(
        "get_object",
        {"Body": body(json.dumps(stored).encode())},
        {"Bucket": BUCKET, "Key": s3_key("01")},
    )
    expect_invoke(stubs, [lambda_record(5)])
    s3.add_response("delete_object", {}, {"Bucket": BUCKET, "Key": s3_key("01")})

    summary = redrive(FUNCTION, clients=clients(stubs), progress=io.StringIO())

    assert (summary.records_redriven, summary.removed, summary.ok) == (1, 1, True)
