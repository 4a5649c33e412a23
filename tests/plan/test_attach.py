"""Attach mode (create_function = false): the mapping runs the caller's function, and the module
creates no function, role or log group of its own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.tfplan import (
    ATTACH_INPUTS,
    FAILURE_BUCKET,
    Plan,
    filters,
    policy_statements,
    refused,
    scenario,
)

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-handler"

ATTACH = scenario("attach", **ATTACH_INPUTS)
ATTACH_QUEUE = scenario("attach-queue", **ATTACH_INPUTS, failure_destination="sqs")
ATTACH_ALIAS_ARN = scenario(
    "attach-alias-arn", **ATTACH_INPUTS | {"function_name": f"{FUNCTION_ARN}:live"}
)
ATTACH_ALARMS = scenario("attach-alarms", **ATTACH_INPUTS, create_alarms=True)
CREATED = scenario("defaults")
# Explicit nulls, so that each error points at its argument in the module call.
ATTACH_MISSING = refused(
    "attach-missing", create_function=False, function_name=None, function_role_name=None
)


def test_attach_creates_the_mapping_its_policy_and_destination_only(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN a function of the caller's own WHEN planned THEN nothing of a function is created
    result = planned(ATTACH)

    assert result.addresses() == {
        "aws_dynamodb_table.this[0]",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        *FAILURE_BUCKET,
    }


def test_attach_with_a_failure_queue(planned: Callable[[str], Plan]) -> None:
    result = planned(ATTACH_QUEUE)

    assert result.addresses() == {
        "aws_dynamodb_table.this[0]",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        "aws_sqs_queue.failures[0]",
    }


def test_mapping_invokes_the_given_function_with_the_same_filter(
    planned: Callable[[str], Plan],
) -> None:
    mapping = planned(ATTACH).resource("aws_lambda_event_source_mapping.this")

    assert mapping["function_name"] == "orders-handler"
    assert [f["pattern"] for f in filters(mapping)] == ['{"eventName":["INSERT"]}']
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["metrics_config"] == [{"metrics": ["EventCount"]}]


def test_policy_on_the_callers_role_reads_the_stream_and_writes_failures(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN the caller's role WHEN planned THEN one policy of the module's own is added to it
    # (its statements, without logs, on known ARNs: test_iam.py)
    result = planned(ATTACH)

    policy = result.resource("aws_iam_role_policy.this")
    assert policy["role"] == "orders-handler-role"
    assert policy["name"] == "insert-trigger-orders-insert"


@pytest.mark.parametrize(
    ("scenario", "given", "redrive_target"),
    [
        (ATTACH, "orders-handler", "orders-handler"),
        (ATTACH_ALIAS_ARN, f"{FUNCTION_ARN}:live", f"{FUNCTION_ARN}:live"),
    ],
    ids=["name", "alias-arn"],
)
def test_outputs_name_the_callers_function(
    planned: Callable[[str], Plan], scenario: str, given: str, redrive_target: str
) -> None:
    result = planned(scenario)

    assert result.output("function_name") == "orders-handler"
    assert result.output("log_group_name") == "/aws/lambda/orders-handler"
    assert result.output("role_name") == "orders-handler-role"
    assert result.output("role_arn") is None
    assert result.output("redrive_command") == (
        f"insert-trigger-redrive --function-name {redrive_target}"
    )
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert mapping["function_name"] == given
    # The ARN comes from the mapping, once AWS has resolved the function.
    assert result.unknown("aws_lambda_event_source_mapping.this")["function_arn"] is True


def test_alarms_watch_the_callers_function(planned: Callable[[str], Plan]) -> None:
    result = planned(ATTACH_ALARMS)

    for kind in ("iterator_age", "errors"):
        alarm = result.resource(f"aws_cloudwatch_metric_alarm.{kind}[0]")
        assert alarm["dimensions"] == {"FunctionName": "orders-handler"}, kind
        assert alarm["alarm_name"] == f"orders-insert-{kind.replace('_', '-')}"
    assert (
        "orders-handler failed"
        in result.resource("aws_cloudwatch_metric_alarm.errors[0]")["alarm_description"]
    )


def test_created_function_keeps_its_role_and_log_statement(planned: Callable[[str], Plan]) -> None:
    # GIVEN the default (create_function = true) THEN the policy is on the module's own role
    result = planned(CREATED)

    policy = result.resource("aws_iam_role_policy.this")
    assert (policy["role"], policy["name"]) == ("orders-insert", "stream-logs-failures")
    assert "WriteOwnLogs" in policy_statements(result)


def test_attach_without_function_or_role_is_refused(refusals: dict[str, str]) -> None:
    message = refusals.get(ATTACH_MISSING, "")

    for missing in ("function_name", "function_role_name"):
        assert f"[{missing} = null]" in message, message
        assert f"{missing} is required with create_function = false" in message, message
