"""Your function's code: the stream is process_inserts' job, each inserted order is on_order's."""

import json
from typing import Any

from insert_trigger import process_inserts


def on_order(item: dict[str, Any], record: dict[str, Any]) -> None:
    """Your work for one inserted order; here one line saying which order arrived."""
    line = {"message": "order received", "order": item["pk"], "event": record["eventName"]}
    print(json.dumps(line, default=str, sort_keys=True))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The entry point: only inserts reach on_order; a failed one is retried with those after it.

    metrics=True: the batch summary line carries the handler metrics (CloudWatch EMF).
    """
    return process_inserts(event, on_order, context, metrics=True)
