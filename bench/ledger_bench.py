"""The idempotency ledger's cost on LocalStack: `make bench` prints, never asserts.

A batch of 100 inserts goes through process_inserts three ways: without a ledger, with a ledger
that has none of them (the first delivery), and again (a redelivery: all already processed).
The ledger is a table on LocalStack's DynamoDB, made as the module makes it; the handler runs in
this process, so the figures are the handler's own time per batch, which is what the ledger
adds to an invocation. Each way runs ROUNDS times; the median is shown.
"""

from __future__ import annotations

import copy
import io
import statistics
import sys
import time
import uuid
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from emulator import lifecycle
from support.local_stack import LocalStack, aim_at_localstack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda"))

from insert_trigger import ledger as ledger_module
from insert_trigger import process_inserts

BATCH, ROUNDS = 100, 5


def batch(run: str) -> dict[str, Any]:
    """BATCH stream records of INSERTs, each with its own eventID and key."""
    records = []
    for n in range(BATCH):
        records.append(
            {
                "eventID": f"{run}-{n:03d}",
                "eventName": "INSERT",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/x",
                "dynamodb": {
                    "Keys": {"pk": {"S": f"{run}-{n:03d}"}},
                    "NewImage": {"pk": {"S": f"{run}-{n:03d}"}, "total": {"N": str(n)}},
                    "SequenceNumber": f"{n + 1:021d}",
                },
            }
        )
    return {"Records": records}


def timed(event: dict[str, Any], table: str | None) -> float:
    """Milliseconds process_inserts takes for the event (its log lines discarded)."""
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        response = process_inserts(event, lambda item, record: None, idempotency_table=table)
    elapsed = (time.perf_counter() - started) * 1000
    assert response == {"batchItemFailures": []}, response
    return elapsed


def create_ledger(dynamodb: Any, name: str) -> None:
    """A ledger as the module creates it: on demand, keyed by id, TTL on expires_at."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )


def main() -> int:
    """Create a ledger table, time the three ways, print the table, delete the ledger."""
    localstack = LocalStack(aim_at_localstack())
    lifecycle.ensure(localstack.endpoint_url)
    dynamodb = localstack.client("dynamodb")
    name = f"bench-ledger-{uuid.uuid4().hex[:6]}"
    print(f"==> ledger bench: {BATCH} inserts per batch, {ROUNDS} rounds, table {name}")
    create_ledger(dynamodb, name)
    try:
        ledger_module._ledgers.clear()
        timed(batch("warm-up"), name)  # boto3's import and client, paid once per cold start
        without, first, again, calls_first, calls_again = [], [], [], [], []
        for round_ in range(ROUNDS):
            event = batch(f"{uuid.uuid4().hex[:6]}-{round_}")
            without.append(timed(copy.deepcopy(event), None))
            ledger = ledger_module.ledger_for(name)
            before = ledger.calls
            first.append(timed(event, name))
            calls_first.append(ledger.calls - before)
            before = ledger.calls
            again.append(timed(event, name))
            calls_again.append(ledger.calls - before)
    finally:
        dynamodb.delete_table(TableName=name)
    base = statistics.median(without)
    print(f"\n  {'batch of ' + str(BATCH) + ' inserts':<34}{'ms':>9}{'added ms':>10}{'calls':>7}")
    print(f"  {'idempotency = false':<34}{base:>9.1f}{'':>10}{0:>7}")
    for label, values, counts in (
        ("ledger, first delivery", first, calls_first),
        ("ledger, redelivery (all done)", again, calls_again),
    ):
        median = statistics.median(values)
        print(f"  {label:<34}{median:>9.1f}{median - base:>10.1f}{statistics.median(counts):>7.0f}")
    added, per_batch = statistics.median(first) - base, statistics.median(calls_first)
    print(
        f"  per insert, first delivery: {per_batch / BATCH:.2f} calls, {added / BATCH:.2f} ms "
        f"added ({added / per_batch:.1f} ms per call: this emulator's DynamoDB round trip)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
