"""Walk a stream batch in order: skip what is not an INSERT, process the rest, stop at a failure
or when the invocation's time runs short; one summary line per batch."""

from __future__ import annotations

import os
from time import perf_counter

from insert_trigger import emf, log
from insert_trigger.image import ImageError, deserialize_image

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol, TypeGuard

    from insert_trigger.processor import Processor

    class LambdaContext(Protocol):
        """The part of Lambda's context object the deadline stop reads."""

        def get_remaining_time_in_millis(self) -> int:
            """Milliseconds left before Lambda ends the invocation."""
            ...


type BatchResponse = dict[str, list[dict[str, str]]]

MISSING_NEW_IMAGE = (
    "record has no dynamodb.NewImage: the stream view type must include the new image "
    "(NEW_IMAGE or NEW_AND_OLD_IMAGES)"
)
MARGIN_VAR = "DEADLINE_MARGIN_MS"
# Without DEADLINE_MARGIN_MS, the handler stops when less time is left than the slowest insert
# of this invocation so far plus this headroom. The stop itself (the last look at the clock, two
# log lines, the response) takes about 0.15 ms here (measured by
# tests/insert_trigger_tests/test_deadline.py), and the runtime then posts the response to the
# Runtime API, a local HTTP call. The rest
# absorbs an insert slower than any before it (a cold connection, a garbage collection) and
# the clock's millisecond steps, for 0.7% of the default 30 s timeout.
HEADROOM_MS = 200
EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")


class RecordError(ValueError):
    """An INSERT record that lacks a part processing needs."""


class UnreportableFailureError(RuntimeError):
    """A failed record without a SequenceNumber, so the whole batch has to fail instead."""


class MarginError(ValueError):
    """DEADLINE_MARGIN_MS is set to something other than a whole number of milliseconds."""


def process_batch(
    records: list[object],
    get_processor: Callable[[], Processor],
    context: LambdaContext | object | None = None,
    *,
    metrics: bool = False,
) -> BatchResponse:
    """Process the INSERT records in order; the response names the first left for a retry.

    ``metrics`` makes the summary line an EMF document too (see emf.py).
    """
    batch_started = perf_counter()
    processor: Processor | None = None
    processed = skipped = 0
    failure: list[dict[str, str]] = []
    left_from = len(records)  # index of the first record left for Lambda to retry
    failed = stopped = False
    margin, margin_error = _margin_setting()
    time_left = _time_left(context) if margin != 0 else None
    slowest_ms = started = 0.0
    try:
        for index, record in enumerate(records):
            if not is_insert(record):
                skipped += 1
                continue
            sequence_number = sequence_number_of(record)
            if time_left is not None and sequence_number is not None:
                left_ms = time_left()
                needed_ms = slowest_ms + HEADROOM_MS if margin is None else margin
                if left_ms < needed_ms:
                    # Stop while the response can still be sent: Lambda resumes from this
                    # record, instead of replaying the whole batch after a timeout.
                    failure, left_from, stopped = [{"itemIdentifier": sequence_number}], index, True
                    _log_deadline_stop(
                        sequence_number, processed, len(records) - index, left_ms, needed_ms
                    )
                    break
                started = perf_counter()
            try:
                if margin_error is not None:
                    raise margin_error
                if sequence_number is None:
                    raise RecordError("record has no dynamodb.SequenceNumber")
                item = deserialize_image(new_image_of(record))
                keys = _keys_in(item, record)  # before the processor, which may change the item
                if processor is None:
                    processor = get_processor()
                processor(item, record)
            except Exception as error:
                _log_failure(record, sequence_number, error)
                failed = True
                if sequence_number is None:
                    # Partial-batch responses identify records by SequenceNumber only. Returning
                    # no failure would drop this record, so fail the batch: Lambda retries it all.
                    raise UnreportableFailureError(
                        f"record {record.get('eventID')!r} failed and has no SequenceNumber to "
                        "report; failing the whole batch so that Lambda retries it"
                    ) from error
                # Lambda retries from this record, so the ones after it wait for that retry:
                # order holds, and none of them is processed before it.
                failure, left_from = [{"itemIdentifier": sequence_number}], index
                break
            log.write(
                {
                    "level": "INFO",
                    "message": "insert processed",
                    "keys": keys,
                    "sequence_number": sequence_number,
                    "event_id": record.get("eventID"),
                }
            )
            processed += 1
            if time_left is not None:
                slowest_ms = max(slowest_ms, (perf_counter() - started) * 1000)
    except BaseException:
        failed, left_from = True, 0  # the invocation fails: Lambda retries the whole batch
        raise
    finally:
        log.write(
            _summary(
                {
                    "level": "INFO",
                    "message": "batch summary",
                    "received": _received(records),
                    "processed": processed,
                    "skipped": skipped,
                    "failed": int(failed),
                    "left_for_retry": len(records) - left_from,
                    "stopped_for_deadline": stopped,
                },
                batch_started if metrics else None,
                context,
            )
        )
    return {"batchItemFailures": failure}


def records_of(event: object) -> list[object]:
    """The event's Records list; none when the event has no such list."""
    records = event.get("Records") if isinstance(event, dict) else None
    return records if isinstance(records, list) else []


def is_insert(record: object) -> TypeGuard[dict[str, Any]]:
    """Whether ``record`` is an INSERT, the same test as the event source mapping's filter."""
    return isinstance(record, dict) and record.get("eventName") == "INSERT"


def sequence_number_of(record: dict[str, Any]) -> str | None:
    """The record's dynamodb.SequenceNumber, or None when it has none worth reporting."""
    dynamodb = record.get("dynamodb")
    number = dynamodb.get("SequenceNumber") if isinstance(dynamodb, dict) else None
    return number if isinstance(number, str) and number else None


def new_image_of(record: dict[str, Any]) -> dict[str, Any]:
    """The record's dynamodb.NewImage, still in DynamoDB JSON."""
    image: dict[str, Any] | None = record["dynamodb"].get("NewImage")
    if image is None:
        raise RecordError(MISSING_NEW_IMAGE)
    return image


def _keys_in(item: dict[str, Any], record: dict[str, Any]) -> dict[str, Any] | None:
    # The item holds its key attributes: reading them there spares decoding Keys again.
    names = record["dynamodb"].get("Keys")
    return {name: item.get(name) for name in names} if isinstance(names, dict) else None


def _log_failure(record: dict[str, Any], sequence_number: str | None, error: Exception) -> None:
    try:
        keys = deserialize_image(record["dynamodb"]["Keys"])
    except (KeyError, TypeError, ImageError):
        keys = None
    log.write(
        {
            "level": "ERROR",
            "message": "insert failed",
            "keys": keys,
            "sequence_number": sequence_number,
            "event_id": record.get("eventID"),
            "error": {"type": type(error).__name__, "message": str(error)},
        }
    )


def _log_deadline_stop(
    sequence_number: str, processed: int, left_for_retry: int, left_ms: float, margin_ms: float
) -> None:
    log.write(
        {
            "level": "WARNING",
            "message": "stopped for the deadline",
            "sequence_number": sequence_number,
            "processed": processed,
            "left_for_retry": left_for_retry,
            "time_left_ms": round(left_ms),
            "margin_ms": round(margin_ms),
        }
    )


def _summary(line: dict[str, object], started: float | None, context: object) -> dict[str, object]:
    """The batch summary line; given the batch's start, with its duration and EMF metrics."""
    if started is not None:
        line["duration_ms"] = round((perf_counter() - started) * 1000, 3)
        line.update(emf.embedded(line, emf.function_name(context)))
    return line


def _received(records: list[object]) -> dict[str, int]:
    """How many records of each eventName; anything else counts as OTHER."""
    counts: dict[object, int] = dict.fromkeys((*EVENT_NAMES, "OTHER"), 0)
    for record in records:
        try:
            counts[record.get("eventName") if isinstance(record, dict) else "OTHER"] += 1
        except (KeyError, TypeError):  # a name no stream sends, or not even a string
            counts["OTHER"] += 1
    return {str(name): count for name, count in counts.items() if count}


def _margin_setting() -> tuple[int | None, MarginError | None]:
    """DEADLINE_MARGIN_MS as milliseconds (None: unset), or the error that describes it."""
    raw = os.environ.get(MARGIN_VAR)
    text = (raw or "").strip()
    if not text:
        return None, None
    if text.isascii() and text.isdigit():
        return int(text), None
    return None, MarginError(
        f"{MARGIN_VAR}={raw!r} is not a whole number of milliseconds: set 0 or more (0 turns "
        f"the deadline stop off), or leave it unset for the slowest insert so far + "
        f"{HEADROOM_MS} ms"
    )


def _time_left(context: object) -> Callable[[], float] | None:
    """The context's clock of remaining milliseconds; None (no deadline) without one."""
    remaining: Callable[[], float] | None = getattr(context, "get_remaining_time_in_millis", None)
    return remaining
