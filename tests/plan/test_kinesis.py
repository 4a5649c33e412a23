"""stream_source = "kinesis": the table streams its changes to a Kinesis data stream (the
module's or the caller's), and the mapping reads that stream with one pattern on data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from support.tfplan import ATTACH_INPUTS, FAILURE_BUCKET, PlanFn, filters, policy_statements

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders-changes"
STATUS_NEW = '{"status":{"S":["NEW"]}}'
KINESIS_READS = [
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
]
OWN_STREAM = {"aws_kinesis_stream.this[0]", "aws_dynamodb_kinesis_streaming_destination.this[0]"}


def test_own_stream_on_demand_encrypted_with_the_key_and_read_with_one_pattern_on_data(
    plan: PlanFn,
) -> None:
    # GIVEN the Kinesis source with a content filter, a key and the longest retention
    result = plan(
        stream_source="kinesis",
        new_image_pattern=STATUS_NEW,
        kms_key_arn=KEY,
        kinesis_retention_hours=8760,
    )

    # THEN the module adds an on-demand stream, encrypted with the key, and streams the table to
    # it with microsecond timestamps; the table itself has no DynamoDB stream
    assert result.addresses() == {
        "aws_cloudwatch_log_group.this[0]",
        "aws_dynamodb_table.this[0]",
        "aws_iam_role.this[0]",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        "aws_lambda_function.this[0]",
        *FAILURE_BUCKET,
        *OWN_STREAM,
    }
    stream = result.resource("aws_kinesis_stream.this[0]")
    assert (stream["name"], stream["retention_period"]) == ("orders-insert", 8760)
    assert (stream["encryption_type"], stream["kms_key_id"]) == ("KMS", KEY)
    assert stream["stream_mode_details"] == [{"stream_mode": "ON_DEMAND"}]
    destination = result.resource("aws_dynamodb_kinesis_streaming_destination.this[0]")
    assert destination["table_name"] == "orders"
    assert destination["approximate_creation_date_time_precision"] == "MICROSECOND"
    assert result.unknown("aws_dynamodb_kinesis_streaming_destination.this[0]")["stream_arn"]
    table = result.resource("aws_dynamodb_table.this[0]")
    assert (table["stream_enabled"], table.get("stream_view_type")) == (False, None)

    # AND the mapping's one filter is the INSERT pattern AND the content filter, under data
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    expected = '{"data":{"dynamodb":{"NewImage":{"status":{"S":["NEW"]}}},"eventName":["INSERT"]}}'
    assert [f["pattern"] for f in filters(mapping)] == [expected]
    assert result.output("filter_pattern") == expected
    assert json.loads(expected) == {
        "data": {"eventName": ["INSERT"], "dynamodb": {"NewImage": json.loads(STATUS_NEW)}}
    }
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]

    # AND the role reads that stream with the Kinesis actions, decrypts with the key, and has
    # no DynamoDB Streams grant left
    statements = policy_statements(result)
    assert statements["ReadStream"] == (KINESIS_READS, [None])
    assert statements["DecryptStream"] == (["kms:Decrypt"], [KEY])
    assert "ListTableStreams" not in statements
    assert not any(a.startswith("dynamodb:") for acts, _ in statements.values() for a in acts)


def test_own_stream_without_a_key_uses_the_aws_managed_key_and_alarms_apply(plan: PlanFn) -> None:
    result = plan(stream_source="kinesis", create_alarms=True)

    # the alarms read the function's and the mapping's metrics, whatever the source
    assert {a for a in result.addresses() if "alarm" in a} == {
        "aws_cloudwatch_metric_alarm.iterator_age[0]",
        "aws_cloudwatch_metric_alarm.errors[0]",
        'aws_cloudwatch_metric_alarm.mapping["failed_records"]',
        'aws_cloudwatch_metric_alarm.mapping["dropped_records"]',
    }

    stream = result.resource("aws_kinesis_stream.this[0]")
    assert (stream["encryption_type"], stream["kms_key_id"]) == ("KMS", "alias/aws/kinesis")
    assert stream["retention_period"] == 24
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert [f["pattern"] for f in filters(mapping)] == ['{"data":{"eventName":["INSERT"]}}']
    statements = policy_statements(result)
    assert set(statements) == {
        "ReadStream",
        "WriteOwnLogs",
        "ListFailureBucket",
        "SendFailedRecords",
    }


def test_your_stream_is_streamed_to_and_read_and_no_stream_is_created(plan: PlanFn) -> None:
    # GIVEN a stream of the caller's own, in attach mode with a failure queue
    result = plan(
        **ATTACH_INPUTS,
        stream_source="kinesis",
        kinesis_stream_arn=STREAM,
        failure_destination="sqs",
    )

    # THEN the module creates no stream, points the table and the mapping at the given one
    assert "aws_kinesis_stream.this[0]" not in result.addresses()
    destination = result.resource("aws_dynamodb_kinesis_streaming_destination.this[0]")
    assert destination["stream_arn"] == STREAM
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert mapping["event_source_arn"] == STREAM
    assert result.output("stream_arn") == STREAM

    # AND the policy on the caller's role reads exactly that stream
    statements = policy_statements(result)
    assert statements["ReadStream"] == (KINESIS_READS, [STREAM])
    assert set(statements) == {"ReadStream", "SendFailedRecords"}


# One plan each: Terraform skips the rules that read an input it refused, so each plan
# refuses one input, or inputs whose rules do not read one another.
# (scenario id, inputs, the texts the error must contain)
REFUSED: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "source",
        {"stream_source": "kafka"},
        ['stream_source must be dynamodb or kinesis (got "kafka")'],
    ),
    (
        "arn-not-a-stream-without-kinesis",
        {"kinesis_stream_arn": "arn:aws:sqs:us-east-1:123456789012:orders"},
        [
            "kinesis_stream_arn must be null or a Kinesis data stream ARN",
            'kinesis_stream_arn applies only with stream_source = "kinesis"',
        ],
    ),
    (
        "retention-high-without-kinesis",
        {"kinesis_retention_hours": 8761},
        [
            "kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got 8761)",
            "kinesis_retention_hours applies only to the Kinesis data stream the module creates",
        ],
    ),
    (
        "retention-low",
        {"stream_source": "kinesis", "kinesis_retention_hours": 23},
        ["kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got 23)"],
    ),
    (
        "retention-fraction-on-your-stream",
        {"stream_source": "kinesis", "kinesis_stream_arn": STREAM, "kinesis_retention_hours": 24.5},
        [
            "kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got 24.5)",
            "kinesis_retention_hours applies only to the Kinesis data stream the module creates",
        ],
    ),
]


@pytest.mark.parametrize(
    ("inputs", "expected"), [(i, e) for _, i, e in REFUSED], ids=[s for s, _, _ in REFUSED]
)
def test_bad_kinesis_input_is_refused_at_plan(
    plan_error: Callable[..., str], inputs: dict[str, Any], expected: list[str]
) -> None:
    message = plan_error(**inputs)

    missing = [text for text in expected if text not in message]
    assert not missing, f"not said: {missing}; Terraform said: {message}"
