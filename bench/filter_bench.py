"""Filtered vs unfiltered delivery on one LocalStack stream: `make bench` prints, never asserts.

Applies bench/filter (the module's insert-only mapping, and an unfiltered mapping on the same
stream whose handler skips non-INSERTs in code), writes one mixed workload, and reports how many
invocations and records each function received.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from emulator import lifecycle
from support.local_stack import (
    Consumer,
    LocalStack,
    aim_at_localstack,
    applied,
    json_lines,
    log_events,
    put,
    received,
    summaries,
    wait_processed,
    warm_up,
)

STACK = Path(__file__).resolve().parent / "filter"
# (name, rounds, pause between writes in seconds). Each round inserts an item, updates it and
# deletes it: a third of the writes are inserts. A burst lands in few large batches; paced
# writes reach the pollers a few at a time, as on a table with steady traffic.
SCENARIOS = (("burst", 100, 0.0), ("paced", 10, 1.5))
FUNCTIONS = ("filtered", "unfiltered")


def workload(dynamodb: Any, table: str, run: str, rounds: int, pause: float) -> Counter[str]:
    """Insert, update and delete `rounds` items, interleaved; count writes by kind."""
    for n in range(rounds):
        key = {"pk": {"S": f"{run}-{n:03d}"}}
        put(dynamodb, table, {**key, "status": {"S": "NEW"}, "total": {"N": str(n + 1)}})
        time.sleep(pause)
        dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #s = :paid",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":paid": {"S": "PAID"}},
        )
        time.sleep(pause)
        dynamodb.delete_item(TableName=table, Key=key)
        time.sleep(pause)
    return Counter({"INSERT": rounds, "MODIFY": rounds, "REMOVE": rounds})


def measure(
    localstack: LocalStack, out: dict[str, Any], rounds: int, pause: float
) -> tuple[Counter[str], float, dict[str, tuple[int, Counter[str]]]]:
    """Run one workload; return writes, seconds, and (invocations, records) per function."""
    dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
    table, run = out["table_name"], uuid.uuid4().hex[:6]
    start_ms, started = int(time.time() * 1000), time.monotonic()
    writes = workload(dynamodb, table, run, rounds, pause)
    put(dynamodb, table, {"pk": {"S": f"{run}-last"}})  # marks the end of the workload
    writes["INSERT"] += 1
    for kind in FUNCTIONS:
        wait_processed(logs, out[kind]["log_group"], f"{run}-last")
    elapsed = time.monotonic() - started
    rows = {}
    for kind in FUNCTIONS:
        # Counted from each handler's batch summary lines, one per invocation.
        since = json_lines(log_events(logs, out[kind]["log_group"], start_ms))
        rows[kind] = (len(summaries(since)), received(since))
    return writes, elapsed, rows


def report(name: str, writes: Counter[str], elapsed: float, rows: dict[str, Any]) -> None:
    """Print one scenario's table."""
    print(
        f"\n  {name}: {writes['INSERT']} inserts, {writes['MODIFY']} updates, "
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


def main() -> int:
    """Apply the bench stack, run each scenario, print the tables, destroy."""
    localstack = LocalStack(aim_at_localstack())
    lifecycle.ensure(localstack.endpoint_url)
    print(
        f"==> applying bench/filter to LocalStack at {localstack.endpoint_url} (about 40 s)",
        flush=True,
    )
    with applied(STACK, {}) as stack:
        out = stack.outputs
        consumers = [Consumer(out[k]["mapping_uuid"], out[k]["log_group"]) for k in FUNCTIONS]
        warm_up(localstack, out["table_name"], consumers)
        results = []
        for name, rounds, pause in SCENARIOS:
            print(f"==> {name}: writing {3 * rounds} items, {pause} s apart", flush=True)
            results.append((name, *measure(localstack, out, rounds, pause)))
    for name, writes, elapsed, rows in results:
        report(name, writes, elapsed, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
