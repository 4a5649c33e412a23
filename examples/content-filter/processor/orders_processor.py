"""The example's own processor: accepts a new order, refuses one whose total is not positive."""

import json
from decimal import Decimal
from typing import Any


def process(item: dict[str, Any], record: dict[str, Any]) -> None:
    """Check one inserted order and report it; raising makes the handler retry the record."""
    total = item.get("total")
    if not isinstance(total, Decimal) or total <= 0:
        raise ValueError(f"order {item.get('pk')!r} has no positive total: {total!r}")
    line = {"message": "order accepted", "order": item["pk"], "total": str(total)}
    print(json.dumps(line, sort_keys=True))
