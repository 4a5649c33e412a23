"""Each example applied to LocalStack: INSERTs reach the handler once each, nothing else does."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from local_stack import (
    EXAMPLES,
    LocalStack,
    applied,
    delivered,
    failed,
    log_lines,
    processed,
    put,
    queue_messages,
    unique,
    wait_for_mapping,
    wait_processed,
)

FORBIDDEN_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:*")


def mixed_workload(dynamodb: Any, table: str, key: str) -> set[str]:
    """Insert five items, update two, delete one; return the inserted keys."""
    inserted = {f"order-{n}" for n in range(1, 6)}
    for pk in sorted(inserted):
        put(dynamodb, table, {key: {"S": pk}, "status": {"S": "NEW"}, "total": {"N": "10.50"}})
    for pk in ("order-1", "order-2"):
        dynamodb.update_item(
            TableName=table,
            Key={key: {"S": pk}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "PAID"}},
        )
    dynamodb.delete_item(TableName=table, Key={key: {"S": "order-3"}})
    return inserted


def run_insert_only_scenario(localstack: LocalStack, outputs: dict[str, Any], key: str) -> None:
    """Warm up, write a mixed workload, and check only the INSERTs were delivered and processed."""
    dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
    table, group = outputs["table_name"], outputs["log_group_name"]
    wait_for_mapping(localstack.client("lambda"), outputs["event_source_mapping_uuid"])
    # GIVEN a mapping whose poller is running (a first insert went all the way through)
    put(dynamodb, table, {key: {"S": "warm-up"}})
    wait_processed(logs, group, "warm-up", key)

    # WHEN items are inserted, modified and deleted, then a last item is inserted
    inserted = mixed_workload(dynamodb, table, key)
    put(dynamodb, table, {key: {"S": "last"}})
    lines = wait_processed(logs, group, "last", key)

    # THEN each inserted item was processed exactly once, and no MODIFY or REMOVE was delivered
    expected = Counter(dict.fromkeys(inserted | {"warm-up", "last"}, 1))
    assert processed(lines, key) == expected
    assert not failed(lines, key)
    names = Counter(r["eventName"] for r in delivered(outputs["function_name"]))
    assert names == Counter({"INSERT": len(expected)}), names
    assert not queue_messages(localstack.client("sqs"), outputs["failure_queue_url"], wait=1)


@pytest.mark.parametrize(
    ("example", "key"), [("complete", "pk"), ("existing-table", "customer_id")]
)
def test_insert_only_example(localstack: LocalStack, example: str, key: str) -> None:
    tf_vars = {"name": unique(example), "table_name": unique(f"{example}-table")}
    with applied(EXAMPLES / example, tf_vars) as stack:
        assert stack.second_plan_changes == []
        run_insert_only_scenario(localstack, stack.outputs, key=key)
        role_is_least_privilege(localstack, stack.outputs)
    nothing_left(localstack, stack.outputs)


def test_content_filter_example(localstack: LocalStack) -> None:
    tf_vars = {"name": unique("content"), "table_name": unique("new-orders")}
    with applied(EXAMPLES / "content-filter", tf_vars) as stack:
        assert stack.second_plan_changes == []
        outputs = stack.outputs
        dynamodb, logs, sqs = (localstack.client(s) for s in ("dynamodb", "logs", "sqs"))
        table, group = outputs["table_name"], outputs["log_group_name"]
        wait_for_mapping(localstack.client("lambda"), outputs["event_source_mapping_uuid"])
        order = {"status": {"S": "NEW"}, "total": {"N": "25"}}
        put(dynamodb, table, {"pk": {"S": "warm-up"}, **order})
        wait_processed(logs, group, "warm-up")

        # GIVEN new orders, drafts (not matching the content filter), changes and a deletion
        for pk in ("new-1", "new-2", "new-3"):
            put(dynamodb, table, {"pk": {"S": pk}, **order})
        for pk in ("draft-1", "draft-2"):
            put(dynamodb, table, {"pk": {"S": pk}, "status": {"S": "DRAFT"}, "total": {"N": "5"}})
        put(dynamodb, table, {"pk": {"S": "new-1"}, "status": {"S": "NEW"}, "total": {"N": "30"}})
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": "new-2"}})
        put(dynamodb, table, {"pk": {"S": "last"}, **order})
        lines = wait_processed(logs, group, "last")
        # WHEN a new order that the user's processor refuses comes last
        put(dynamodb, table, {"pk": {"S": "bad"}, "status": {"S": "NEW"}, "total": {"N": "-1"}})

        # THEN it is retried, then its batch lands on the failure queue; nothing else is touched
        messages = queue_messages(sqs, outputs["failure_queue_url"], wait=120)
        lines = log_lines(logs, group)
        assert processed(lines) == Counter(
            {"warm-up": 1, "new-1": 1, "new-2": 1, "new-3": 1, "last": 1}
        )
        assert failed(lines) == Counter({"bad": 3})  # first try and maximum_retry_attempts = 2
        failure = next(line for line in lines if line["message"] == "insert failed")
        assert len(messages) == 1
        batch = messages[0]["DDBStreamBatchInfo"]
        assert batch["startSequenceNumber"] == failure["sequence_number"]
        assert batch["batchSize"] == 1
        names = Counter(r["eventName"] for r in delivered(outputs["function_name"]))
        assert names == Counter({"INSERT": 5 + 3}), names  # 5 matching inserts, bad one thrice
    nothing_left(localstack, stack.outputs)


def role_is_least_privilege(localstack: LocalStack, outputs: dict[str, Any]) -> None:
    """The role's only policy reads this table's stream, writes its logs, sends failures."""
    iam = localstack.client("iam")
    role = outputs["role_name"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    table = localstack.client("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]
    statements = {s["Sid"]: s for s in document["Statement"]}

    def listed(value: str | list[str]) -> list[str]:
        return [value] if isinstance(value, str) else value

    assert listed(statements["ReadStream"]["Resource"]) == [table["LatestStreamArn"]]
    assert listed(statements["ListTableStreams"]["Resource"]) == [f"{table['TableArn']}/stream/*"]
    actions = [a for s in document["Statement"] for a in listed(s["Action"])]
    assert not any("*" in a for a in actions), actions
    assert not set(actions) & set(FORBIDDEN_ACTIONS)
    resources = [r for s in document["Statement"] for r in listed(s["Resource"])]
    assert "*" not in resources


def nothing_left(localstack: LocalStack, outputs: dict[str, Any]) -> None:
    """After destroy: no function, mapping, table, queue or role remains."""
    lambda_, dynamodb = localstack.client("lambda"), localstack.client("dynamodb")
    sqs, iam = localstack.client("sqs"), localstack.client("iam")
    names = lambda_.list_functions()["Functions"]
    assert outputs["function_name"] not in [f["FunctionName"] for f in names]
    mappings = lambda_.list_event_source_mappings()["EventSourceMappings"]
    assert outputs["event_source_mapping_uuid"] not in [m["UUID"] for m in mappings]
    assert outputs["table_name"] not in dynamodb.list_tables()["TableNames"]
    assert outputs["failure_queue_url"] not in sqs.list_queues().get("QueueUrls", [])
    assert outputs["role_name"] not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
