"""Re-read one failed sequence range from a DynamoDB stream, as Lambda event records."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from insert_trigger_redrive.aws import StreamsApi, error_code

# Errors that mean the range can no longer be read: trimmed after 24 hours, a shard or stream
# that no longer exists, or a sequence number the shard does not hold.
GONE = ("TrimmedDataAccessException", "ResourceNotFoundException", "ValidationException")
# Consecutive empty pages on an open shard before giving up on reaching the end of the range.
MAX_EMPTY_PAGES = 20
PAGE_LIMIT = 1000


@dataclass(frozen=True)
class BatchInfo:
    """Where a failed batch lies in its stream (the DDBStreamBatchInfo of a failure record)."""

    stream_arn: str
    shard_id: str
    start: str
    end: str

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> BatchInfo:
        """Read DDBStreamBatchInfo; ValueError names what is missing."""
        info = body.get("DDBStreamBatchInfo")
        if not isinstance(info, Mapping):
            raise ValueError("it has no DDBStreamBatchInfo object")
        fields = ("streamArn", "shardId", "startSequenceNumber", "endSequenceNumber")
        missing = [name for name in fields if not isinstance(info.get(name), str | int)]
        if missing:
            raise ValueError(f"its DDBStreamBatchInfo lacks {', '.join(missing)}")
        return cls(*(str(info[name]) for name in fields))

    def describe(self) -> str:
        """Shard and sequence range, as printed in reports."""
        return f"shard {self.shard_id}, sequence numbers {self.start}..{self.end}"


class RangeUnreadableError(RuntimeError):
    """The range's records are gone from the stream (or never were there)."""


def read_range(streams: StreamsApi, batch: BatchInfo) -> list[dict[str, Any]]:
    """The stream records from start to end inclusive, converted to the Lambda event shape."""
    try:
        iterator: str | None = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.start,
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        empty_pages = 0
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=PAGE_LIMIT)
            iterator = page.get("NextShardIterator")
            empty_pages = 0 if page.get("Records") else empty_pages + 1
            for record in page.get("Records", []):
                sequence = int(record["dynamodb"]["SequenceNumber"])
                if sequence > int(batch.end):
                    return _checked(records, batch)
                records.append(to_lambda_record(record, batch.stream_arn))
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
    first = records[0]["dynamodb"]["SequenceNumber"] if records else None
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


def _jsonable(value: Any) -> Any:
    """botocore decodes B and BS values to bytes; Lambda events carry them in base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    return value
