"""The README's idempotent processor, run as it stands there: a second delivery changes nothing."""

from __future__ import annotations

import re
import types
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber
from insert_trigger import process_inserts
from insert_trigger_tests.support import LAMBDA_DIR, lines_with, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

CONDITION = "attribute_not_exists(event_id)"


def readme_snippet() -> str:
    """The first python block of the README's "Delivery guarantees" section."""
    readme = (LAMBDA_DIR.parent / "README.md").read_text()
    section = readme.split("\n## Delivery guarantees\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README: no python block under ## Delivery guarantees"
    return match.group(1)


@pytest.fixture
def snippet(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[types.ModuleType, Stubber]]:
    """The snippet as a module, its DynamoDB client stubbed: no AWS, no network."""
    for name, value in {
        "LEDGER_TABLE": "ledger",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    module = types.ModuleType("readme_processor")
    exec(compile(readme_snippet(), "README.md", "exec"), module.__dict__)  # noqa: S102
    with Stubber(module.ledger.meta.client) as stubber:
        yield module, stubber
        stubber.assert_no_pending_responses()


def order_insert(event_id: str) -> dict[str, Any]:
    """An insert of order ORDER#1 totalling 12.50, as the stream record ``event_id``."""
    record: dict[str, Any] = load_event("mixed_batch")["Records"][0]
    record["eventID"] = event_id
    record["dynamodb"]["Keys"] = {"pk": {"S": "ORDER#1"}}
    record["dynamodb"]["NewImage"] = {"pk": {"S": "ORDER#1"}, "total": {"N": "12.50"}}
    return record


def expect_put(stubber: Stubber, event_id: str, error: str | None = None) -> None:
    """Queue the answer to one conditional PutItem: success, or the given error code."""
    expected = {
        "TableName": "ledger",
        "Item": {"event_id": event_id, "order": "ORDER#1", "total": Decimal("12.50")},
        "ConditionExpression": CONDITION,
    }
    if error is None:
        stubber.add_response("put_item", {}, expected)
    else:
        stubber.add_client_error("put_item", error, expected_params=expected)


def test_a_redelivered_insert_is_written_once_and_succeeds_twice(
    snippet: tuple[types.ModuleType, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the README's processor, and a ledger that accepts the first conditional write of
    # an event id and refuses the second, as DynamoDB does
    module, stubber = snippet
    expect_put(stubber, "event-1")
    expect_put(stubber, "event-1", "ConditionalCheckFailedException")

    # WHEN the same insert is delivered twice (a retry after a crash), in two batches
    first = process_inserts({"Records": [order_insert("event-1")]}, module.process)
    second = process_inserts({"Records": [order_insert("event-1")]}, module.process)

    # THEN both succeed, and the ledger saw one write that took effect, keyed on the event id
    assert first == second == {"batchItemFailures": []}
    assert len(lines_with(capsys.readouterr().out, "insert processed")) == 2


def test_other_errors_still_fail_the_insert(
    snippet: tuple[types.ModuleType, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a ledger that is throttling
    module, stubber = snippet
    expect_put(stubber, "event-2", "ProvisionedThroughputExceededException")

    # WHEN the insert is processed, THEN it fails and is reported for a retry
    record = order_insert("event-2")
    response = process_inserts({"Records": [record]}, module.process)
    assert response == {
        "batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
    }
    [error] = lines_with(capsys.readouterr().out, "insert failed")
    assert error["error"]["type"] == "ProvisionedThroughputExceededException"
