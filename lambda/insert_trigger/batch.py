"""Walk a stream batch in order: skip what is not an INSERT, process the rest, stop at a failure
or when the invocation's time runs short; one summary line per batch."""

from __future__ import annotations

import contextlib
import os
from time import perf_counter

from insert_trigger import emf, log
from insert_trigger.image import ImageError, deserialize_image
from insert_trigger.source import EVENT_NAMES, UnreadableRecord, sequence_number_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Protocol, TypeGuard

    from insert_trigger.ledger import Ledger
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


class RecordError(ValueError):
    """An INSERT record that lacks a part processing needs."""


class UnreportableFailureError(RuntimeError):
    """A failed record without a SequenceNumber, so the whole batch has to fail instead."""


class MarginError(ValueError):
    """DEADLINE_MARGIN_MS is set to something other than a whole number of milliseconds."""


# One loop keeps the order, both stops and every count in one place: split up, the reader would
# have to follow the record through several functions to see where it can stop.
def process_batch(  # noqa: PLR0912, PLR0915
    records: list[object],
    get_processor: Callable[[], Processor],
    context: LambdaContext | object | None = None,
    get_ledger: Callable[[], Ledger] | None = None,
    *,
    metrics: bool = False,
) -> BatchResponse:
    """Process the INSERT records in order; the response names the first left for a retry.

    With ``get_ledger``, an insert the ledger has as done is not processed again. ``metrics``
    makes the summary line an EMF document too (see emf.py).
    """
    batch_started = perf_counter()
    processor: Processor | None = None
    ledger = _NoLedger() if get_ledger is None else _BatchLedger(get_ledger, records)
    processed = skipped = already = 0
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
                if not ledger.claim(item, record, index, sequence_number):
                    _log_already_processed(keys, sequence_number, record)
                    already += 1
                    continue
                if processor is None:
                    processor = get_processor()
                processor(item, record)
                ledger.mark_done()
            except Exception as error:
                ledger.release()
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
                    **ledger.summary(already),
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


def is_insert(record: object) -> TypeGuard[dict[str, Any]]:
    """Whether ``record`` is an INSERT, the same test as the event source mapping's filter; an
    unreadable Kinesis record counts as one, to fail where it stands instead of being skipped."""
    return isinstance(record, dict) and (
        record.get("eventName") == "INSERT" or isinstance(record, UnreadableRecord)
    )


def new_image_of(record: dict[str, Any]) -> dict[str, Any]:
    """The record's dynamodb.NewImage, still in DynamoDB JSON; for a Kinesis record whose data
    is no DynamoDB change, the error that says what it holds instead."""
    if isinstance(record, UnreadableRecord):
        raise record.error
    image: dict[str, Any] | None = record["dynamodb"].get("NewImage")
    if image is None:
        raise RecordError(MISSING_NEW_IMAGE)
    return image


def _keys_in(item: dict[str, Any], record: dict[str, Any]) -> dict[str, Any] | None:
    # The item holds its key attributes: reading them there spares decoding Keys again.
    names = record["dynamodb"].get("Keys")
    return {name: item.get(name) for name in names} if isinstance(names, dict) else None


class _NoLedger:
    """Without a ledger: every insert is processed, and the summary has no ledger count."""

    def claim(self, item: dict[str, Any], record: dict[str, Any], index: int, sn: str) -> bool:
        return True

    def mark_done(self) -> None:
        pass

    def release(self) -> None:
        pass

    def summary(self, already: int) -> dict[str, int]:
        return {}


class _BatchLedger(_NoLedger):
    """The ledger's part in one batch: read ahead, claim, mark done, release."""

    def __init__(self, get_ledger: Callable[[], Ledger], records: list[object]) -> None:
        self.get_ledger = get_ledger
        self.records = records
        self.ledger: Ledger | None = None
        self.claimed: str | None = None

    def claim(self, item: dict[str, Any], record: dict[str, Any], index: int, sn: str) -> bool:
        """Claim the insert; False when the ledger has it as processed already."""
        self.claimed = None
        if self.ledger is None:
            self.ledger = self.get_ledger()
        key = self.ledger.key_of(item, record)
        if not self.ledger.has_read(key):
            self.ledger.read_ahead(self._keys_from(index))
        if self.ledger.is_known_done(key) or not self.ledger.claim(key, sn):
            return False
        self.claimed = key
        return True

    def mark_done(self) -> None:
        if self.ledger is not None and self.claimed is not None:
            self.ledger.mark_done(self.claimed)
            self.claimed = None

    def release(self) -> None:
        if self.ledger is not None and self.claimed is not None:
            # The retry takes a claim left in place over: only the insert's own error matters.
            with contextlib.suppress(Exception):
                self.ledger.release(self.claimed)
            self.claimed = None

    def summary(self, already: int) -> dict[str, int]:
        return {"already_processed": already}

    def _keys_from(self, start: int) -> list[str]:
        """The ledger keys of the inserts from ``start`` on, as many as one read takes."""
        from insert_trigger.ledger import BATCH_GET_LIMIT  # noqa: PLC0415  (only with a ledger)

        assert self.ledger is not None  # noqa: S101  (claim opens it first)
        keys: list[str] = []
        for record in self.records[start:]:
            if len(keys) == BATCH_GET_LIMIT:
                break
            if not is_insert(record):
                continue
            try:
                by_attributes = self.ledger.key_attributes
                item = deserialize_image(new_image_of(record)) if by_attributes else {}
                keys.append(self.ledger.key_of(item, record))
            except Exception:  # noqa: S112  (that insert fails in its turn, in order)
                continue
        return keys


def _log_already_processed(
    keys: dict[str, Any] | None, sequence_number: str, record: dict[str, Any]
) -> None:
    log.write(
        {
            "level": "INFO",
            "message": "insert already processed",
            "keys": keys,
            "sequence_number": sequence_number,
            "event_id": record.get("eventID"),
        }
    )


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
