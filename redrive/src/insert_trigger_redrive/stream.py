"""Re-read one failed sequence range from its stream (DynamoDB Streams, or Kinesis Data Streams
for DynamoDB), as Lambda event records."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from insert_trigger_redrive.aws import StreamsApi, error_code

# Errors that mean the range can no longer be read: trimmed after 24 hours (Kinesis: after its
# retention), a shard or stream that no longer exists, or a sequence number the shard does not
# hold (Kinesis says InvalidArgumentException for one it no longer or never held).
GONE = (
    "TrimmedDataAccessException",
    "ResourceNotFoundException",
    "ValidationException",
    "InvalidArgumentException",
)
# Consecutive empty pages on an open shard before giving up on reaching the end of the range.
MAX_EMPTY_PAGES = 20
PAGE_LIMIT = 1000


@dataclass(frozen=True)
class BatchInfo:
    """Where a failed batch lies in its stream: the DDBStreamBatchInfo of a failure record, or
    the KinesisBatchInfo of one from a Kinesis mapping (kinesis is then True)."""

    stream_arn: str
    shard_id: str
    start: str
    end: str
    kinesis: bool = False

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> BatchInfo:
        """Read DDBStreamBatchInfo or KinesisBatchInfo; ValueError names what is missing."""
        name = "KinesisBatchInfo" if "KinesisBatchInfo" in body else "DDBStreamBatchInfo"
        info = body.get(name)
        if not isinstance(info, Mapping):
            raise ValueError("it has no DDBStreamBatchInfo (nor KinesisBatchInfo) object")
        fields = ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber")
        missing = [field for field in fields if not isinstance(info.get(field), str | int)]
        if missing:
            raise ValueError(f"its {name} lacks {', '.join(missing)}")
        arn, shard, start, end = (str(info[field]) for field in fields)
        return cls(arn, shard, start, end, kinesis=name == "KinesisBatchInfo")

    def describe(self) -> str:
        """Shard and sequence range, as printed in reports."""
        return f"shard {self.shard_id}, sequence numbers {self.start}..{self.end}"


class RangeUnreadableError(RuntimeError):
    """The range's records are gone from the stream (or never were there)."""


def read_range(streams: StreamsApi, batch: BatchInfo) -> list[dict[str, Any]]:
    """The stream records from start to end inclusive, converted to the Lambda event shape.

    ``streams`` is a DynamoDB Streams client, or for a Kinesis batch a Kinesis one.
    """
    where = {"StreamARN" if batch.kinesis else "StreamArn": batch.stream_arn}
    start = {"StartingSequenceNumber" if batch.kinesis else "SequenceNumber": batch.start}
    try:
        iterator: str | None = streams.get_shard_iterator(
            **where, ShardId=batch.shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER", **start
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        empty_pages = 0
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=PAGE_LIMIT)
            iterator = page.get("NextShardIterator")
            empty_pages = 0 if page.get("Records") else empty_pages + 1
            for record in page.get("Records", []):
                place = record if batch.kinesis else record["dynamodb"]
                sequence = int(place["SequenceNumber"])
                if sequence > int(batch.end):
                    return _checked(records, batch)
                records.append(
                    from_kinesis(record, batch)
                    if batch.kinesis
                    else to_lambda_record(record, batch.stream_arn)
                )
                if sequence == int(batch.end):
                    return _checked(records, batch)
            if empty_pages >= MAX_EMPTY_PAGES:
                break
    except ClientError as error:
        if error_code(error) in GONE:
            raise RangeUnreadableError(
                f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}"
            ) from error
        raise
    _checked(records, batch)
    raise RangeUnreadableError(
        "the end sequence number was not found in the shard (read "
        f"{len(records)} records of the range)"
    )


def _checked(records: list[dict[str, Any]], batch: BatchInfo) -> list[dict[str, Any]]:
    first = sequence_number_of(records[0]) if records else None
    if first is None or int(first) != int(batch.start):
        raise RangeUnreadableError(
            f"the start sequence number is no longer in the shard (first record found: {first})"
        )
    return records


def to_lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record (as botocore parses it) in the shape Lambda delivers to functions."""
    event = dict(_jsonable(record))
    dynamodb = event["dynamodb"]
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, dt.datetime):
        seconds = created.timestamp()
        dynamodb["ApproximateCreationDateTime"] = int(seconds) if seconds.is_integer() else seconds
    event.setdefault("eventSource", "aws:dynamodb")
    event.setdefault("awsRegion", stream_arn.split(":")[3] if stream_arn.count(":") >= 5 else "")
    event["eventSourceARN"] = stream_arn
    return event


def from_kinesis(record: Mapping[str, Any], batch: BatchInfo) -> dict[str, Any]:
    """A Kinesis GetRecords record (as botocore parses it) in the shape Lambda delivers."""
    arrived = record.get("ApproximateArrivalTimestamp")
    sequence = str(record["SequenceNumber"])
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.get("PartitionKey"),
            "sequenceNumber": sequence,
            "data": base64.b64encode(record["Data"]).decode("ascii"),
            "approximateArrivalTimestamp": (
                arrived.timestamp() if isinstance(arrived, dt.datetime) else arrived
            ),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{batch.shard_id}:{sequence}",
        "eventName": "aws:kinesis:record",
        "awsRegion": batch.stream_arn.split(":")[3] if batch.stream_arn.count(":") >= 5 else "",
        "eventSourceARN": batch.stream_arn,
    }


def sequence_number_of(record: Mapping[str, Any]) -> str | None:
    """A Lambda event record's sequence number: kinesis.sequenceNumber or dynamodb's."""
    part = record.get("kinesis") if "kinesis" in record else record.get("dynamodb")
    key = "sequenceNumber" if "kinesis" in record else "SequenceNumber"
    number = part.get(key) if isinstance(part, Mapping) else None
    return str(number) if number is not None else None


def _jsonable(value: Any) -> Any:
    """botocore decodes B and BS values to bytes; Lambda events carry them in base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    return value
