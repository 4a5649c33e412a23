"""Fault suite: inject each fault on LocalStack and count what became of every insert.

One stack (tests/e2e/faults/), applied once. Each phase writes its items in one transaction (one
batch: checked), waits until the mapping is done with them, and counts from the function's log
lines and the failure destination only: processed once, more than once, on the destination, lost.
Lost must be 0 in every row. The table goes to .local/fault-table.md and the end of the run.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from package_lambda import build

from support import FAULT_TABLE
from support.local_stack import (
    REPO,
    FailureDestination,
    LocalStack,
    applied,
    batch_sizes,
    consumer,
    covered_inserts,
    digest,
    failed,
    json_lines,
    log_events,
    processed,
    put_together,
    set_environment,
    stream_records,
    summaries,
    unique,
    wait_until,
    warm_up,
)

FAULTS = Path(__file__).parent / "faults"
PACKAGE = REPO / ".local" / "fault-package.zip"

# As in faults/main.tf: a 3 s timeout, 2 retries (3 tries per batch), a 1000 ms margin.
TRIES = 3
MARGIN_MS = "1000"
# Six items of 700 ms need 4.2 s: more than one 3 s invocation, less than two.
SLOW_ITEMS, SLOW_MS = 6, 700
FAIL_FIRST_K = 2  # the last try a batch gets succeeds
EXPANDED = ("1" + "0" * 100, "1234567895171680000000000000000000000000")
LEGEND = (
    "\nAn insert counts as processed and on the failure destination when its batch failed after "
    "it ran.\nLost: neither processed nor on the destination. Function errors: invocations that "
    "timed out or crashed.\n"
)
# A platform line or the runtime's report of an invocation that failed as a whole.
FUNCTION_ERROR = re.compile(r"Task timed out after|Runtime exited with error|^\[ERROR\]", re.M)
# The platform's last line of every invocation, whatever its outcome.
REPORT = re.compile(r"^REPORT RequestId:", re.M)


@dataclass
class Row:
    """What became of one fault's inserts."""

    fault: str
    written: int
    once: int
    more: int
    repeats: int  # runs beyond the first, over all inserts
    destination: int
    lost: int
    errors: int
    batch: int  # the most records one invocation or failure record held
    lines: list[dict[str, Any]] = field(repr=False)  # the phase's JSON log lines
    processed: Counter[str] = field(repr=False)


@dataclass
class Stack:
    """The applied fault stack and the clients the phases use."""

    localstack: LocalStack
    outputs: dict[str, Any]
    destination: FailureDestination

    def item(self, pk: str, **attributes: dict[str, Any]) -> dict[str, Any]:
        """An item in DynamoDB JSON with partition key pk."""
        return {"pk": {"S": pk}, **attributes}

    def run(self, fault: str, items: list[dict[str, Any]]) -> Row:
        """Write the items, wait until the mapping is done with them, and count."""
        logs, group = self.localstack.client("logs"), self.outputs["log_group_name"]
        keys = [item["pk"]["S"] for item in items]
        print(f"==> fault suite: {fault} ({len(items)} inserts)", flush=True)
        started, start_ms = time.monotonic(), int(time.time() * 1000)
        kept_before = len(self.destination.drain())
        put_together(self.localstack.client("dynamodb"), self.outputs["table_name"], items)

        def observe() -> Phase:
            events = log_events(logs, group, start_ms)
            failures = self.destination.drain()[kept_before:]
            stream = stream_records(
                self.localstack.client("dynamodbstreams"), self.outputs["stream_arn"]
            )
            return Phase(keys, events, failures, covered_inserts(failures, stream))

        def finished() -> Phase | None:
            phase = observe()
            return phase if phase.finished() else None

        phase = wait_until(
            f"the mapping to be done with the {fault} inserts {keys}",
            finished,
            seen=lambda: observe().describe(),
            timeout=90,
        )
        print(f"    done after {time.monotonic() - started:.0f} s", flush=True)
        done, covered = phase.processed, phase.covered
        return Row(
            fault=fault,
            written=len(keys),
            once=sum(1 for k in keys if done[k] == 1),
            more=sum(1 for k in keys if done[k] > 1),
            repeats=sum(done[k] - 1 for k in keys if done[k] > 1),
            destination=sum(1 for k in keys if covered[k]),
            lost=sum(1 for k in keys if not done[k] and not covered[k]),
            errors=sum(len(FUNCTION_ERROR.findall(event["message"])) for event in phase.events),
            batch=max(batch_sizes(phase.lines, phase.failures), default=0),
            lines=phase.lines,
            processed=done,
        )


@dataclass
class Phase:
    """What one phase's inserts have come to so far: log events, failure records, coverage."""

    keys: list[str]
    events: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    covered: Counter[str]
    lines: list[dict[str, Any]] = field(init=False)
    processed: Counter[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = json_lines(self.events)
        self.processed = processed(self.lines)

    def finished(self) -> bool:
        """Every insert is processed or kept, and the mapping will try none again.

        The last invocation returned with nothing failed or left for a retry, or the batch is on
        the failure destination and the log group holds a report of each try the record counts
        (the function's logs reach CloudWatch Logs apart from the record).
        """
        if set(self.keys) - set(self.processed) - set(self.covered):
            return False
        last = summaries(self.lines)[-1:]
        if last and last[0]["failed"] == 0 and last[0]["left_for_retry"] == 0:
            return True
        tries = sum(int(f["requestContext"]["approximateInvokeCount"]) for f in self.failures)
        reports = sum(len(REPORT.findall(event["message"])) for event in self.events)
        return bool(self.failures) and reports >= tries

    def describe(self) -> str:
        """The phase's state, for a timeout message."""
        reports = sum(len(REPORT.findall(event["message"])) for event in self.events)
        contexts = [f.get("requestContext") for f in self.failures]
        return (
            f"{reports} invocations reported; failure records' contexts {contexts}; covered by "
            f"them {dict(self.covered)}; {digest(self.lines)}"
        )


def table(rows: list[Row]) -> str:
    """The counts as one Markdown table."""
    columns = [
        "fault",
        "written",
        "processed once",
        "processed more than once (extra runs)",
        "on the failure destination",
        "lost",
        "function errors",
    ]
    cells = [
        [r.fault, r.written, r.once, f"{r.more} ({r.repeats})", r.destination, r.lost, r.errors]
        for r in rows
    ]
    return markdown_table(columns, cells) + LEGEND


def markdown_table(columns: list[str], rows: list[list[object]]) -> str:
    """A Markdown table: the first column left-aligned, the counts right-aligned."""
    rule: list[object] = ["---", *["---:"] * (len(columns) - 1)]
    lines: list[list[object]] = [[*columns], rule, *rows]
    return "".join(f"| {' | '.join(str(cell) for cell in line)} |\n" for line in lines)


def test_faults(localstack: LocalStack) -> None:
    package = build(REPO / "lambda" / "insert_trigger", (FAULTS / "processor", ""))
    with fault_stack(localstack, "faults", PACKAGE, package) as stack:
        rows = run_phases(stack)
    # Shown at the end of the run by tests/conftest.py, also when an xdist worker ran this.
    FAULT_TABLE.write_text(table(rows))
    check(rows)


@contextmanager
def fault_stack(
    localstack: LocalStack, name: str, package_path: Path, package: bytes, **tf_vars: object
) -> Iterator[Stack]:
    """Apply faults/ with this package (and any other inputs), hand over the Stack, destroy."""
    package_path.parent.mkdir(exist_ok=True)
    package_path.write_bytes(package)
    inputs = {
        "name": unique(name),
        "table_name": unique(f"{name}-table"),
        "package_path": str(package_path),
        **tf_vars,
    }
    began = time.monotonic()
    with applied(FAULTS, inputs, replan=False) as applied_stack:
        outputs = applied_stack.outputs["module"]
        destination = FailureDestination(
            localstack.client("sqs"),
            localstack.client("s3"),
            queue_url=outputs.get("failure_queue_url"),
            bucket=outputs.get("failure_bucket_name"),
        )
        print(f"==> fault suite ({name}): stack applied after {time.monotonic() - began:.0f} s")
        try:
            yield Stack(localstack, outputs, destination)
        finally:
            destination.drain()  # an S3 bucket must be empty for destroy
    print(f"==> fault suite ({name}): done after {time.monotonic() - began:.0f} s")


def run_phases(stack: Stack) -> list[Row]:
    """Each fault in turn; two of them change the function's environment first."""
    item, slow = stack.item, {"fault": {"S": "slow"}, "ms": {"N": str(SLOW_MS)}}
    warm_up(stack.localstack, stack.outputs["table_name"], [consumer(stack.outputs)])
    rows = [
        stack.run(
            f"processor fails the first {FAIL_FIRST_K} tries of an item",
            [
                item("first-1"),
                item("first-2", fault={"S": "fail_first"}, k={"N": str(FAIL_FIRST_K)}),
                item("first-3"),
            ],
        ),
        stack.run(
            "function process dies mid-batch",
            [
                item("crash-1"),
                item("crash-2"),
                item("crash-3", fault={"S": "crash"}),
                item("crash-4"),
            ],
        ),
        stack.run(
            "insert carries expanded numbers",
            [
                item("expanded-1", n={"N": EXPANDED[0]}),
                item("expanded-2", n={"N": EXPANDED[1]}, ns={"NS": list(EXPANDED)}),
                item("expanded-3"),
            ],
        ),
        stack.run(
            f"processor too slow for timeout, deadline stop ({MARGIN_MS} ms margin)",
            [item(f"deadline-{n}", **slow) for n in range(1, SLOW_ITEMS + 1)],
        ),
    ]
    lambda_, name = stack.localstack.client("lambda"), stack.outputs["function_name"]
    processor = {"INSERT_PROCESSOR": "fault_processor:process"}
    set_environment(lambda_, name, {**processor, "DEADLINE_MARGIN_MS": "0"})
    rows.append(
        stack.run(
            "processor too slow for timeout, no deadline stop (margin 0)",
            [item(f"nodeadline-{n}", **slow) for n in range(1, SLOW_ITEMS + 1)],
        )
    )
    set_environment(
        lambda_,
        name,
        {"INSERT_PROCESSOR": "no_such_module:process", "DEADLINE_MARGIN_MS": MARGIN_MS},
    )
    rows.append(
        stack.run(
            "INSERT_PROCESSOR names a missing module",
            [item(f"missing-{n}") for n in range(1, 4)],
        )
    )
    return rows


class Mismatches:
    """What each fault's row got where it should have got something else, gathered so that one
    failure names them all (both fault suites' checks)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def expect(self, row: Any, what: str, got: object, wanted: object) -> None:
        """Note a mismatch of row (anything with a `fault` name) unless got equals wanted."""
        if got != wanted:
            self.problems.append(f"{row.fault}: {what} is {got!r}, expected {wanted!r}")

    def assert_none(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def check(rows: list[Row]) -> None:
    """Lost is 0 everywhere, and each fault did what it should; all mismatches in one message."""
    first, crash, expanded, deadline, nodeadline, missing = rows
    mismatches = Mismatches()
    expect = mismatches.expect

    for row in rows:
        expect(row, "lost", row.lost, 0)
        # Written in one transaction, so one batch: some invocation or failure record held all.
        expect(row, "records in its largest batch", row.batch, row.written)
    for row in (first, expanded, deadline):
        expect(row, "processed once", row.once, row.written)
        expect(row, "on the failure destination", row.destination, 0)
    expect(first, "failed tries of first-2", failed(first.lines)["first-2"], FAIL_FIRST_K)
    expect(first, "function errors", first.errors, 0)
    expect(expanded, "function errors", expanded.errors, 0)

    # The two inserts before the crash ran again with the batch; the crashing one ran once.
    expect(crash, "function errors", crash.errors, 1)
    expect(
        crash,
        "times processed",
        dict(crash.processed),
        {"crash-1": 2, "crash-2": 2, "crash-3": 1, "crash-4": 1},
    )

    expect(deadline, "function errors", deadline.errors, 0)
    stops = [line for line in deadline.lines if line.get("message") == "stopped for the deadline"]
    expect(deadline, "invocations stopped for the deadline > 0", bool(stops), True)

    # Every try times out, each repeating the inserts before the timeout; the rest of the batch
    # ends on the failure destination.
    expect(nodeadline, "function errors", nodeadline.errors, TRIES)
    expect(nodeadline, "processed more than once > 0", nodeadline.more > 0, True)
    expect(nodeadline, "on the failure destination > 0", nodeadline.destination > 0, True)

    expect(missing, "processed", missing.once + missing.more, 0)
    expect(missing, "on the failure destination", missing.destination, missing.written)
    expect(missing, "failed tries of missing-1", failed(missing.lines)["missing-1"], TRIES)
    errors = [
        line["error"]["message"] for line in missing.lines if line.get("message") == "insert failed"
    ]
    expect(
        missing,
        "error lines naming INSERT_PROCESSOR",
        all("INSERT_PROCESSOR" in e for e in errors) and bool(errors),
        True,
    )
    mismatches.assert_none()
