"""Filtered vs unfiltered delivery on one LocalStack stream: `make bench` prints, never asserts.

Applies bench/filter (the module's insert-only mapping, and an unfiltered mapping on the same
stream whose handler skips non-INSERTs in code), writes one mixed workload, and reports how many
invocations and records each function received.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from local_stack import (
    AWS_ENV,
    AWS_ENV_CLEARED,
    LocalStack,
    applied,
    delivered,
    put,
    wait_for_mapping,
    wait_processed,
)

STACK = Path(__file__).resolve().parent / "filter"
ROUNDS = 100  # each round: insert an item, update it, delete it -> 300 writes, a third inserts


def workload(dynamodb: Any, table: str, run: str) -> Counter[str]:
    """Insert, update and delete ROUNDS items, interleaved; count writes by kind."""
    for n in range(ROUNDS):
        key = {"pk": {"S": f"{run}-{n:03d}"}}
        put(dynamodb, table, {**key, "status": {"S": "NEW"}, "total": {"N": str(n + 1)}})
        dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #s = :paid",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":paid": {"S": "PAID"}},
        )
        dynamodb.delete_item(TableName=table, Key=key)
    return Counter({"INSERT": ROUNDS, "MODIFY": ROUNDS, "REMOVE": ROUNDS})


def main() -> int:
    """Apply the bench stack, run the workload, print the table, destroy."""
    for name in AWS_ENV_CLEARED:
        os.environ.pop(name, None)
    os.environ.update(AWS_ENV)
    localstack = LocalStack()
    dynamodb, logs, lambda_ = (localstack.client(s) for s in ("dynamodb", "logs", "lambda"))
    print("==> applying bench/filter to LocalStack (about 40 s)", flush=True)
    with applied(STACK, {}) as stack:
        out = stack.outputs
        table, functions = (
            out["table_name"],
            {"filtered": out["filtered"], "unfiltered": out["unfiltered"]},
        )
        run = uuid.uuid4().hex[:6]
        for f in functions.values():
            wait_for_mapping(lambda_, f["mapping_uuid"])
        put(dynamodb, table, {"pk": {"S": f"{run}-warm-up"}})
        for f in functions.values():
            wait_processed(logs, f["log_group"], f"{run}-warm-up")
        before = {k: len(delivered(f["function_name"])) for k, f in functions.items()}

        print(f"==> writing {3 * ROUNDS} items: {ROUNDS} inserts, updates, deletes", flush=True)
        started = time.monotonic()
        writes = workload(dynamodb, table, run)
        put(dynamodb, table, {"pk": {"S": f"{run}-last"}})
        writes["INSERT"] += 1
        for f in functions.values():
            wait_processed(logs, f["log_group"], f"{run}-last")
        elapsed = time.monotonic() - started

        rows = {}
        for kind, f in functions.items():
            records = delivered(f["function_name"])[before[kind] :]
            rows[kind] = (
                len({r["request_id"] for r in records}),
                Counter(r["eventName"] for r in records),
            )
    print()
    print(
        f"  workload: {writes['INSERT']} inserts, {writes['MODIFY']} updates, "
        f"{writes['REMOVE']} deletes ({elapsed:.0f} s until both handlers saw the last insert)"
    )
    print(
        f"  {'mapping':<12}{'invocations':>12}{'records':>9}{'INSERT':>8}{'MODIFY':>8}{'REMOVE':>8}"
    )
    for kind, (invocations, names) in rows.items():
        print(
            f"  {kind:<12}{invocations:>12}{names.total():>9}"
            f"{names['INSERT']:>8}{names['MODIFY']:>8}{names['REMOVE']:>8}"
        )
    (f_inv, f_names), (u_inv, u_names) = rows["filtered"], rows["unfiltered"]
    print(
        f"  unfiltered / filtered: records {u_names.total() / max(f_names.total(), 1):.2f}x, "
        f"invocations {u_inv / max(f_inv, 1):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
