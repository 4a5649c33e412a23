"""Handler metrics in CloudWatch's embedded metric format (EMF): an ``_aws`` block on the summary.

CloudWatch Logs turns the block into metrics as the line arrives: no API call, no dependency.
"""

from __future__ import annotations

import os
from time import time

NAMESPACE = "InsertTrigger"
DIMENSION = "FunctionName"
ENV_VAR = "HANDLER_METRICS"

# One row per metric: the batch summary field it reads, its name in CloudWatch, its unit. A row
# whose field a summary does not carry (already_processed without the idempotency ledger) is
# left out of that line, so a count added to the summary becomes a metric by adding its row.
METRICS = (
    ("processed", "InsertsProcessed", "Count"),
    ("skipped", "RecordsSkipped", "Count"),
    ("failed", "InsertsFailed", "Count"),
    ("left_for_retry", "RecordsLeftForRetry", "Count"),
    ("already_processed", "AlreadyProcessed", "Count"),
    ("stopped_for_deadline", "DeadlineStops", "Count"),
    ("duration_ms", "BatchDuration", "Milliseconds"),
)


def embedded(summary: dict[str, object], function_name: str) -> dict[str, object]:
    """The members that make ``summary`` an EMF document: each metric's value, the dimension,
    and the ``_aws`` block naming them."""
    rows = [(field, name, unit) for field, name, unit in METRICS if field in summary]
    members: dict[str, object] = {name: _number(summary[field]) for field, name, _ in rows}
    members[DIMENSION] = function_name
    members["_aws"] = {
        "Timestamp": int(time() * 1000),
        "CloudWatchMetrics": [
            {
                "Namespace": NAMESPACE,
                "Dimensions": [[DIMENSION]],
                "Metrics": [{"Name": name, "Unit": unit} for _, name, unit in rows],
            }
        ],
    }
    return members


def setting() -> tuple[bool, str | None]:
    """Whether HANDLER_METRICS turns metrics on, and a warning when its value means neither."""
    raw = os.environ.get(ENV_VAR, "")
    value = raw.strip().lower()
    if value in ("", "false"):
        return False, None
    if value == "true":
        return True, None
    return False, f"{ENV_VAR}={raw!r} is neither true nor false: handler metrics stay off"


def function_name(context: object) -> str:
    """The function's name: from the context, else Lambda's environment, else "local"."""
    name = getattr(context, "function_name", None)
    if isinstance(name, str) and name:
        return name
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "local"


def _number(value: object) -> int | float:
    # Counts are ints, the duration a float; the deadline stop, a bool, counts 1 when it happened.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return int(bool(value))
    return value
