"""examples/existing-function on LocalStack: the module attached to a function the user owns."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from support.emf_check import emf_problems
from support.local_stack import (
    EXAMPLES,
    REGION,
    LocalStack,
    applied,
    consumer,
    failure_records,
    log_events,
    log_lines,
    put,
    unique,
    wait_until,
    warm_up,
)

# What must not change on the user's function while the module is attached to it.
FUNCTION_SETTINGS = ("Role", "Handler", "Runtime", "CodeSha256", "Timeout", "MemorySize")


def received_orders(lines: list[dict[str, Any]]) -> Counter[str]:
    """How many times the user's code got each order, from its own "order received" lines."""
    return Counter(line["order"] for line in lines if line.get("message") == "order received")


def test_module_attached_to_the_users_function(localstack: LocalStack) -> None:
    name = unique("attach")
    tf_vars = {
        "name": name,
        "table_name": unique("attach-orders"),
        "failure_bucket_force_destroy": True,
        "deletion_protection_enabled": False,
    }
    lambda_, iam = localstack.client("lambda"), localstack.client("iam")
    with applied(EXAMPLES / "existing-function", tf_vars) as stack:
        assert stack.second_plan_changes == []
        outputs = stack.outputs
        assert outputs["function_name"] == name
        settings = lambda_.get_function_configuration(FunctionName=name)
        assert settings["Handler"] == "orders_handler.lambda_handler"
        assert outputs["function_arn"] == settings["FunctionArn"]
        role_holds_the_users_policy_and_the_modules(localstack, outputs)

        # GIVEN the user's function, attached by the module, with its poller running
        dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
        table, group = outputs["table_name"], outputs["log_group_name"]
        warm_ups = warm_up(localstack, table, [consumer(outputs)], arrived=received_orders)

        # WHEN orders are inserted, changed and deleted, then a last one is inserted
        inserted = ["order-1", "order-2", "order-3", "last"]
        for pk in inserted[:-1]:
            put(dynamodb, table, {"pk": {"S": pk}, "status": {"S": "NEW"}})
        for pk in ("order-1", "order-2"):
            put(dynamodb, table, {"pk": {"S": pk}, "status": {"S": "PAID"}})
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": "order-3"}})
        put(dynamodb, table, {"pk": {"S": "last"}})
        lines = wait_until(
            "the last order to reach the user's code",
            lambda: lines if received_orders(lines := log_lines(logs, group))["last"] else None,
            seen=lambda: f"orders received {dict(received_orders(log_lines(logs, group)))}",
        )

        # THEN the user's code got each insert once, and its function received nothing else
        got = received_orders(lines)
        warmed = Counter({pk: got.pop(pk) for pk in warm_ups if pk in got})
        assert set(warmed.values()) == {1}, warmed  # one at least, none twice
        assert got == Counter(dict.fromkeys(inserted, 1))
        assert {line["event"] for line in lines if line.get("message") == "order received"} == {
            "INSERT"
        }
        summaries = [line for line in lines if line.get("message") == "batch summary"]
        received = sum((Counter(s["received"]) for s in summaries), Counter[str]())
        assert set(received) == {"INSERT"}, summaries
        assert received["INSERT"] == sum(received_orders(lines).values()), summaries
        assert failure_records(localstack, outputs) == []
        # AND each summary of the user's function (process_inserts(..., metrics=True)) is valid
        # EMF counting what it processed, by the function's name
        summary_texts = [
            text
            for event in log_events(logs, group)
            for text in event["message"].splitlines()
            if '"message":"batch summary"' in text
        ]
        assert len(summary_texts) == len(summaries), summary_texts
        assert [emf_problems(text) for text in summary_texts] == [[]] * len(summary_texts)
        assert {s["FunctionName"] for s in summaries} == {name}
        assert sum(s["InsertsProcessed"] for s in summaries) == received["INSERT"], summaries
        dashboard_names_the_function_and_the_mapping(localstack, outputs)
        # AND the module changed nothing on the user's function
        now = lambda_.get_function_configuration(FunctionName=name)
        assert {k: now[k] for k in FUNCTION_SETTINGS} == {k: settings[k] for k in FUNCTION_SETTINGS}

    # The example owns the function and role, so its destroy removes them, after the module's parts.
    assert name not in [f["FunctionName"] for f in lambda_.list_functions()["Functions"]]
    assert name not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    mappings = lambda_.list_event_source_mappings()["EventSourceMappings"]
    assert outputs["event_source_mapping_uuid"] not in [m["UUID"] for m in mappings]


def role_holds_the_users_policy_and_the_modules(
    localstack: LocalStack, outputs: dict[str, Any]
) -> None:
    """The user's role keeps its own policy; the module's, beside it, reads the stream only."""
    iam = localstack.client("iam")
    role = outputs["role_name"]
    module_policy = f"insert-trigger-{outputs['function_name']}"
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == [
        module_policy,
        "logs",
    ]
    document = iam.get_role_policy(RoleName=role, PolicyName=module_policy)["PolicyDocument"]
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert set(statements) == {"ReadStream", "ListTableStreams", "SendFailedRecords"}
    table = localstack.client("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]
    assert statements["ReadStream"]["Resource"] in (
        table["LatestStreamArn"],
        [table["LatestStreamArn"]],
    )
    assert statements["SendFailedRecords"]["Resource"] in (
        outputs["failure_destination_arn"],
        [outputs["failure_destination_arn"]],
    )


def dashboard_names_the_function_and_the_mapping(
    localstack: LocalStack, outputs: dict[str, Any]
) -> None:
    """The dashboard LocalStack stored has every placeholder filled: region, function, mapping."""
    cloudwatch = localstack.client("cloudwatch")
    name = outputs["dashboard_name"]
    assert name == outputs["function_name"]
    assert outputs["dashboard_url"].endswith(f"region={REGION}#dashboards/dashboard/{name}")
    stored = cloudwatch.get_dashboard(DashboardName=name)
    assert "${" not in stored["DashboardBody"], stored["DashboardBody"]
    widgets = json.loads(stored["DashboardBody"])["widgets"]
    rows = [
        row
        for widget in widgets
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
        if isinstance(row[0], str)
    ]
    dimensions = {(row[2], row[3]) for row in rows}
    assert dimensions == {
        ("FunctionName", outputs["function_name"]),
        ("EventSourceMappingUUID", outputs["event_source_mapping_uuid"]),
    }, dimensions
    assert {w["properties"]["region"] for w in widgets if w["type"] == "metric"} == {REGION}
    assert "InsertTrigger" in {row[0] for row in rows}  # handler_metrics = true in the example
