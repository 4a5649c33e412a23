"""The entry points: lambda_handler for the module's own function, process_inserts for yours."""

from __future__ import annotations

from insert_trigger.batch import process_batch
from insert_trigger.processor import configured_processor
from insert_trigger.source import records_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from insert_trigger.batch import BatchResponse, LambdaContext
    from insert_trigger.processor import Processor


def process_inserts(
    event: dict[str, Any], processor: Processor, context: LambdaContext | None = None
) -> BatchResponse:
    """Hand each INSERT of a stream event to ``processor(item, record)``; return the response.

    The event comes from DynamoDB Streams or from Kinesis Data Streams for DynamoDB; a Kinesis
    record reaches ``processor`` decoded, as the DynamoDB change it holds plus a "kinesis" key
    with its sequenceNumber, partitionKey and approximateArrivalTimestamp.

    The response is the partial-batch response Lambda reads (the mapping needs
    ReportBatchItemFailures). With ``context``, the batch stops before the invocation's deadline.
    """
    return process_batch(records_of(event), lambda: processor, context)


def lambda_handler(event: dict[str, Any], context: LambdaContext | None) -> BatchResponse:
    """process_inserts with the processor INSERT_PROCESSOR names, imported on the first INSERT."""
    return process_batch(records_of(event), configured_processor, context)
