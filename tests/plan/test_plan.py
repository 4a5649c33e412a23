"""Plan checks: what the module creates, read as values from Terraform's JSON plan (no backend)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from tfplan import REPO, PlanFn

INSERT_ONLY = '{"eventName":["INSERT"]}'
STATUS_NEW = '{"status":{"S":["NEW"]}}'
TOPIC = "arn:aws:sns:us-east-1:123456789012:order-failures"


def filters(mapping: dict[str, Any]) -> list[dict[str, Any]]:
    """The filters of a planned event source mapping."""
    (criteria,) = mapping["filter_criteria"]
    result: list[dict[str, Any]] = criteria["filter"]
    return result


def test_defaults_create_the_whole_stack(plan: PlanFn) -> None:
    # GIVEN only name and table_name WHEN planned THEN every part of the stack is created
    result = plan()

    assert result.addresses() == {
        "aws_cloudwatch_log_group.this",
        "aws_dynamodb_table.this[0]",
        "aws_iam_role.this",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        "aws_lambda_function.this",
        "aws_sqs_queue.failures[0]",
    }


def test_mapping_has_one_insert_only_filter(plan: PlanFn) -> None:
    result = plan()

    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert [f["pattern"] for f in filters(mapping)] == [INSERT_ONLY]
    assert result.output("filter_pattern") == INSERT_ONLY


def test_new_image_pattern_is_anded_into_the_same_filter(plan: PlanFn) -> None:
    # GIVEN a content filter WHEN planned THEN it joins the INSERT filter in ONE pattern
    result = plan(new_image_pattern=STATUS_NEW)

    mapping = result.resource("aws_lambda_event_source_mapping.this")
    expected = '{"dynamodb":{"NewImage":{"status":{"S":["NEW"]}}},"eventName":["INSERT"]}'
    assert [f["pattern"] for f in filters(mapping)] == [expected]
    assert result.output("filter_pattern") == expected
    assert json.loads(expected) == {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": json.loads(STATUS_NEW)},
    }


def test_mapping_settings(plan: PlanFn) -> None:
    mapping = plan().resource("aws_lambda_event_source_mapping.this")

    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["starting_position"] == "LATEST"
    assert mapping["maximum_retry_attempts"] == 5
    assert mapping["maximum_record_age_in_seconds"] == -1
    assert mapping["bisect_batch_on_function_error"] is True
    assert mapping["batch_size"] == 100
    assert mapping["parallelization_factor"] == 1
    assert mapping["enabled"] is True
    assert mapping["metrics_config"] == [{"metrics": ["EventCount"]}]


def test_provider_named_inputs_reach_the_mapping(plan: PlanFn) -> None:
    mapping = plan(
        batch_size=500,
        maximum_batching_window_in_seconds=10,
        starting_position="TRIM_HORIZON",
        maximum_retry_attempts=2,
        maximum_record_age_in_seconds=3600,
        bisect_batch_on_function_error=False,
        parallelization_factor=4,
        enabled=False,
        metrics=[],
    ).resource("aws_lambda_event_source_mapping.this")

    assert (
        mapping["batch_size"],
        mapping["maximum_batching_window_in_seconds"],
        mapping["starting_position"],
        mapping["maximum_retry_attempts"],
        mapping["maximum_record_age_in_seconds"],
        mapping["bisect_batch_on_function_error"],
        mapping["parallelization_factor"],
        mapping["enabled"],
        mapping["metrics_config"],
    ) == (500, 10, "TRIM_HORIZON", 2, 3600, False, 4, False, [])


def test_table_stream_carries_the_new_image(plan: PlanFn) -> None:
    table = plan().resource("aws_dynamodb_table.this[0]")

    assert table["stream_enabled"] is True
    assert table["stream_view_type"] == "NEW_IMAGE"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    assert table["hash_key"] == "pk"
    assert table["attribute"] == [{"name": "pk", "type": "S"}]


def test_range_key_and_old_images(plan: PlanFn) -> None:
    table = plan(
        table_hash_key="customer",
        table_range_key="order_id",
        table_range_key_type="N",
        stream_view_type="NEW_AND_OLD_IMAGES",
    ).resource("aws_dynamodb_table.this[0]")

    assert table["range_key"] == "order_id"
    assert sorted(table["attribute"], key=lambda a: a["name"]) == [
        {"name": "customer", "type": "S"},
        {"name": "order_id", "type": "N"},
    ]
    assert table["stream_view_type"] == "NEW_AND_OLD_IMAGES"


def test_function_runs_the_bundled_package(plan: PlanFn) -> None:
    function = plan().resource("aws_lambda_function.this")

    package = REPO / "lambda" / "insert_trigger.zip"
    digest = base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()
    assert function["handler"] == "insert_trigger.lambda_handler"
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["source_code_hash"] == digest
    assert function["filename"].endswith("lambda/insert_trigger.zip")
    assert function["logging_config"][0]["log_group"] == "/aws/lambda/orders-insert"


def test_function_inputs(plan: PlanFn) -> None:
    function = plan(
        memory_size=512,
        timeout=60,
        environment_variables={"INSERT_PROCESSOR": "orders.processor:handle"},
        reserved_concurrent_executions=5,
        tracing_mode="Active",
        architectures=["x86_64"],
    ).resource("aws_lambda_function.this")

    assert function["memory_size"] == 512
    assert function["timeout"] == 60
    assert function["environment"] == [
        {"variables": {"INSERT_PROCESSOR": "orders.processor:handle"}}
    ]
    assert function["reserved_concurrent_executions"] == 5
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert function["architectures"] == ["x86_64"]


def test_failure_queue_is_encrypted_and_keeps_records_14_days(plan: PlanFn) -> None:
    result = plan()

    queue = result.resource("aws_sqs_queue.failures[0]")
    assert queue["name"] == "orders-insert-failures"
    assert queue["sqs_managed_sse_enabled"] is True
    assert queue["message_retention_seconds"] == 1209600
    mapping = result.unknown("aws_lambda_event_source_mapping.this")
    assert mapping["destination_config"] == [{"on_failure": [{"destination_arn": True}]}]


def test_own_failure_destination_replaces_the_queue(plan: PlanFn) -> None:
    result = plan(on_failure_destination_arn=TOPIC)

    assert "aws_sqs_queue.failures[0]" not in result.addresses()
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert mapping["destination_config"] == [{"on_failure": [{"destination_arn": TOPIC}]}]
    assert result.output("failure_queue_arn") is None


def policy_statements(config: dict[str, Any]) -> dict[str, list[str]]:
    """Static statements of the role's policy document (sid -> actions), from the configuration."""
    (document,) = [
        r for r in config["resources"] if r["address"] == "data.aws_iam_policy_document.this"
    ]
    return {
        s["sid"]["constant_value"]: s["actions"].get("constant_value", [])
        for s in document["expressions"]["statement"]
    }


def test_role_allows_only_stream_reads_logs_and_failure_sends(plan: PlanFn) -> None:
    statements = policy_statements(plan().module_config())

    assert statements == {
        "ReadStream": [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
        ],
        "ListTableStreams": ["dynamodb:ListStreams"],
        "WriteOwnLogs": ["logs:CreateLogStream", "logs:PutLogEvents"],
        # Chosen per destination (sqs:SendMessage or sns:Publish); the e2e test reads it back.
        "SendFailedRecords": [],
    }
    actions = [a for acts in statements.values() for a in acts]
    assert not any("*" in a for a in actions)


def test_alarms_are_off_by_default_and_one_switch_turns_them_on(plan: PlanFn) -> None:
    assert not any("alarm" in a for a in plan().addresses())

    result = plan(create_alarms=True, alarm_actions=[TOPIC])

    lag = result.resource("aws_cloudwatch_metric_alarm.iterator_age[0]")
    errors = result.resource("aws_cloudwatch_metric_alarm.errors[0]")
    failed = result.resource("aws_cloudwatch_metric_alarm.failed_records[0]")
    assert (lag["metric_name"], lag["statistic"], lag["threshold"]) == (
        "IteratorAge",
        "Maximum",
        300000,
    )
    assert (errors["metric_name"], errors["threshold"]) == ("Errors", 0)
    assert failed["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert failed["dimensions"] == {"QueueName": "orders-insert-failures"}
    assert all(a["alarm_actions"] == [TOPIC] for a in (lag, errors, failed))


def test_no_queue_alarm_for_a_topic_destination(plan: PlanFn) -> None:
    result = plan(create_alarms=True, on_failure_destination_arn=TOPIC)

    alarms = {a for a in result.addresses() if a.startswith("aws_cloudwatch_metric_alarm")}
    assert alarms == {
        "aws_cloudwatch_metric_alarm.iterator_age[0]",
        "aws_cloudwatch_metric_alarm.errors[0]",
    }
