"""Fault suite with the idempotency ledger: the faults that repeat inserts without it, again.

A second stack (tests/e2e/faults/ with idempotency = true). "Effect" is counted from the fault
processor's own "effect" lines, one per insert it took effect for; "already processed" from the
handler's lines. Faults: a crash mid-batch, a timeout without the deadline stop (margin 0), and
the redrive of a failure record that holds inserts processed before their batch failed. The
table goes to .local/fault-table-idempotency.md and the end of the run.
"""

from __future__ import annotations

import io
import py_compile
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from e2e.test_faults import (
    FAULTS,
    MARGIN_MS,
    PACKAGE,
    SLOW_ITEMS,
    TRIES,
    Mismatches,
    Row,
    Stack,
    fault_stack,
    markdown_table,
)
from insert_trigger_redrive import redrive
from package_lambda import build

from support import IDEMPOTENT_FAULT_TABLE
from support.local_stack import (
    REPO,
    LocalStack,
    consumer,
    json_lines,
    log_events,
    set_environment,
    wait_until,
    warm_up,
)

# Lambda's Python runtime has boto3, which the ledger uses; this emulator's runtime has only the
# standard library and awslambdaric (emulator/README.md). The package brings the test
# environment's boto3 along, with botocore's data for DynamoDB only.
SDK_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "urllib3", "s3transfer", "six")


def with_sdk(package: bytes) -> bytes:
    """The package plus boto3 and what it imports, compiled, as Lambda's runtime has them."""
    site = Path(boto3.__file__).parent.parent
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a") as archive, tempfile.TemporaryDirectory() as scratch:
        for name in SDK_PACKAGES:
            root = site / name
            files = sorted(root.rglob("*")) if root.is_dir() else [site / f"{name}.py"]
            for path in files:
                inside = path.relative_to(site).as_posix()
                data_part = inside.startswith("botocore/data/") and inside.count("/") > 2
                if data_part and not inside.startswith("botocore/data/dynamodb/"):
                    continue
                if not path.is_file() or "__pycache__" in inside:
                    continue
                archive.write(path, inside)
                if path.suffix == ".py":
                    # Unchecked bytecode: unzipping does not keep the sources' times, and the
                    # emulator writes no bytecode, so a cold start would compile botocore anew.
                    compiled = Path(scratch) / "module.pyc"
                    py_compile.compile(
                        str(path),
                        str(compiled),
                        dfile=inside,
                        doraise=True,
                        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                    )
                    cached = f"{path.parent.relative_to(site).as_posix()}/__pycache__/"
                    tag = sys.implementation.cache_tag
                    archive.writestr(f"{cached}{path.stem}.{tag}.pyc", compiled.read_bytes())
    return buffer.getvalue()


# boto3's first import takes seconds on a busy emulator, and each crash or timeout starts a new
# process: an 8 s timeout leaves room for it, and six inserts of 2 s still outlive one try.
TIMEOUT_S, SLOW_MS = 8, 2000

LEGEND = (
    "\nEffect: the processor's own count of the inserts it took effect for. Already processed: "
    "deliveries the ledger answered without running the processor.\nLost: no effect and not on "
    "the failure destination. Function errors: invocations that timed out or crashed.\n"
)


@dataclass
class LedgerRow:
    """What became of one fault's inserts, by their effects."""

    fault: str
    written: int
    once: int
    repeated: int  # inserts whose effect happened more than once
    extra: int  # effects beyond the first, over all inserts
    already: int  # "insert already processed" lines
    destination: int
    lost: int
    errors: int
    effects: Counter[str]


def effects(lines: list[dict[str, Any]], keys: list[str]) -> Counter[str]:
    """How many times the processor took effect for each of keys."""
    counted = Counter(str(line["pk"]) for line in lines if line.get("message") == "effect")
    return Counter({key: counted[key] for key in keys if counted[key]})


def already_processed(lines: list[dict[str, Any]]) -> int:
    """How many deliveries the ledger answered as already processed."""
    return sum(1 for line in lines if line.get("message") == "insert already processed")


def ledger_row(row: Row, keys: list[str]) -> LedgerRow:
    """A row of the fault suite counted by effects; lost as the suite counts it (neither
    processed, which the processor's return means, nor on the failure destination)."""
    done = effects(row.lines, keys)
    return LedgerRow(
        fault=row.fault,
        written=row.written,
        once=sum(1 for k in keys if done[k] == 1),
        repeated=sum(1 for k in keys if done[k] > 1),
        extra=sum(done[k] - 1 for k in keys if done[k] > 1),
        already=already_processed(row.lines),
        destination=row.destination,
        lost=row.lost,
        errors=row.errors,
        effects=done,
    )


def phase(stack: Stack, fault: str, items: list[dict[str, Any]]) -> LedgerRow:
    """Run one phase of the fault suite and count it by effects."""
    return ledger_row(stack.run(fault, items), [i["pk"]["S"] for i in items])


def table(rows: list[LedgerRow]) -> str:
    """The counts as one Markdown table."""
    columns = [
        "fault (idempotency = true)",
        "written",
        "effect once",
        "effect repeated (extra)",
        "already processed",
        "on the failure destination",
        "lost",
        "function errors",
    ]
    cells: list[list[object]] = [
        [
            r.fault,
            r.written,
            r.once,
            f"{r.repeated} ({r.extra})",
            r.already,
            r.destination,
            r.lost,
            r.errors,
        ]
        for r in rows
    ]
    return markdown_table(columns, cells) + LEGEND


def test_faults_with_the_ledger(localstack: LocalStack) -> None:
    package = with_sdk(build(REPO / "lambda" / "insert_trigger", (FAULTS / "processor", "")))
    path = PACKAGE.with_name("fault-package-idempotent.zip")
    with fault_stack(
        localstack, "faults-once", path, package, idempotency=True, timeout=TIMEOUT_S
    ) as stack:
        rows = run_phases(stack)
    IDEMPOTENT_FAULT_TABLE.write_text(table(rows))
    check(rows)


def run_phases(stack: Stack) -> list[LedgerRow]:
    """The crash, the timeout without a deadline stop, and the redrive."""
    item, slow = stack.item, {"fault": {"S": "slow"}, "ms": {"N": str(SLOW_MS)}}
    warm_up(stack.localstack, stack.outputs["table_name"], [consumer(stack.outputs)])
    lambda_, name = stack.localstack.client("lambda"), stack.outputs["function_name"]
    rows = [
        phase(
            stack,
            "function process dies mid-batch",
            [
                item("crash-1"),
                item("crash-2"),
                item("crash-3", fault={"S": "crash"}),
                item("crash-4"),
            ],
        )
    ]
    change_environment(lambda_, name, DEADLINE_MARGIN_MS="0")
    rows.append(
        phase(
            stack,
            "processor too slow for timeout, no deadline stop (margin 0)",
            [item(f"nodeadline-{n}", **slow) for n in range(1, SLOW_ITEMS + 1)],
        )
    )
    change_environment(lambda_, name, DEADLINE_MARGIN_MS=MARGIN_MS)
    rows.append(redriven(stack, lambda_, name))
    return rows


def change_environment(lambda_: Any, name: str, **changes: str) -> None:
    """Change some of the function's variables, keeping the others (the ledger's among them)."""
    current = lambda_.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    set_environment(lambda_, name, {**current, **changes})


def redriven(stack: Stack, lambda_: Any, name: str) -> LedgerRow:
    """A batch that crashes on every try after two inserts took effect, then its redrive."""
    fault = "redrive of a failure record holding 2 processed inserts"
    keys = ["redrive-1", "redrive-2", "redrive-3", "redrive-4"]
    items = [stack.item(key) for key in keys]
    items[2] = stack.item(keys[2], fault={"S": "crash_until_fixed"})
    logs, group = stack.localstack.client("logs"), stack.outputs["log_group_name"]
    s3, bucket = stack.localstack.client("s3"), stack.outputs["failure_bucket_name"]
    print(f"==> fault suite with the ledger: {fault}", flush=True)
    start_ms = int(time.time() * 1000)
    answer = stack.localstack.client("dynamodb").batch_write_item(
        RequestItems={stack.outputs["table_name"]: [{"PutRequest": {"Item": i}} for i in items]}
    )
    assert not answer["UnprocessedItems"], answer["UnprocessedItems"]

    def failure_record() -> bool | None:
        listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        return True if listed else None

    # Every try crashes at redrive-3: the whole batch goes to the bucket after TRIES tries.
    wait_until(
        f"the failure record of the {keys} batch in {bucket}",
        failure_record,
        lambda: {"effects": dict(effects(json_lines(log_events(logs, group, start_ms)), keys))},
        timeout=90,
    )
    before = effects(json_lines(log_events(logs, group, start_ms)), keys)
    change_environment(lambda_, name, FAULTS_FIXED="1")
    summary = redrive(name, progress=io.StringIO())

    def all_took_effect() -> list[dict[str, Any]] | None:
        lines = json_lines(log_events(logs, group, start_ms))
        return lines if set(effects(lines, keys)) == set(keys) else None

    lines = wait_until(
        f"an effect line for each of {keys}",
        all_took_effect,
        lambda: {"effects": dict(effects(json_lines(log_events(logs, group, start_ms)), keys))},
        timeout=60,
    )
    events = log_events(logs, group, start_ms)
    done = effects(lines, keys)
    assert before == Counter({"redrive-1": 1, "redrive-2": 1}), f"before the redrive: {before}"
    assert (summary.records_redriven, summary.records_already_processed) == (4, 2), summary.report()
    return LedgerRow(
        fault=fault,
        written=len(keys),
        once=sum(1 for k in keys if done[k] == 1),
        repeated=sum(1 for k in keys if done[k] > 1),
        extra=sum(done[k] - 1 for k in keys if done[k] > 1),
        already=already_processed(lines),
        destination=len(keys),  # all of them, until the redrive
        lost=sum(1 for k in keys if not done[k]),
        errors=sum(
            event["message"].count("Runtime exited with error")
            + event["message"].count("Task timed out after")
            for event in events
        ),
        effects=done,
    )


def check(rows: list[LedgerRow]) -> None:
    """Lost is 0 everywhere, and no effect repeats but in the documented window."""
    crash, nodeadline, redrive_row = rows
    mismatches = Mismatches()
    expect = mismatches.expect

    for row in rows:
        expect(row, "lost", row.lost, 0)
    # The inserts before the crash are not repeated; the crashed one's claim is taken over.
    expect(crash, "function errors", crash.errors, 1)
    expect(crash, "effects", dict(crash.effects), dict.fromkeys(crash.effects, 1))
    expect(crash, "inserts with an effect", len(crash.effects), crash.written)
    expect(crash, "already processed", crash.already, 2)
    # Each timeout can repeat at most the one insert it cut between its effect and its done
    # mark (the documented window); every completed insert is answered from the ledger.
    expect(nodeadline, "function errors > 0", nodeadline.errors > 0, True)
    within_window = nodeadline.extra <= nodeadline.errors
    expect(nodeadline, "extra effects <= function errors", within_window, True)
    expect(nodeadline, "already processed > 0", nodeadline.already > 0, True)
    # The redrive repeats none of the two inserts processed before the batch failed.
    expect(redrive_row, "effects", dict(redrive_row.effects), dict.fromkeys(redrive_row.effects, 1))
    expect(redrive_row, "already processed (tries, redrive) >= 2", redrive_row.already >= 2, True)
    expect(redrive_row, "function errors", redrive_row.errors, TRIES)
    mismatches.assert_none()
