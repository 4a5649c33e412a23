"""Failure records on an on-failure destination: S3 objects or SQS messages, read and removed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from insert_trigger_redrive.aws import S3Api, SqsApi
from insert_trigger_redrive.stream import BatchInfo

# Long enough for the slowest function (15 minutes) to finish a batch before a message could
# reappear; the tool makes every message it keeps visible again as soon as it is done.
SQS_VISIBILITY_SECONDS = 900
# Long polling asks every SQS server; a short poll can answer empty while messages remain.
SQS_WAIT_SECONDS = 2


@dataclass
class FailureRecord:
    """One failed batch: where it sits, its stream range, and its records when it carries them."""

    label: str
    remove: Callable[[], None]
    batch: BatchInfo | None = None
    records: list[dict[str, Any]] | None = None  # None: re-read the range from the stream
    problem: str | None = None  # why it cannot be read, when it cannot
    read_error: str | None = None  # an AWS error while fetching it; a later run may succeed
    other_function: str | None = None  # set when the record names another function


def parse_failure_record(
    label: str,
    text: str | bytes,
    remove: Callable[[], None],
    function_name: str | None = None,
    owner_required: bool = False,
) -> FailureRecord:
    """Read a failure record's JSON: batch info, payload records, whose function it names."""
    record = FailureRecord(label=label, remove=remove)
    try:
        body = json.loads(text)
        if not isinstance(body, Mapping):
            raise ValueError("it is not a JSON object")
        record.batch = BatchInfo.parse(body)
        record.records = _payload_records(body)
    except ValueError as error:  # JSONDecodeError is a ValueError
        record.problem = f"unreadable failure record: {error}"
        return record
    owner = str(body.get("requestContext", {}).get("functionArn", "")).split(":")
    if function_name and len(owner) >= 7 and owner[6] != function_name:
        record.other_function = owner[6]
    elif owner_required and len(owner) < 7:
        record.other_function = "unknown (the record names no function)"
    return record


def _payload_records(body: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The records stored with an S3 failure record: an object or a JSON string of one."""
    payload = body.get("payload")
    if payload is None:
        return None
    if isinstance(payload, str):
        payload = json.loads(payload)
    records = payload.get("Records") if isinstance(payload, Mapping) else None
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise ValueError('its payload is not {"Records": [...]} (as an object or a JSON string)')
    return [dict(r) for r in records]


@dataclass
class S3Failures:
    """The failure objects AWS writes under aws/lambda/<mapping UUID>/ in the bucket.

    Objects under another mapping's UUID (a mapping Terraform replaced, or another function's)
    are redriven only when their record names this function; the rest are left and reported.
    """

    s3: S3Api
    bucket: str
    mapping_uuid: str
    function_name: str

    def __iter__(self) -> Iterator[FailureRecord]:
        for key in self.keys():
            label = f"s3://{self.bucket}/{key}"
            try:
                body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as error:
                yield FailureRecord(label, self._remover(key), read_error=str(error))
                continue
            ours = key.startswith(f"aws/lambda/{self.mapping_uuid}/")
            yield parse_failure_record(
                label, body, self._remover(key), self.function_name, owner_required=not ours
            )

    def keys(self) -> list[str]:
        """Every failure object key, in key order (per shard, the order of failure)."""
        keys: list[str] = []
        request = {"Bucket": self.bucket, "Prefix": "aws/lambda/"}
        while True:
            page = self.s3.list_objects_v2(**request)
            keys.extend(item["Key"] for item in page.get("Contents", []))
            if not page.get("IsTruncated"):
                return sorted(keys)
            request["ContinuationToken"] = page["NextContinuationToken"]

    def _remover(self, key: str) -> Callable[[], None]:
        def remove() -> None:
            self.s3.delete_object(Bucket=self.bucket, Key=key)

        return remove

    def finish(self) -> None:
        """Nothing to release: objects stay until removed."""


@dataclass
class SqsFailures:
    """The failure messages on the queue; the ones kept are made visible again by finish()."""

    sqs: SqsApi
    queue_url: str
    function_name: str
    _seen: set[str] = field(default_factory=set)
    _kept: dict[str, str] = field(default_factory=dict)  # message id -> receipt handle

    def __iter__(self) -> Iterator[FailureRecord]:
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=SQS_WAIT_SECONDS,
                VisibilityTimeout=SQS_VISIBILITY_SECONDS,
            ).get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in self._seen]
            for message in messages:
                self._kept[message["MessageId"]] = message["ReceiptHandle"]
            if not fresh:  # empty, or only messages this run has already handled
                return
            for message in fresh:
                self._seen.add(message["MessageId"])
                yield parse_failure_record(
                    f"SQS message {message['MessageId']}",
                    message["Body"],
                    self._remover(message["MessageId"]),
                    self.function_name,
                )

    def _remover(self, message_id: str) -> Callable[[], None]:
        def remove() -> None:
            receipt = self._kept.pop(message_id)
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)

        return remove

    def finish(self) -> None:
        """Make every message this run received and kept visible again at once."""
        while self._kept:
            _, receipt = self._kept.popitem()
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )
