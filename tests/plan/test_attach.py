"""Attach mode (create_function = false): the mapping runs the caller's function, and the module
creates no function, role or log group of its own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.tfplan import ATTACH_INPUTS, FAILURE_BUCKET, PlanFn, filters, policy_statements

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-handler"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders-handler-failures"
KEY = "arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab"
STREAM_READS = {
    "ReadStream": (
        ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        [None],
    ),
    "ListTableStreams": (["dynamodb:ListStreams"], [None]),
}


def test_attach_creates_the_mapping_its_policy_and_destination_only(plan: PlanFn) -> None:
    # GIVEN a function of the caller's own WHEN planned THEN nothing of a function is created
    result = plan(**ATTACH_INPUTS)

    assert result.addresses() == {
        "aws_dynamodb_table.this[0]",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        *FAILURE_BUCKET,
    }


def test_attach_with_a_failure_queue(plan: PlanFn) -> None:
    result = plan(**ATTACH_INPUTS, failure_destination="sqs")

    assert result.addresses() == {
        "aws_dynamodb_table.this[0]",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        "aws_sqs_queue.failures[0]",
    }


def test_mapping_invokes_the_given_function_with_the_same_filter(plan: PlanFn) -> None:
    mapping = plan(**ATTACH_INPUTS).resource("aws_lambda_event_source_mapping.this")

    assert mapping["function_name"] == "orders-handler"
    assert [f["pattern"] for f in filters(mapping)] == ['{"eventName":["INSERT"]}']
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["metrics_config"] == [{"metrics": ["EventCount"]}]


def test_policy_on_the_callers_role_reads_the_stream_and_writes_failures(plan: PlanFn) -> None:
    # GIVEN the caller's role WHEN planned THEN one policy of the module's own is added to it,
    # with no logs statement: the caller's role writes its function's logs already
    result = plan(**ATTACH_INPUTS)

    policy = result.resource("aws_iam_role_policy.this")
    assert policy["role"] == "orders-handler-role"
    assert policy["name"] == "insert-trigger-orders-insert"
    assert policy_statements(result) == STREAM_READS | {
        "ListFailureBucket": (["s3:ListBucket"], [None]),
        "SendFailedRecords": (["s3:PutObject"], [None]),
    }


def test_policy_on_the_callers_role_with_its_own_queue_and_a_key(plan: PlanFn) -> None:
    statements = policy_statements(plan(**ATTACH_INPUTS, on_failure_destination_arn=QUEUE))

    assert statements == STREAM_READS | {"SendFailedRecords": (["sqs:SendMessage"], [QUEUE])}

    with_key = plan(**ATTACH_INPUTS, failure_destination="sqs", kms_key_arn=KEY)
    statements = policy_statements(with_key)

    assert statements == STREAM_READS | {
        "SendFailedRecords": (["sqs:SendMessage"], [None]),
        "EncryptFailedRecords": (["kms:Decrypt", "kms:GenerateDataKey"], [KEY]),
    }


@pytest.mark.parametrize(
    ("given", "redrive_target"),
    [("orders-handler", "orders-handler"), (f"{FUNCTION_ARN}:live", f"{FUNCTION_ARN}:live")],
    ids=["name", "alias-arn"],
)
def test_outputs_name_the_callers_function(plan: PlanFn, given: str, redrive_target: str) -> None:
    result = plan(**ATTACH_INPUTS | {"function_name": given})

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


def test_alarms_watch_the_callers_function(plan: PlanFn) -> None:
    result = plan(**ATTACH_INPUTS, create_alarms=True)

    for kind in ("iterator_age", "errors"):
        alarm = result.resource(f"aws_cloudwatch_metric_alarm.{kind}[0]")
        assert alarm["dimensions"] == {"FunctionName": "orders-handler"}, kind
        assert alarm["alarm_name"] == f"orders-insert-{kind.replace('_', '-')}"
    assert (
        "orders-handler failed"
        in result.resource("aws_cloudwatch_metric_alarm.errors[0]")["alarm_description"]
    )


def test_created_function_keeps_its_role_and_log_statement(plan: PlanFn) -> None:
    # GIVEN the default (create_function = true) THEN the policy is on the module's own role
    result = plan()

    policy = result.resource("aws_iam_role_policy.this")
    assert (policy["role"], policy["name"]) == ("orders-insert", "stream-logs-failures")
    assert "WriteOwnLogs" in policy_statements(result)


def test_attach_without_function_or_role_is_refused(plan_error: Callable[..., str]) -> None:
    message = plan_error(create_function=False)

    for missing in ("function_name", "function_role_name"):
        assert f'variable "{missing}"' in message, message
        assert f"{missing} is required with create_function = false" in message, message
