"""Existing-table mode refuses, at plan time, a table whose stream cannot give the inserted item."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support.local_stack import LocalStack, unique


@pytest.fixture
def table(localstack: LocalStack) -> Iterator[Callable[..., str]]:
    """Make tables with a chosen stream setting; delete them after the test."""
    dynamodb = localstack.client("dynamodb")
    made: list[str] = []

    def make(label: str, **stream: Any) -> str:
        name = unique(label)
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            **stream,
        )
        made.append(name)
        return name

    yield make
    for name in made:
        dynamodb.delete_table(TableName=name)


def test_keys_only_stream_fails_the_plan(
    table: Callable[..., str], plan_error: Callable[..., str]
) -> None:
    name = table(
        "keys-only", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )

    message = plan_error(create_table=False, table_name=name)

    assert f"Table {name} has its stream on with view type KEYS_ONLY" in message
    assert "NEW_IMAGE or NEW_AND_OLD_IMAGES" in message


def test_stream_off_fails_the_plan(
    table: Callable[..., str], plan_error: Callable[..., str]
) -> None:
    name = table("no-stream")

    message = plan_error(create_table=False, table_name=name)

    assert f"Table {name} has its stream off" in message
    assert "StreamEnabled=true,StreamViewType=NEW_IMAGE" in message
