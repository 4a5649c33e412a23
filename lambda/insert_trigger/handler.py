"""The entry points: lambda_handler for the module's own function, process_inserts for yours."""

from __future__ import annotations

from insert_trigger import emf, log
from insert_trigger.batch import process_batch, records_of
from insert_trigger.processor import configured_processor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from insert_trigger.batch import BatchResponse, LambdaContext
    from insert_trigger.processor import Processor


def process_inserts(
    event: dict[str, Any],
    processor: Processor,
    context: LambdaContext | None = None,
    *,
    metrics: bool = False,
) -> BatchResponse:
    """Hand each INSERT of a stream event to ``processor(item, record)``; return the response.

    The response is the partial-batch response Lambda reads (the mapping needs
    ReportBatchItemFailures). With ``context``, the batch stops before the invocation's deadline;
    ``metrics=True`` adds the handler metrics (EMF) to the batch summary line.
    """
    return process_batch(records_of(event), lambda: processor, context, metrics=metrics)


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> BatchResponse:
    """process_inserts with the processor INSERT_PROCESSOR names, imported on the first INSERT,
    and handler metrics when HANDLER_METRICS is true."""
    metrics, warning = emf.setting()
    if warning is not None:
        log.write({"level": "WARNING", "message": "handler metrics off", "reason": warning})
    return process_batch(records_of(event), configured_processor, context, metrics=metrics)
