"""The idempotency ledger: an insert processed once is not processed again on a later delivery.

DynamoDB is a small in-memory table here, holding the ledger's two conditions; the same calls
against DynamoDB itself are checked on LocalStack (tests/e2e/test_faults.py).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import types
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from insert_trigger import lambda_handler, process_inserts
from insert_trigger import ledger as ledger_module
from insert_trigger_tests.support import LAMBDA_DIR, inserts, lines_with, load_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TABLE = "orders-insert-ledger"


class Crash(BaseException):
    """Stands in for the invocation dying mid-batch (out of memory, a timeout): not an Exception."""


class FakeLedgerTable:
    """The ledger table's items, and the calls made to it; ``fail_on`` makes one call raise."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.fail_on: str | None = None

    def _call(self, name: str, table: str) -> None:
        assert table == TABLE, f"{name} on {table!r}, not the ledger {TABLE!r}"
        self.calls.append(name)
        if self.fail_on == name:
            raise ClientError({"Error": {"Code": "InternalServerError"}}, name)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        ((table, request),) = RequestItems.items()
        self._call("BatchGetItem", table)
        assert len(request["Keys"]) <= 100, "DynamoDB takes at most 100 keys per BatchGetItem"
        found = [
            self.items[key["id"]["S"]] for key in request["Keys"] if key["id"]["S"] in self.items
        ]
        return {"Responses": {table: [{"id": e["id"], "status": e["status"]} for e in found]}}

    def update_item(self, TableName: str, Key: dict[str, Any], **kwargs: Any) -> None:  # noqa: N803
        self._call("UpdateItem", TableName)
        key = Key["id"]["S"]
        values = kwargs["ExpressionAttributeValues"]
        entry = self.items.get(key)
        condition = kwargs.get("ConditionExpression")
        if condition == "attribute_not_exists(id) OR #s <> :done":
            if entry is not None and entry["status"] == values[":done"]:
                raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "x")
        else:
            assert condition is None, f"unexpected condition {condition!r}"
        entry = entry or {"id": {"S": key}, "attempts": {"N": "0"}}
        status = values.get(":claimed", values.get(":done"))
        entry |= {"status": status, "expires_at": values[":expires"]}
        if ":one" in values:
            entry["attempts"] = {"N": str(int(entry["attempts"]["N"]) + 1)}
        self.items[key] = entry

    def delete_item(self, TableName: str, Key: dict[str, Any], **kwargs: Any) -> None:  # noqa: N803
        self._call("DeleteItem", TableName)
        assert kwargs["ConditionExpression"] == "#s = :claimed"
        entry = self.items.get(Key["id"]["S"])
        if entry is None or entry["status"] != kwargs["ExpressionAttributeValues"][":claimed"]:
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "x")
        del self.items[Key["id"]["S"]]

    def status(self, key: str) -> str | None:
        """The entry's status for ``key``; None without an entry."""
        entry = self.items.get(key)
        return None if entry is None else str(entry["status"]["S"])


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLedgerTable]:
    """The ledger's boto3 client is this fake table; IDEMPOTENCY_TABLE names it."""
    fake = FakeLedgerTable()
    monkeypatch.setattr("insert_trigger.ledger.boto3.client", lambda service: fake)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    for name in ("IDEMPOTENCY_KEY_ATTRIBUTES", "IDEMPOTENCY_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    ledger_module._ledgers.clear()
    yield fake
    ledger_module._ledgers.clear()


class Effects:
    """A processor that records each effect; it raises at the inserts named in ``raise_at``."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.raise_at: dict[str, BaseException] = {}

    def __call__(self, item: dict[str, Any], record: dict[str, Any]) -> None:
        error = self.raise_at.get(record["eventID"])
        if error is not None:
            raise error
        self.done.append(record["eventID"])


def event_ids(event: dict[str, Any]) -> list[str]:
    """The eventID of each INSERT, in order."""
    return [record["eventID"] for record in inserts(event)]


def test_a_batch_delivered_again_is_not_processed_again(
    table: FakeLedgerTable, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch of four inserts processed once through the ledger
    event, effects = load_event("mixed_batch"), Effects()
    assert process_inserts(event, effects, idempotency_table=TABLE) == {"batchItemFailures": []}
    first = capsys.readouterr().out
    assert table.calls == ["BatchGetItem"] + ["UpdateItem", "UpdateItem"] * 4
    table.calls.clear()

    # WHEN Lambda delivers the same batch again
    response = process_inserts(event, effects, idempotency_table=TABLE)

    # THEN each insert had its effect once; the second delivery read the ledger once, wrote
    # nothing, and logged each insert as already processed, counted in the summary
    assert response == {"batchItemFailures": []}
    assert effects.done == event_ids(event)
    assert table.calls == ["BatchGetItem"]
    assert {table.status(key) for key in event_ids(event)} == {"done"}
    output = capsys.readouterr().out
    assert [line["event_id"] for line in lines_with(output, "insert already processed")] == (
        event_ids(event)
    )
    already = lines_with(output, "insert already processed")[0]
    assert already["keys"] == {"pk": "ORDER#2024-000123", "sk": "ITEM#0001"}
    assert already["sequence_number"] == inserts(event)[0]["dynamodb"]["SequenceNumber"]
    (summary,) = lines_with(output, "batch summary")
    assert (summary["processed"], summary["already_processed"], summary["skipped"]) == (0, 4, 2)
    assert lines_with(first, "batch summary")[0]["already_processed"] == 0


def test_a_processor_that_raises_releases_its_claim_and_the_retry_runs_it(
    table: FakeLedgerTable,
) -> None:
    # GIVEN a processor that refuses the third insert once
    event, effects = load_event("mixed_batch"), Effects()
    ids = event_ids(event)
    effects.raise_at[ids[2]] = RuntimeError("refused once")

    # WHEN the batch is processed, THEN the batch stops at the third, as without a ledger, and
    # the third has no entry left
    response = process_inserts(event, effects, idempotency_table=TABLE)
    third = inserts(event)[2]["dynamodb"]["SequenceNumber"]
    assert response == {"batchItemFailures": [{"itemIdentifier": third}]}
    assert [table.status(key) for key in ids] == ["done", "done", None, None]

    # WHEN Lambda retries the whole batch with the cause gone
    del effects.raise_at[ids[2]]
    assert process_inserts(event, effects, idempotency_table=TABLE) == {"batchItemFailures": []}

    # THEN every insert had its effect once, in stream order
    assert effects.done == ids


def test_a_claim_left_by_a_crashed_invocation_does_not_block_the_retry(
    table: FakeLedgerTable,
    capsys: pytest.CaptureFixture[str],
    lambda_handler_with: Callable[..., Any],
) -> None:
    # GIVEN an invocation that dies while processing the third insert, its claim left behind
    event, effects = load_event("mixed_batch"), Effects()
    ids = event_ids(event)
    effects.raise_at[ids[2]] = Crash()
    with pytest.raises(Crash):
        lambda_handler_with(effects, event)
    assert [table.status(key) for key in ids] == ["done", "done", "in_progress", None]

    # WHEN Lambda retries the batch at once (long before the dead invocation's deadline)
    del effects.raise_at[ids[2]]
    capsys.readouterr()
    response = lambda_handler_with(effects, event)

    # THEN the claim is taken over: the inserts done before the crash are not repeated, the
    # third and fourth are processed once each, and the third's entry counts two attempts
    assert response == {"batchItemFailures": []}
    assert effects.done == ids
    (summary,) = lines_with(capsys.readouterr().out, "batch summary")
    assert (summary["processed"], summary["already_processed"]) == (2, 2)
    assert table.items[ids[2]]["attempts"] == {"N": "2"}


def test_after_the_deadline_stop_the_resumed_batch_repeats_nothing(
    table: FakeLedgerTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an invocation with time for two inserts only (a 500 ms margin, 400 ms per insert)
    monkeypatch.setenv("DEADLINE_MARGIN_MS", "500")
    event, effects = load_event("mixed_batch"), Effects()
    ids = event_ids(event)
    remaining = iter([1000, 600, 200])

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return next(remaining)

    # WHEN the batch stops for the deadline, and Lambda then replays the whole batch (as after
    # a timeout, the worst case) with time enough
    first = process_inserts(event, effects, Context(), idempotency_table=TABLE)
    assert first == {
        "batchItemFailures": [{"itemIdentifier": inserts(event)[2]["dynamodb"]["SequenceNumber"]}]
    }
    assert effects.done == ids[:2]
    process_inserts(event, effects, idempotency_table=TABLE)

    # THEN each insert had its effect once, in order
    assert effects.done == ids


def test_a_crash_between_the_effect_and_the_done_mark_repeats_that_insert_only(
    table: FakeLedgerTable,
) -> None:
    # GIVEN a done mark that fails after the processor's effect (the documented window)
    event, effects = load_event("mixed_batch"), Effects()
    ids = event_ids(event)
    process_inserts({"Records": event["Records"][:1]}, effects, idempotency_table=TABLE)
    table.fail_on = "UpdateItem"
    original = table.update_item

    def fail_the_done_mark(TableName: str, Key: dict[str, Any], **kwargs: Any) -> None:  # noqa: N803
        table.fail_on = None if "ADD attempts" in kwargs["UpdateExpression"] else "UpdateItem"
        original(TableName, Key, **kwargs)

    table.update_item = fail_the_done_mark  # type: ignore[method-assign]
    failed = process_inserts(event, effects, idempotency_table=TABLE)
    assert failed["batchItemFailures"] == [
        {"itemIdentifier": inserts(event)[1]["dynamodb"]["SequenceNumber"]}
    ]

    # WHEN the batch is retried with the ledger healthy
    table.update_item = original  # type: ignore[method-assign]
    table.fail_on = None
    process_inserts(event, effects, idempotency_table=TABLE)

    # THEN that one insert's effect is repeated, and no other
    assert effects.done == [ids[0], ids[1], ids[1], ids[2], ids[3]]


def test_a_ledger_that_fails_fails_the_insert_before_its_effect(table: FakeLedgerTable) -> None:
    # GIVEN a ledger that cannot be read WHEN a batch comes THEN the first insert is reported
    # for a retry and no processor ran: nothing is dropped, nothing done unrecorded
    table.fail_on = "BatchGetItem"
    event, effects = load_event("mixed_batch"), Effects()

    response = process_inserts(event, effects, idempotency_table=TABLE)

    assert response == {
        "batchItemFailures": [{"itemIdentifier": inserts(event)[0]["dynamodb"]["SequenceNumber"]}]
    }
    assert effects.done == []


def replica_copy(event: dict[str, Any]) -> dict[str, Any]:
    """The same inserts as another replica's stream gives them: new eventIDs and numbers."""
    copied = copy.deepcopy(event)
    for n, record in enumerate(copied["Records"]):
        record["eventID"] = f"replica-{n}"
        record["awsRegion"] = "us-west-2"
        record["dynamodb"]["SequenceNumber"] = f"9{n:020d}"
    return copied


def test_a_key_of_item_attributes_recognises_an_insert_under_another_event_id(
    table: FakeLedgerTable,
) -> None:
    # GIVEN inserts processed with the ledger keyed by the item's key attributes
    event, effects = load_event("mixed_batch"), Effects()
    process_inserts(event, effects, idempotency_table=TABLE, idempotency_key=["pk", "sk"])

    # WHEN another replica's stream delivers the same inserts under other eventIDs
    again = replica_copy(event)
    process_inserts(again, effects, idempotency_table=TABLE, idempotency_key=["pk", "sk"])

    # THEN none is processed again; keyed by eventID (the default), all of them would be
    assert effects.done == event_ids(event)
    assert 'orders/["ORDER#2024-000123","ITEM#0001"]' in table.items
    process_inserts(again, effects, idempotency_table=TABLE)
    assert effects.done == event_ids(event) + event_ids(again)


def test_an_item_without_a_key_attribute_fails_with_the_attribute_named(
    table: FakeLedgerTable,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lambda_handler_with: Callable[..., Any],
) -> None:
    # GIVEN IDEMPOTENCY_KEY_ATTRIBUTES naming an attribute the items lack
    monkeypatch.setenv("IDEMPOTENCY_KEY_ATTRIBUTES", "pk, version")
    event, effects = load_event("mixed_batch"), Effects()

    # WHEN the module's handler runs THEN the first insert is left for a retry, its error naming
    # the attribute and the setting
    response = lambda_handler_with(effects, event)

    assert len(response["batchItemFailures"]) == 1
    (failure,) = lines_with(capsys.readouterr().out, "insert failed")
    assert failure["error"]["message"] == (
        "item has no attribute version of the ledger key (IDEMPOTENCY_KEY_ATTRIBUTES=pk,version)"
    )
    assert effects.done == []


def test_a_bad_retention_setting_fails_the_insert_naming_it(
    table: FakeLedgerTable,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lambda_handler_with: Callable[..., Any],
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_DAYS", "two weeks")

    response = lambda_handler_with(Effects(), load_event("mixed_batch"))

    assert len(response["batchItemFailures"]) == 1
    (failure,) = lines_with(capsys.readouterr().out, "insert failed")
    assert failure["error"]["message"].startswith(
        "IDEMPOTENCY_RETENTION_DAYS='two weeks' is not a whole number of days from 1"
    )


def test_entries_expire_after_the_retention(
    table: FakeLedgerTable, monkeypatch: pytest.MonkeyPatch, lambda_handler_with: Callable[..., Any]
) -> None:
    # GIVEN a retention of 20 days WHEN an insert is processed THEN its entry expires 20 days on
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_DAYS", "20")
    monkeypatch.setattr("insert_trigger.ledger.time.time", lambda: 1_000_000.5)
    event = load_event("mixed_batch")

    lambda_handler_with(Effects(), event)

    entry = table.items[event_ids(event)[0]]
    assert entry["expires_at"] == {"N": str(1_000_000 + 20 * 86400)}


def test_a_long_batch_reads_the_ledger_once_per_100_inserts(table: FakeLedgerTable) -> None:
    # GIVEN 250 inserts already processed once
    template = load_event("mixed_batch")["Records"][0]
    records = []
    for n in range(250):
        record = copy.deepcopy(template)
        record["eventID"] = f"insert-{n}"
        record["dynamodb"]["SequenceNumber"] = f"{n + 1:021d}"
        records.append(record)
    effects = Effects()
    process_inserts({"Records": records}, effects, idempotency_table=TABLE)
    table.calls.clear()

    # WHEN they are delivered again THEN three reads answer for all of them, and none repeats
    process_inserts({"Records": records}, effects, idempotency_table=TABLE)

    assert table.calls == ["BatchGetItem"] * 3
    assert len(effects.done) == 250


@pytest.fixture
def lambda_handler_with(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """lambda_handler, with INSERT_PROCESSOR naming a module whose process is the given one."""

    def run(processor: Effects, event: dict[str, Any]) -> Any:
        name = f"effects_{id(processor)}"
        module = types.ModuleType(name)
        module.process = processor  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.setenv("INSERT_PROCESSOR", f"{name}:process")
        return lambda_handler(event, None)

    return run


def test_without_a_ledger_the_handler_never_loads_boto3() -> None:
    # GIVEN no IDEMPOTENCY_TABLE WHEN a fresh interpreter handles a batch
    code = (
        "import json, sys, insert_trigger\n"
        "event = json.load(open(sys.argv[1]))\n"
        "insert_trigger.lambda_handler(event, None)\n"
        "loaded = (name for name in sys.modules if name.startswith(('boto', 'insert')))\n"
        "print('LOADED', *sorted(loaded))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDEMPOTENCY")}
    event_path = (
        LAMBDA_DIR.parent / "tests" / "insert_trigger_tests" / "events" / "mixed_batch.json"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(event_path)],
        env={**env, "PYTHONPATH": str(LAMBDA_DIR)},
        capture_output=True,
        text=True,
        check=True,
    )

    # THEN it processed the batch without boto3 or the ledger module
    loaded = result.stdout.splitlines()[-1].split()[1:]
    assert "insert_trigger.batch" in loaded
    assert [name for name in loaded if name.startswith("boto") or name.endswith("ledger")] == []
