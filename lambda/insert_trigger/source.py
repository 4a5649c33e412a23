"""Where a record came from: DynamoDB Streams as is, Kinesis Data Streams for DynamoDB decoded
into the same shape, anything else refused; the sequence number each one is reported by."""

from __future__ import annotations

from binascii import Error as Base64Error
from binascii import a2b_base64

from insert_trigger import log

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DYNAMODB = "aws:dynamodb"
KINESIS = "aws:kinesis"
EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")
# What a Kinesis record keeps besides the decoded change: its place in the stream, not its data.
KINESIS_FIELDS = ("sequenceNumber", "partitionKey", "approximateArrivalTimestamp")


class UnknownSourceError(ValueError):
    """A record from an event source the handler does not read: the whole batch fails."""


class ChangeDataError(ValueError):
    """Kinesis data that is not a DynamoDB change record."""


class UnreadableRecord(dict[str, object]):
    """A Kinesis record whose data is not a DynamoDB change; processing it raises ``error``."""

    def __init__(self, record: dict[str, Any], error: ChangeDataError) -> None:
        super().__init__(record)
        self.error = error


def records_of(event: object) -> list[object]:
    """The event's records in DynamoDB Streams' shape, Kinesis ones decoded; none without a list.

    A record without an eventSource is read as DynamoDB Streams', as process_inserts callers
    build them. Raises UnknownSourceError for any other eventSource.
    """
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        return []
    read: list[object] = []
    for record in records:
        source = record.get("eventSource", DYNAMODB) if isinstance(record, dict) else DYNAMODB
        if source == KINESIS:
            record = from_kinesis(record)  # noqa: PLW2901 - the decoded record replaces it
        elif source != DYNAMODB:
            raise UnknownSourceError(
                f"record {record.get('eventID')!r} has eventSource {source!r}: the handler reads "
                f"{DYNAMODB!r} (DynamoDB Streams) and {KINESIS!r} (Kinesis Data Streams for "
                "DynamoDB) only; failing the batch so that no record is passed over"
            )
        if not isinstance(record, UnreadableRecord) and not (
            isinstance(record, dict) and record.get("eventName") in EVENT_NAMES
        ):
            _log_unknown_kind(record)  # skipped, as DynamoDB Streams sends no such record, but seen
        read.append(record)
    return read


def from_kinesis(record: dict[str, Any]) -> dict[str, Any]:
    """The DynamoDB change in a Kinesis record's base64 JSON data, with the record's place in
    the stream under "kinesis" (no data) and its eventSourceARN, the Kinesis stream's."""
    kinesis = record.get("kinesis")
    kinesis = kinesis if isinstance(kinesis, dict) else {}
    place = {name: kinesis[name] for name in KINESIS_FIELDS if name in kinesis}
    try:
        change = _change_in(kinesis.get("data"))
    except ChangeDataError as error:
        return UnreadableRecord({**record, "kinesis": place}, error)
    return {**change, "kinesis": place, "eventSourceARN": record.get("eventSourceARN")}


def sequence_number_of(record: dict[str, Any]) -> str | None:
    """The number the partial-batch response reports: kinesis.sequenceNumber for a record read
    from Kinesis, else dynamodb.SequenceNumber; None when it has none worth reporting."""
    kinesis = record.get("kinesis")
    if isinstance(kinesis, dict):
        number = kinesis.get("sequenceNumber")
    else:
        dynamodb = record.get("dynamodb")
        number = dynamodb.get("SequenceNumber") if isinstance(dynamodb, dict) else None
    return number if isinstance(number, str) and number else None


def _change_in(data: object) -> dict[str, Any]:
    """The DynamoDB change record ``data`` holds, or ChangeDataError saying what it holds."""
    if not isinstance(data, str):
        raise ChangeDataError(f"kinesis.data is {_glimpse(data)}, not a base64 string")
    try:
        raw = a2b_base64(data, strict_mode=True)
    except Base64Error as error:
        raise ChangeDataError(f"kinesis.data is not base64 ({error}): {_glimpse(data)}") from None
    # json only here, where a Kinesis record needs it: a DynamoDB Streams batch never loads it.
    import json  # noqa: PLC0415

    try:
        change = json.loads(raw)
    except ValueError:
        raise ChangeDataError(
            f"kinesis.data is not JSON, so not a DynamoDB change: {_glimpse(raw)}"
        ) from None
    if not (
        isinstance(change, dict)
        and change.get("eventName") in EVENT_NAMES
        and isinstance(change.get("dynamodb"), dict)
    ):
        raise ChangeDataError(
            "kinesis.data is JSON but not a DynamoDB change (an eventName of "
            f"{', '.join(EVENT_NAMES)} and a dynamodb object): {_glimpse(change)}"
        )
    return change


def _glimpse(value: object) -> str:
    """``value`` as a short text for an error message: what arrived, cut at 200 characters."""
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:200]}... ({len(text)} characters)"


def _log_unknown_kind(record: object) -> None:
    fields = record if isinstance(record, dict) else {}
    log.write(
        {
            "level": "WARNING",
            "message": "record of no known kind",
            "event_name": _glimpse(fields["eventName"]) if "eventName" in fields else None,
            "event_id": fields.get("eventID"),
            "record": None if isinstance(record, dict) else _glimpse(record),
        }
    )
