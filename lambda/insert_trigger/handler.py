"""The entry points: lambda_handler for the module's own function, process_inserts for yours."""

from __future__ import annotations

import os

from insert_trigger import emf, log
from insert_trigger.batch import process_batch
from insert_trigger.processor import configured_processor
from insert_trigger.source import records_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from insert_trigger.batch import BatchResponse, LambdaContext
    from insert_trigger.ledger import Ledger
    from insert_trigger.processor import Processor

TABLE_VAR = "IDEMPOTENCY_TABLE"  # the ledger; its other settings are read in insert_trigger.ledger


def process_inserts(
    event: dict[str, Any],
    processor: Processor,
    context: LambdaContext | None = None,
    *,
    idempotency_table: str | None = None,
    idempotency_key: Sequence[str] = (),
    metrics: bool = False,
) -> BatchResponse:
    """Hand each INSERT of a stream event to ``processor(item, record)``; return the response.

    The event comes from DynamoDB Streams or from Kinesis Data Streams for DynamoDB; a Kinesis
    record reaches ``processor`` decoded, as the DynamoDB change it holds plus a "kinesis" key
    with its sequenceNumber, partitionKey and approximateArrivalTimestamp.

    The response is the partial-batch response Lambda reads (the mapping needs
    ReportBatchItemFailures). With ``context``, the batch stops before the invocation's deadline.
    With ``idempotency_table``, an insert that ledger has as processed is not processed again;
    it is keyed by eventID, or by the item's ``idempotency_key`` attributes. ``metrics=True``
    adds the handler metrics (EMF) to the batch summary line.
    """
    ledger = _ledger(idempotency_table, tuple(idempotency_key))
    return process_batch(records_of(event), lambda: processor, context, ledger, metrics=metrics)


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> BatchResponse:
    """process_inserts with the processor INSERT_PROCESSOR names, imported on the first INSERT,
    the ledger IDEMPOTENCY_TABLE names (keyed as IDEMPOTENCY_KEY_ATTRIBUTES says), and handler
    metrics when HANDLER_METRICS is true."""
    metrics, warning = emf.setting()
    if warning is not None:
        log.write({"level": "WARNING", "message": "handler metrics off", "reason": warning})
    ledger = _ledger(os.environ.get(TABLE_VAR, "").strip() or None, None)
    return process_batch(records_of(event), configured_processor, context, ledger, metrics=metrics)


def _ledger(
    table_name: str | None, key_attributes: tuple[str, ...] | None
) -> Callable[[], Ledger] | None:
    """What opens the ledger on the first INSERT; None without one, so boto3 stays unloaded."""
    if table_name is None:
        return None

    def open_ledger() -> Ledger:
        from insert_trigger import ledger  # noqa: PLC0415  (boto3, only with a ledger)

        attributes = key_attributes
        if attributes is None:
            attributes = ledger.configured_key_attributes()
        return ledger.ledger_for(table_name, attributes)

    return open_ledger
