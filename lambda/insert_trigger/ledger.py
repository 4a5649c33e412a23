"""The idempotency ledger: a DynamoDB table that remembers which inserts were processed.

Imported only when a ledger is configured (IDEMPOTENCY_TABLE, or ``idempotency_table``): it
needs boto3, which Lambda's Python runtime has, and the handler without a ledger does not.
"""

from __future__ import annotations

import json
import os
import time

import boto3
from botocore.exceptions import ClientError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

KEY_VAR = "IDEMPOTENCY_KEY_ATTRIBUTES"
RETENTION_VAR = "IDEMPOTENCY_RETENTION_DAYS"
# The module's default: failure_retention_days (14) plus the stream's 24 hours.
DEFAULT_RETENTION_DAYS = 15
CLAIMED, DONE = "in_progress", "done"
BATCH_GET_LIMIT = 100  # keys per BatchGetItem, DynamoDB's limit


class LedgerKeyError(ValueError):
    """The item lacks an attribute the ledger key is made of."""


class LedgerSettingError(ValueError):
    """IDEMPOTENCY_RETENTION_DAYS is not a whole number of days from 1."""


class Ledger:
    """One ledger table: entries keyed by ``id``, ``status`` claimed or done, TTL ``expires_at``.

    A claim never blocks: Lambda does not hand the same stream records to two invocations at
    once, so a claim found on an insert not yet done was left by an invocation that died, and is
    taken over. Only ``done`` means the processor returned.
    """

    def __init__(
        self,
        table_name: str,
        key_attributes: Sequence[str] = (),
        retention_days: int = DEFAULT_RETENTION_DAYS,
        client: Any = None,
    ) -> None:
        self.table_name = table_name
        self.key_attributes = tuple(key_attributes)
        self.retention_seconds = retention_days * 86400
        self.client = client if client is not None else boto3.client("dynamodb")
        self.calls = 0  # DynamoDB requests made, for the bench and the tests
        self._known: dict[str, bool] = {}  # key -> done, as read ahead, claimed or marked

    def key_of(self, item: dict[str, Any], record: dict[str, Any]) -> str:
        """The record's eventID, or the table's name and the chosen attributes of the item."""
        if not self.key_attributes:
            event_id = record.get("eventID")
            if not isinstance(event_id, str) or not event_id:
                raise LedgerKeyError("record has no eventID to key the ledger with")
            return event_id
        missing = [name for name in self.key_attributes if name not in item]
        if missing:
            raise LedgerKeyError(
                f"item has no attribute {', '.join(missing)} of the ledger key "
                f"({KEY_VAR}={','.join(self.key_attributes)})"
            )
        # The table's name, so that one ledger can serve several tables; the same name on
        # every replica of a global table.
        arn = str(record.get("eventSourceARN", ""))
        table = arn.split(":table/", 1)[-1].split("/stream/", 1)[0] if ":table/" in arn else ""
        values = [_plain(item[name]) for name in self.key_attributes]
        return f"{table}/{json.dumps(values, separators=(',', ':'), sort_keys=True)}"

    def read_ahead(self, keys: Sequence[str]) -> None:
        """Learn which of ``keys`` are done with one BatchGetItem per 100 keys."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self._known]
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            chunk = wanted[start : start + BATCH_GET_LIMIT]
            self.calls += 1
            response = self.client.batch_get_item(
                RequestItems={
                    self.table_name: {
                        "Keys": [{"id": {"S": key}} for key in chunk],
                        "ProjectionExpression": "id, #s",
                        "ExpressionAttributeNames": {"#s": "status"},
                    }
                }
            )
            # A key not found, or left in UnprocessedKeys, counts as not done: the claim's
            # condition has the last word, so the read only spares calls, never decides alone.
            self._known.update(dict.fromkeys(chunk, False))
            for entry in response.get("Responses", {}).get(self.table_name, []):
                self._known[entry["id"]["S"]] = entry.get("status", {}).get("S") == DONE

    def has_read(self, key: str) -> bool:
        """Whether ``key`` was read ahead (or claimed or marked) in this batch."""
        return key in self._known

    def is_known_done(self, key: str) -> bool:
        """Whether ``key`` is done, as far as this batch knows."""
        return self._known.get(key, False)

    def forget(self) -> None:
        """Drop what the last batch read: another invocation may have changed it since."""
        self._known.clear()

    def claim(self, key: str, sequence_number: str) -> bool:
        """Claim ``key`` before processing; False when it is done already."""
        self.calls += 1
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"id": {"S": key}},
                UpdateExpression="SET #s = :claimed, expires_at = :expires, "
                "sequence_number = :sequence ADD attempts :one",
                ConditionExpression="attribute_not_exists(id) OR #s <> :done",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":claimed": {"S": CLAIMED},
                    ":done": {"S": DONE},
                    ":expires": {"N": self._expiry()},
                    ":sequence": {"S": sequence_number},
                    ":one": {"N": "1"},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                self._known[key] = True
                return False
            raise
        return True

    def mark_done(self, key: str) -> None:
        """Mark ``key`` done once the processor returned."""
        self.calls += 1
        self.client.update_item(
            TableName=self.table_name,
            Key={"id": {"S": key}},
            UpdateExpression="SET #s = :done, expires_at = :expires",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":done": {"S": DONE}, ":expires": {"N": self._expiry()}},
        )
        self._known[key] = True

    def release(self, key: str) -> None:
        """Give the claim on ``key`` up after the processor raised, so the retry runs it."""
        self.calls += 1
        self.client.delete_item(
            TableName=self.table_name,
            Key={"id": {"S": key}},
            ConditionExpression="#s = :claimed",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":claimed": {"S": CLAIMED}},
        )

    def _expiry(self) -> str:
        return str(int(time.time()) + self.retention_seconds)


_ledgers: dict[tuple[str, tuple[str, ...], int], Ledger] = {}


def ledger_for(table_name: str, key_attributes: Sequence[str] = ()) -> Ledger:
    """The ledger for ``table_name``, its boto3 client made once per warm process."""
    retention = retention_days()
    settings = (table_name, tuple(key_attributes), retention)
    if settings not in _ledgers:
        _ledgers[settings] = Ledger(table_name, key_attributes, retention)
    ledger = _ledgers[settings]
    ledger.forget()
    return ledger


def configured_key_attributes() -> tuple[str, ...]:
    """IDEMPOTENCY_KEY_ATTRIBUTES, comma-separated attribute names; none keys by eventID."""
    raw = os.environ.get(KEY_VAR, "")
    return tuple(name.strip() for name in raw.split(",") if name.strip())


def retention_days() -> int:
    """IDEMPOTENCY_RETENTION_DAYS, or the default of 15 days."""
    raw = os.environ.get(RETENTION_VAR, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if raw.isascii() and raw.isdigit() and int(raw) >= 1:
        return int(raw)
    raise LedgerSettingError(
        f"{RETENTION_VAR}={raw!r} is not a whole number of days from 1: the ledger must keep "
        "an entry as long as its insert can come back (failure retention plus the stream's 24 h)"
    )


def _plain(value: object) -> object:
    """A key attribute's value as JSON can hold it: numbers by their digits, bytes as hex."""
    if isinstance(value, str | bool | int) or value is None:
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
