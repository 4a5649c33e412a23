"""Filtered vs unfiltered delivery on one LocalStack stream: `make bench` prints, never asserts.

Applies bench/filter (the module's insert-only mapping, and an unfiltered mapping on the same
stream whose handler skips non-INSERTs in code), writes one mixed workload, and reports how many
invocations and records each function received; once on the table's DynamoDB stream, once with
stream_source = "kinesis". The pinned LocalStack forwards no table change to Kinesis, so on that
source the workload's changes are published to the stream as DynamoDB would write them. The
figures also go to bench/charts/filter.json for bench/charts.py.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from emulator import lifecycle
from support.local_stack import (
    LocalStack,
    aim_at_localstack,
    applied,
    dynamodb_change,
    json_lines,
    log_events,
    publish_changes,
    put,
    received,
    summaries,
    wait_for_mapping,
    wait_processed,
)

STACK = Path(__file__).resolve().parent / "filter"
FIGURES = Path(__file__).resolve().parent / "charts" / "filter.json"
# (name, rounds, pause between writes in seconds). Each round inserts an item, updates it and
# deletes it: a third of the writes are inserts. A burst lands in few large batches; paced
# writes reach the pollers a few at a time, as on a table with steady traffic.
SCENARIOS = (("burst", 100, 0.0), ("paced", 10, 1.5))
FUNCTIONS = ("filtered", "unfiltered")
SOURCES = ("dynamodb", "kinesis")


class Writer:
    """Writes to the table (dynamodb source), or publishes the same changes to the Kinesis
    stream (kinesis source), a burst in one PutRecords call."""

    def __init__(self, localstack: LocalStack, out: dict[str, Any], source: str) -> None:
        self.dynamodb = localstack.client("dynamodb")
        self.kinesis = localstack.client("kinesis") if source == "kinesis" else None
        self.table, self.stream_arn = out["table_name"], out["stream_arn"]
        self.pending: list[dict[str, Any]] = []
        self.changes = 0  # numbers each published change (its eventID and timestamp)

    def write(self, event_name: str, pk: str, pause: float) -> None:
        """One INSERT, MODIFY (status PAID) or REMOVE of item `pk`, then `pause` seconds."""
        if self.kinesis is not None:
            image = None if event_name == "REMOVE" else {"status": {"S": "NEW"}}
            self.changes += 1
            self.pending.append(dynamodb_change(self.table, self.changes, event_name, pk, image))
            if pause:
                self.flush()
        elif event_name == "INSERT":
            put(self.dynamodb, self.table, {"pk": {"S": pk}, "status": {"S": "NEW"}})
        elif event_name == "MODIFY":
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": pk}},
                UpdateExpression="SET #s = :paid",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":paid": {"S": "PAID"}},
            )
        else:
            self.dynamodb.delete_item(TableName=self.table, Key={"pk": {"S": pk}})
        time.sleep(pause)

    def flush(self) -> None:
        """Publish what is pending (kinesis source)."""
        if self.kinesis is not None and self.pending:
            publish_changes(self.kinesis, self.stream_arn, self.pending)
            self.pending = []


def workload(writer: Writer, run: str, rounds: int, pause: float) -> Counter[str]:
    """Insert, update and delete `rounds` items, interleaved; count writes by kind."""
    for n in range(rounds):
        for event_name in ("INSERT", "MODIFY", "REMOVE"):
            writer.write(event_name, f"{run}-{n:03d}", pause)
    return Counter({"INSERT": rounds, "MODIFY": rounds, "REMOVE": rounds})


def measure(
    localstack: LocalStack, out: dict[str, Any], writer: Writer, rounds: int, pause: float
) -> tuple[Counter[str], float, dict[str, tuple[int, Counter[str]]]]:
    """Run one workload; return writes, seconds, and (invocations, records) per function."""
    logs, run = localstack.client("logs"), uuid.uuid4().hex[:6]
    start_ms, started = int(time.time() * 1000), time.monotonic()
    writes = workload(writer, run, rounds, pause)
    writer.write("INSERT", f"{run}-last", 0)  # marks the end of the workload
    writer.flush()
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


def warm_up_both(localstack: LocalStack, out: dict[str, Any], writer: Writer) -> None:
    """Insert warm-up items until both functions processed one: a poller that is starting misses
    the writes made meanwhile (LATEST), so one write is not enough."""
    logs = localstack.client("logs")
    run = uuid.uuid4().hex[:6]
    for attempt in range(12):
        writer.write("INSERT", f"warm-up-{run}-{attempt}", 0)
        writer.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(
                any(
                    str(line["keys"]["pk"]).startswith(f"warm-up-{run}")
                    for line in json_lines(log_events(logs, out[kind]["log_group"]))
                    if line.get("message") == "insert processed"
                )
                for kind in FUNCTIONS
            ):
                return
            time.sleep(1)
    raise SystemExit("no warm-up insert reached both functions within two minutes")


def main() -> int:
    """Apply the bench stack for each source, run each scenario, print the tables, destroy."""
    localstack = LocalStack(aim_at_localstack())
    lifecycle.ensure(localstack.endpoint_url)
    results = []
    for source in SOURCES:
        print(
            f"==> applying bench/filter (stream_source = {source}) to LocalStack at "
            f"{localstack.endpoint_url} (about 40 s)",
            flush=True,
        )
        with applied(STACK, {"stream_source": source}) as stack:
            out = stack.outputs
            for kind in FUNCTIONS:
                wait_for_mapping(localstack.client("lambda"), out[kind]["mapping_uuid"])
            writer = Writer(localstack, out, source)
            warm_up_both(localstack, out, writer)
            for name, rounds, pause in SCENARIOS:
                print(f"==> {name}: writing {3 * rounds} items, {pause} s apart", flush=True)
                measured = measure(localstack, out, writer, rounds, pause)
                results.append((f"{source}, {name}", *measured))
    for name, writes, elapsed, rows in results:
        report(name, writes, elapsed, rows)
    figures = {
        name: {
            "writes": dict(writes),
            "seconds": elapsed,
            **{
                kind: {"invocations": invocations, "records": dict(names)}
                for kind, (invocations, names) in rows.items()
            },
        }
        for name, writes, elapsed, rows in results
    }
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"\n  figures written to {FIGURES.relative_to(STACK.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
