"""Redrive: find the mapping and its destination, send each failed batch back to the function."""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TextIO

from botocore.exceptions import ClientError

from insert_trigger_redrive.aws import Clients, LambdaApi, aws_clients
from insert_trigger_redrive.filters import (
    Pattern,
    UnsupportedFilterError,
    compile_filter_criteria,
    delivered,
    filter_view,
)
from insert_trigger_redrive.sources import FailureRecord, S3Failures, SqsFailures
from insert_trigger_redrive.stream import (
    BatchInfo,
    RangeUnreadableError,
    read_range,
    sequence_number_of,
)

DEFAULT_BATCH_SIZE = 100  # Lambda's default for DynamoDB and Kinesis stream mappings


class RedriveError(Exception):
    """A refusal before anything was changed: bad input, or a setup the tool cannot redrive."""


@dataclass(frozen=True)
class StreamMapping:
    """The parts of the function's stream mapping (DynamoDB or Kinesis) that redrive follows."""

    uuid: str
    function_arn: str
    stream_arn: str  # the data stream's, also when the mapping reads through a Kinesis consumer
    batch_size: int
    destination: str
    patterns: list[Pattern]


@dataclass
class Outcome:
    """What happened to one failure record."""

    failure_record: str
    batch: BatchInfo | None
    records: int = 0  # records to send to the function (after the mapping's filters)
    redriven: int = 0
    already_processed: int = 0  # of those, skipped by the function's idempotency ledger
    failed_again: int = 0
    removed: bool = False
    unrecoverable: str | None = None
    not_read: str | None = None  # an AWS error while reading it: left for a later run
    error: str | None = None  # the function's error, when records failed again
    other_function: str | None = None  # left in place: it belongs to this other function


@dataclass
class Summary:
    """The run's result; `ok` is what the exit code reports."""

    function_name: str
    destination: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failure_records(self) -> int:
        """Failure records of this function found on the destination."""
        return sum(1 for o in self.outcomes if o.other_function is None)

    @property
    def records_redriven(self) -> int:
        """Records the function processed (dry run: records it would be sent)."""
        return sum(o.redriven for o in self.outcomes)

    @property
    def records_already_processed(self) -> int:
        """Records the function's idempotency ledger had as processed already, so not repeated."""
        return sum(o.already_processed for o in self.outcomes)

    @property
    def records_failed_again(self) -> int:
        """Records the function failed again (they stay on the destination)."""
        return sum(o.failed_again for o in self.outcomes)

    @property
    def unrecoverable(self) -> int:
        """Failure records whose records are gone or unreadable."""
        return sum(1 for o in self.outcomes if o.unrecoverable is not None)

    @property
    def not_read(self) -> int:
        """Failure records left in place after an AWS error while reading them."""
        return sum(1 for o in self.outcomes if o.not_read is not None)

    @property
    def removed(self) -> int:
        """Failure records removed from the destination after all their records were processed."""
        return sum(1 for o in self.outcomes if o.removed)

    @property
    def ok(self) -> bool:
        """True when everything found was redriven (or, in a dry run, could be)."""
        return self.records_failed_again == 0 and self.unrecoverable == 0 and self.not_read == 0

    def report(self) -> str:
        """The final summary, one fact per line."""
        mode = " (dry run: nothing invoked, nothing removed)" if self.dry_run else ""
        redriven = "records that would be redriven" if self.dry_run else "records redriven"
        lines = [
            f"redrive of {self.function_name} from {self.destination}{mode}",
            f"  failure records found: {self.failure_records}",
            f"  {redriven}: {self.records_redriven}",
            f"  of them already processed (idempotency ledger): {self.records_already_processed}",
            f"  records failed again: {self.records_failed_again}",
            f"  unrecoverable failure records: {self.unrecoverable}",
            f"  failure records not read (AWS error, run again): {self.not_read}",
            f"  failure records removed: {self.removed}",
        ]
        others = len(self.outcomes) - self.failure_records
        if others:
            lines.append(f"  failure records of other functions, left in place: {others}")
        return "\n".join(lines)


class _Source(Protocol):
    def __iter__(self) -> Any: ...
    def finish(self) -> None: ...


def redrive(
    function_name: str,
    dry_run: bool = False,
    clients: Clients | None = None,
    progress: TextIO | None = None,
) -> Summary:
    """Send the function's failed batches back through it; raises RedriveError on a refusal."""
    if not function_name.strip():
        raise RedriveError("--function-name must be a Lambda function name or ARN, got ''")
    clients = clients or aws_clients()
    out = progress or sys.stderr
    mapping = find_mapping(clients.lambda_, function_name)
    source = _source(clients, mapping, function_name)
    summary = Summary(function_name, mapping.destination, dry_run)
    try:
        for number, failure in enumerate(source, start=1):
            outcome = _redrive_one(clients, mapping, failure, dry_run, out)
            summary.outcomes.append(outcome)
            print(f"[{number}] {_describe(outcome, dry_run)}", file=out, flush=True)
    finally:
        source.finish()
    return summary


def find_mapping(lambda_: LambdaApi, function_name: str) -> StreamMapping:
    """The function's one stream mapping (DynamoDB Streams or Kinesis) with an on-failure
    destination."""
    mappings: list[dict[str, Any]] = []
    request: dict[str, Any] = {"FunctionName": function_name}
    while True:
        try:
            page = lambda_.list_event_source_mappings(**request)
        except ClientError as error:
            raise RedriveError(
                f"cannot list the event source mappings of {function_name!r}: {error}"
            ) from error
        mappings.extend(page.get("EventSourceMappings", []))
        if not page.get("NextMarker"):
            break
        request["Marker"] = page["NextMarker"]
    streams = [m for m in mappings if _is_stream(m.get("EventSourceArn", ""))]
    if not streams:
        raise RedriveError(
            f"function {function_name!r} has no DynamoDB stream or Kinesis event source mapping "
            f"({len(mappings)} mapping(s) of other kinds); check the name and the region"
        )
    if len(streams) > 1:
        listed = ", ".join(f"{m['UUID']} ({m['EventSourceArn']})" for m in streams)
        raise RedriveError(
            f"function {function_name!r} has {len(streams)} stream mappings: {listed}; "
            "this tool redrives a function with exactly one"
        )
    mapping = streams[0]
    destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination") or ""
    if not destination:
        raise RedriveError(
            f"mapping {mapping['UUID']} of {function_name!r} has no on-failure destination, "
            "so failed batches were not kept; nothing can be redriven"
        )
    try:
        patterns = compile_filter_criteria(mapping.get("FilterCriteria"))
    except UnsupportedFilterError as error:
        raise RedriveError(
            f"mapping {mapping['UUID']}: {error}. Records re-read from the stream cannot be "
            "filtered as Lambda would, so nothing was redriven"
        ) from error
    return StreamMapping(
        uuid=mapping["UUID"],
        function_arn=mapping.get("FunctionArn") or function_name,
        stream_arn=_stream_of(mapping["EventSourceArn"]),
        batch_size=int(mapping.get("BatchSize") or DEFAULT_BATCH_SIZE),
        destination=destination,
        patterns=patterns,
    )


# A Kinesis mapping's source: a data stream, or an enhanced fan-out consumer of one, whose ARN is
# the stream's plus /consumer/<name>:<creation time> (the Kinesis API reference's pattern).
KINESIS_SOURCE = re.compile(
    r"(?P<stream>arn:[a-z-]+:kinesis:[a-z0-9-]+:\d{12}:stream/[A-Za-z0-9_.-]+)"
    r"(?:/consumer/[A-Za-z0-9_.-]+:\d+)?"
)


def _is_stream(arn: str) -> bool:
    """A DynamoDB stream's ARN, or a Kinesis data stream's or stream consumer's (Kinesis Data
    Streams for DynamoDB, read through enhanced fan-out or not)."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return False
    return (parts[2] == "dynamodb" and "/stream/" in parts[5]) or bool(
        KINESIS_SOURCE.fullmatch(arn)
    )


def _stream_of(arn: str) -> str:
    """The stream a mapping reads: a consumer's ARN names its data stream's; others are streams."""
    source = KINESIS_SOURCE.fullmatch(arn)
    return source["stream"] if source else arn


def _source(clients: Clients, mapping: StreamMapping, function_name: str) -> _Source:
    parts = mapping.destination.split(":", 5)
    service = parts[2] if len(parts) == 6 and parts[0] == "arn" else ""
    if service == "s3":
        return S3Failures(clients.s3, parts[5], mapping.uuid, _function_name(mapping.function_arn))
    if service == "sqs":
        try:
            url = clients.sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])
        except ClientError as error:
            raise RedriveError(
                f"cannot open the failure queue {mapping.destination}: {error}"
            ) from error
        return SqsFailures(clients.sqs, url["QueueUrl"], _function_name(mapping.function_arn))
    if service == "sns":
        raise RedriveError(
            f"the on-failure destination {mapping.destination} is an SNS topic: SNS keeps no "
            "copy, so the failure records are with the topic's subscribers (a queue, an email). "
            "Redrive from there, or point the mapping at an S3 bucket or SQS queue"
        )
    raise RedriveError(
        f"unsupported on-failure destination {mapping.destination!r}: expected an S3 bucket "
        "(arn:aws:s3:::name) or an SQS queue ARN"
    )


def _function_name(function_arn: str) -> str:
    parts = function_arn.split(":")
    return parts[6] if len(parts) >= 7 else function_arn


def _redrive_one(
    clients: Clients, mapping: StreamMapping, failure: FailureRecord, dry_run: bool, out: TextIO
) -> Outcome:
    outcome = Outcome(failure.label, failure.batch, other_function=failure.other_function)
    if failure.other_function is not None:
        return outcome
    records = _records_to_send(clients, mapping, failure, outcome)
    if records is None:
        return outcome
    outcome.records = len(records)
    if dry_run:
        outcome.redriven = len(records)
        return outcome
    for start in range(0, len(records), mapping.batch_size):
        chunk = records[start : start + mapping.batch_size]
        if len(records) > mapping.batch_size:
            print(
                f"    invoking records {start + 1}-{start + len(chunk)} of {len(records)}",
                file=out,
                flush=True,
            )
        failed_at, why, already = _invoke(clients.lambda_, mapping.function_arn, chunk)
        outcome.already_processed += already
        if failed_at is not None:
            outcome.redriven += failed_at
            outcome.failed_again = len(records) - start - failed_at
            outcome.error = why
            return outcome
        outcome.redriven += len(chunk)
    failure.remove()
    outcome.removed = True
    return outcome


def _records_to_send(
    clients: Clients, mapping: StreamMapping, failure: FailureRecord, outcome: Outcome
) -> list[dict[str, Any]] | None:
    """The stored records, or the range re-read and filtered; None (and why, in outcome) if not."""
    if failure.read_error is not None:
        outcome.not_read = f"could not fetch it: {failure.read_error}"
        return None
    if failure.problem is not None or failure.batch is None:
        outcome.unrecoverable = failure.problem or "no batch information"
        return None
    if failure.records is not None:
        return failure.records
    streams, batch = clients.streams, failure.batch
    if batch.kinesis:
        if clients.kinesis is None:
            outcome.not_read = "no Kinesis client to re-read the range with"
            return None
        # Shards are read on the data stream, should a record name the consumer it came through.
        streams, batch = clients.kinesis, replace(batch, stream_arn=_stream_of(batch.stream_arn))
    try:
        return [
            record
            for record in read_range(streams, batch)
            if _delivered_insert(record, mapping.patterns)
        ]
    except RangeUnreadableError as error:
        outcome.unrecoverable = f"records gone from the stream ({error})"
    except ClientError as error:  # throttling or a service fault: the range may still be there
        outcome.not_read = f"could not read the range from the stream: {error}"
    return None


def _delivered_insert(record: Mapping[str, Any], patterns: list[Pattern]) -> bool:
    """An INSERT the mapping's filters let through; a Kinesis record's change is its data."""
    view = filter_view(record)
    change = view.get("data") if record.get("eventSource") == "aws:kinesis" else view
    return (
        isinstance(change, Mapping)
        and change.get("eventName") == "INSERT"
        and delivered(view, patterns)
    )


def _invoke(
    lambda_: LambdaApi, function_arn: str, chunk: list[dict[str, Any]]
) -> tuple[int | None, str | None, int]:
    """Invoke synchronously: the index of the first record that failed (None: all processed),
    why, and how many records the function reported as already processed."""
    try:
        response = lambda_.invoke(
            FunctionName=function_arn,
            InvocationType="RequestResponse",
            LogType="Tail",
            Payload=json.dumps({"Records": chunk}).encode(),
        )
    except ClientError as error:
        return 0, f"invoke failed: {error}", 0
    return (*_failed_at(chunk, response), _already_processed(response))


def _already_processed(response: Mapping[str, Any]) -> int:
    """already_processed from the handler's batch summary, the last of its lines in the log tail
    (the last 4 KB of the invocation's log); 0 without a ledger or without such a line."""
    try:
        tail = base64.b64decode(response.get("LogResult") or "").decode("utf-8", "replace")
    except ValueError:
        return 0
    for line in reversed(tail.splitlines()):
        start = line.find("{")
        try:
            parsed = json.loads(line[start:]) if start >= 0 else None
        except ValueError:
            continue
        if isinstance(parsed, Mapping) and parsed.get("message") == "batch summary":
            count = parsed.get("already_processed", 0)
            return count if isinstance(count, int) else 0
    return 0


def _failed_at(
    chunk: list[dict[str, Any]], response: Mapping[str, Any]
) -> tuple[int | None, str | None]:
    raw = response["Payload"].read() if response.get("Payload") is not None else b""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None  # Lambda ignores a response it cannot parse as a batch response
    if response.get("FunctionError"):
        message = body.get("errorMessage") if isinstance(body, Mapping) else raw[:500]
        return 0, f"{response['FunctionError']} function error: {message!r}"
    failures = body.get("batchItemFailures") if isinstance(body, Mapping) else None
    if not failures:
        return None, None
    return _first_failed(chunk, failures), f"the function reported batchItemFailures {failures}"


def _first_failed(chunk: list[dict[str, Any]], failures: Iterable[Any]) -> int:
    """Lambda retries from the lowest reported record; an identifier it cannot place fails all."""
    positions = {str(sequence_number_of(record)): index for index, record in enumerate(chunk)}
    indexes = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return 0
        indexes.append(positions[identifier])
    return min(indexes)


def _describe(outcome: Outcome, dry_run: bool) -> str:
    where = f"{outcome.failure_record} ({outcome.batch.describe()})" if outcome.batch else ""
    where = where or outcome.failure_record
    if outcome.other_function is not None:
        return f"{where}: belongs to function {outcome.other_function}; left in place"
    if outcome.unrecoverable is not None:
        return f"{where}: UNRECOVERABLE: {outcome.unrecoverable}; left in place"
    if outcome.not_read is not None:
        return f"{where}: NOT READ: {outcome.not_read}; left in place"
    if dry_run:
        return f"{where}: would redrive {_records(outcome.records)}, then remove it"
    if outcome.failed_again:
        return (
            f"{where}: redriven {outcome.redriven} of {outcome.records}, "
            f"{outcome.failed_again} FAILED AGAIN ({outcome.error}); left in place"
        )
    return f"{where}: redriven {_records(outcome.redriven)}; removed"


def _records(count: int) -> str:
    return f"{count} record{'' if count == 1 else 's'}"
