"""The example's own processor: accepts a new order in a currency the shop takes."""

import json
import os
from decimal import Decimal
from typing import Any


def process(item: dict[str, Any], record: dict[str, Any]) -> None:
    """Check one inserted order and report it; raising makes the handler retry the record."""
    total = item.get("total")
    if not isinstance(total, Decimal) or total <= 0:
        raise ValueError(f"order {item.get('pk')!r} has no positive total: {total!r}")
    # Read per order, not at import: a configuration change reaches the next invocation.
    accepted = os.environ.get("ACCEPTED_CURRENCIES", "EUR").split(",")
    currency = item.get("currency", "EUR")
    if currency not in accepted:
        raise ValueError(f"order {item.get('pk')!r} is in {currency!r}; accepted: {accepted}")
    line = {"message": "order accepted", "order": item["pk"], "total": str(total)}
    print(json.dumps(line, sort_keys=True))
