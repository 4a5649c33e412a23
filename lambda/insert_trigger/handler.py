"""The Lambda entry point: hand the stream batch's records to process_batch."""

from __future__ import annotations

from insert_trigger.batch import process_batch
from insert_trigger.processor import configured_processor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from insert_trigger.batch import BatchResponse


def lambda_handler(event: dict[str, Any], context: object) -> BatchResponse:
    """Process the batch's INSERT records; report the first failure for Lambda to retry from."""
    records = event.get("Records") if isinstance(event, dict) else None
    return process_batch(records or [], configured_processor)
