"""Walk a stream batch in order: skip what is not an INSERT, process the rest, stop at a failure."""

from __future__ import annotations

from insert_trigger import log
from insert_trigger.image import ImageError, deserialize_image

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeGuard

    from insert_trigger.processor import Processor

type BatchResponse = dict[str, list[dict[str, str]]]

MISSING_NEW_IMAGE = (
    "record has no dynamodb.NewImage: the stream view type must include the new image "
    "(NEW_IMAGE or NEW_AND_OLD_IMAGES)"
)


class RecordError(ValueError):
    """An INSERT record that lacks a part processing needs."""


class UnreportableFailureError(RuntimeError):
    """A failed record without a SequenceNumber, so the whole batch has to fail instead."""


def process_batch(
    records: Iterable[object], get_processor: Callable[[], Processor]
) -> BatchResponse:
    """Process the INSERT records in order; the response names the first that failed, if any."""
    processor: Processor | None = None
    processed = skipped = 0
    failure: list[dict[str, str]] = []
    for record in records:
        if not is_insert(record):
            skipped += 1
            continue
        sequence_number = sequence_number_of(record)
        try:
            if sequence_number is None:
                raise RecordError("record has no dynamodb.SequenceNumber")
            item = deserialize_image(new_image_of(record))
            keys = _keys_in(item, record)  # before the processor, which may change the item
            if processor is None:
                processor = get_processor()
            processor(item, record)
        except Exception as error:
            _log_failure(record, sequence_number, error)
            if sequence_number is None:
                # Partial-batch responses identify records by SequenceNumber only. Returning
                # no failure would drop this record, so fail the batch: Lambda retries it all.
                raise UnreportableFailureError(
                    f"record {record.get('eventID')!r} failed and has no SequenceNumber to "
                    "report; failing the whole batch so that Lambda retries it"
                ) from error
            # Lambda retries from this record, so the ones after it wait for that retry: each
            # item is processed once, and in stream order.
            failure = [{"itemIdentifier": sequence_number}]
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
    if log.debug_enabled():
        failed = failure[0]["itemIdentifier"] if failure else None
        log.write(
            {
                "level": "DEBUG",
                "message": "batch done",
                "processed": processed,
                "skipped": skipped,
                "failed": failed,
            }
        )
    return {"batchItemFailures": failure}


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
