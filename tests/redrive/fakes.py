"""In-memory stand-ins for the four AWS APIs redrive calls; they record what changes state."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from insert_trigger_redrive import Clients

REGION, ACCOUNT = "eu-west-1", "123456789012"
FUNCTION = "orders-insert-trigger"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
STREAM_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/stream/2026-11-27T00:00:00.000"
MAPPING_UUID = "6f1c2e0a-0000-4000-8000-000000000001"
BUCKET = "orders-insert-trigger-failures"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-insert-trigger-failures"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-insert-trigger-failures"
SHARD = "shardId-00000001700000000000-0000abcd"
CREATED = dt.datetime(2026, 11, 27, 9, 0, 0, tzinfo=dt.UTC)


def seq(number: int) -> str:
    """A sequence number as DynamoDB Streams writes it: at least 21 digits."""
    return f"{number:021d}"


def client_error(code: str, message: str = "") -> ClientError:
    """A botocore ClientError with the given AWS error code."""
    return ClientError({"Error": {"Code": code, "Message": message or code}}, "Operation")


def stream_record(sequence: int, event_name: str = "INSERT", **image: Any) -> dict[str, Any]:
    """A GetRecords record as botocore returns it (datetime, bytes for B)."""
    new_image = {"pk": {"S": f"ORDER#{sequence}"}, **image}
    return {
        "eventID": f"event-{sequence}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": CREATED,
            "Keys": {"pk": {"S": f"ORDER#{sequence}"}},
            "NewImage": new_image,
            "SequenceNumber": seq(sequence),
            "SizeBytes": 30,
            "StreamViewType": "NEW_IMAGE",
        },
    }


def lambda_record(sequence: int, event_name: str = "INSERT") -> dict[str, Any]:
    """A record in the shape Lambda delivers (and stores in an S3 failure record's payload)."""
    record = stream_record(sequence, event_name)
    record["dynamodb"]["ApproximateCreationDateTime"] = int(CREATED.timestamp())
    record["eventSourceARN"] = STREAM_ARN
    return record


def batch_info(start: int, end: int, size: int | None = None) -> dict[str, Any]:
    """The DDBStreamBatchInfo AWS writes for a failed batch."""
    return {
        "shardId": SHARD,
        "startSequenceNumber": seq(start),
        "endSequenceNumber": seq(end),
        "approximateArrivalOfFirstRecord": "2026-11-27T09:00:00Z",
        "approximateArrivalOfLastRecord": "2026-11-27T09:00:00Z",
        "batchSize": size if size is not None else end - start + 1,
        "streamArn": STREAM_ARN,
    }


def failure_body(
    start: int, end: int, payload: object = None, function_arn: str = FUNCTION_ARN
) -> dict[str, Any]:
    """A whole failure record: request and response context, batch info, optional payload."""
    body: dict[str, Any] = {
        "requestContext": {
            "requestId": "c0ffee00-0000-4000-8000-000000000000",
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 3,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "version": "1.0",
        "timestamp": "2026-11-27T09:00:05.000Z",
        "DDBStreamBatchInfo": batch_info(start, end),
    }
    if payload is not None:
        body["payload"] = payload
    return body


# A function's behaviour: given the records of one invocation, (FunctionError or None, response).
type Behaviour = Callable[[list[dict[str, Any]]], tuple[str | None, object]]


def succeeds(records: list[dict[str, Any]]) -> tuple[str | None, object]:
    """Every record processed."""
    return None, {"batchItemFailures": []}


def raises(records: list[dict[str, Any]]) -> tuple[str | None, object]:
    """An unhandled error: the whole batch failed."""
    return "Unhandled", {"errorMessage": "processor is down", "errorType": "RuntimeError"}


def refuses(sequence: int) -> Behaviour:
    """A function that reports the record with this sequence number as failed."""

    def behave(records: list[dict[str, Any]]) -> tuple[str | None, object]:
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        if seq(sequence) in numbers:
            return None, {"batchItemFailures": [{"itemIdentifier": seq(sequence)}]}
        return None, {"batchItemFailures": []}

    return behave


@dataclass
class FakeLambda:
    """One mapping; invoke records each event and answers with the behaviour's response."""

    mapping: dict[str, Any]
    behaviour: Behaviour = succeeds
    invocations: list[list[dict[str, Any]]] = field(default_factory=list)
    extra_mappings: list[dict[str, Any]] = field(default_factory=list)
    log_tail: Callable[[list[dict[str, Any]]], str] | None = None  # the invocation's log lines

    def list_event_source_mappings(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["FunctionName"] == FUNCTION
        return {"EventSourceMappings": [self.mapping, *self.extra_mappings]}

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["InvocationType"] == "RequestResponse"
        assert kwargs["FunctionName"] == self.mapping["FunctionArn"]
        records = json.loads(kwargs["Payload"])["Records"]
        self.invocations.append(records)
        function_error, body = self.behaviour(records)
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": io.BytesIO(json.dumps(body).encode()),
        }
        if function_error:
            response["FunctionError"] = function_error
        if self.log_tail is not None and kwargs.get("LogType") == "Tail":
            response["LogResult"] = base64.b64encode(self.log_tail(records).encode()).decode()
        return response


def mapping(
    destination: str = BUCKET_ARN, batch_size: int = 100, patterns: tuple[object, ...] = ()
) -> dict[str, Any]:
    """A DynamoDB stream mapping as ListEventSourceMappings describes it."""
    described: dict[str, Any] = {
        "UUID": MAPPING_UUID,
        "FunctionArn": FUNCTION_ARN,
        "EventSourceArn": STREAM_ARN,
        "BatchSize": batch_size,
        "State": "Enabled",
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    }
    if destination:
        described["DestinationConfig"] = {"OnFailure": {"Destination": destination}}
    if patterns:
        described["FilterCriteria"] = {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}
    return described


@dataclass
class FakeS3:
    """A bucket of objects, listed a page of `page_size` keys at a time."""

    objects: dict[str, bytes] = field(default_factory=dict)
    page_size: int = 1000
    deleted: list[str] = field(default_factory=list)

    def put(self, key: str, body: object) -> None:
        """Store body as JSON (or as given when it is bytes)."""
        self.objects[key] = body if isinstance(body, bytes) else json.dumps(body).encode()

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["Bucket"] == BUCKET
        keys = sorted(k for k in self.objects if k.startswith(kwargs["Prefix"]))
        start = int(kwargs.get("ContinuationToken", 0))
        page = keys[start : start + self.page_size]
        response: dict[str, Any] = {"Contents": [{"Key": k} for k in page]}
        if start + self.page_size < len(keys):
            response |= {"IsTruncated": True, "NextContinuationToken": str(start + len(page))}
        return response

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[kwargs["Key"]])}

    def delete_object(self, **kwargs: Any) -> dict[str, Any]:
        self.deleted.append(kwargs["Key"])
        del self.objects[kwargs["Key"]]
        return {}


@dataclass
class Message:
    """A queue message and its visibility."""

    message_id: str
    body: str
    visible: bool = True
    receipts: int = 0


@dataclass
class FakeSqs:
    """A queue: receive hides messages, delete removes them, visibility 0 shows them again."""

    messages: dict[str, Message] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)

    def send(self, body: object) -> str:
        """Enqueue a message (JSON unless already a string); returns its id."""
        message_id = f"message-{len(self.messages) + 1}"
        text = body if isinstance(body, str) else json.dumps(body)
        self.messages[message_id] = Message(message_id, text)
        return message_id

    def get_queue_url(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs == {
            "QueueName": QUEUE_ARN.rsplit(":", 1)[1],
            "QueueOwnerAWSAccountId": ACCOUNT,
        }
        return {"QueueUrl": QUEUE_URL}

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["QueueUrl"] == QUEUE_URL
        assert kwargs["VisibilityTimeout"] > 0
        visible = [m for m in self.messages.values() if m.visible][: kwargs["MaxNumberOfMessages"]]
        for message in visible:
            message.visible = False
            message.receipts += 1
        return {
            "Messages": [
                {
                    "MessageId": m.message_id,
                    "ReceiptHandle": f"{m.message_id}/{m.receipts}",
                    "Body": m.body,
                }
                for m in visible
            ]
        }

    def _message(self, receipt: str) -> Message:
        message_id, receipt_number = receipt.split("/")
        message = self.messages[message_id]
        assert int(receipt_number) == message.receipts, "stale receipt handle"
        return message

    def delete_message(self, **kwargs: Any) -> dict[str, Any]:
        message = self._message(kwargs["ReceiptHandle"])
        self.deleted.append(message.message_id)
        del self.messages[message.message_id]
        return {}

    def change_message_visibility(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["VisibilityTimeout"] == 0
        message = self._message(kwargs["ReceiptHandle"])
        message.visible = True
        self.released.append(message.message_id)
        return {}


@dataclass
class FakeStreams:
    """One shard's records; iterators are positions, pages hold `page_size` records."""

    records: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    iterator_error: ClientError | None = None
    closed: bool = False

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["StreamArn"] == STREAM_ARN
        assert kwargs["ShardId"] == SHARD
        assert kwargs["ShardIteratorType"] == "AT_SEQUENCE_NUMBER"
        if self.iterator_error is not None:
            raise self.iterator_error
        start = int(kwargs["SequenceNumber"])
        position = next(
            (
                i
                for i, r in enumerate(self.records)
                if int(r["dynamodb"]["SequenceNumber"]) >= start
            ),
            len(self.records),
        )
        return {"ShardIterator": str(position)}

    def get_records(self, **kwargs: Any) -> dict[str, Any]:
        position = int(kwargs["ShardIterator"])
        page = self.records[position : position + self.page_size]
        following = position + len(page)
        response: dict[str, Any] = {"Records": [json_roundtrip_safe(r) for r in page]}
        if not (self.closed and following >= len(self.records)):
            response["NextShardIterator"] = str(following)
        return response


def json_roundtrip_safe(record: dict[str, Any]) -> dict[str, Any]:
    """A copy, so that the code under test cannot change the fake's stored records."""
    copy = dict(record)
    copy["dynamodb"] = dict(record["dynamodb"])
    return copy


@dataclass
class Aws:
    """The four fakes together, and the Clients made of them."""

    lambda_: FakeLambda
    s3: FakeS3 = field(default_factory=FakeS3)
    sqs: FakeSqs = field(default_factory=FakeSqs)
    streams: FakeStreams = field(default_factory=FakeStreams)

    @property
    def clients(self) -> Clients:
        """The fakes, as the Clients redrive takes."""
        return Clients(lambda_=self.lambda_, s3=self.s3, sqs=self.sqs, streams=self.streams)


def s3_key(name: str) -> str:
    """A failure object key in AWS's layout for the test mapping and shard."""
    return f"aws/lambda/{MAPPING_UUID}/{SHARD}/2026/11/27/2026-11-27T09.00.{name}"


def b64(raw: bytes) -> str:
    """Base64 text, as Lambda events carry binary attributes."""
    return base64.b64encode(raw).decode("ascii")
