"""stream_source = "kinesis": the table streams its changes to a Kinesis data stream (the
module's or the caller's), and the mapping reads that stream with one pattern on data. The
role's grants, on known ARNs, are in test_iam.py (kinesis-own-stream-kms, kinesis-own-stream,
attach-kinesis-your-stream-queue, kinesis-own-stream-consumer). With kinesis_consumer the mapping
reads the stream through an enhanced fan-out consumer the module registers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from support.tfplan import (
    ATTACH_INPUTS,
    FAILURE_BUCKET,
    Plan,
    filters,
    refused_rows,
    scenario,
    unsaid,
)

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders-changes"
STATUS_NEW = '{"status":{"S":["NEW"]}}'
OWN_STREAM = {"aws_kinesis_stream.this[0]", "aws_dynamodb_kinesis_streaming_destination.this[0]"}

OWN_STREAM_KMS = scenario(
    "kinesis-own-stream-kms",
    stream_source="kinesis",
    new_image_pattern=STATUS_NEW,
    kms_key_arn=KEY,
    kinesis_retention_hours=8760,
)
OWN_STREAM_ALARMS = scenario("kinesis-own-stream", stream_source="kinesis", create_alarms=True)
YOUR_STREAM = scenario(
    "attach-kinesis-your-stream-queue",
    **ATTACH_INPUTS,
    stream_source="kinesis",
    kinesis_stream_arn=STREAM,
    failure_destination="sqs",
)
YOUR_STREAM_CONSUMER = scenario(
    "kinesis-your-stream-consumer",
    stream_source="kinesis",
    kinesis_stream_arn=STREAM,
    kinesis_consumer=True,
)


def test_own_stream_on_demand_encrypted_with_the_key_and_read_with_one_pattern_on_data(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN the Kinesis source with a content filter, a key and the longest retention
    result = planned(OWN_STREAM_KMS)

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
    assert json.loads(result.output("filter_pattern")) == {
        "data": {"eventName": ["INSERT"], "dynamodb": {"NewImage": json.loads(STATUS_NEW)}}
    }
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]

    # AND (test_iam.py, kinesis-own-stream-kms) the role reads that stream with the Kinesis
    # actions, decrypts with the key, and has no DynamoDB Streams grant left


def test_own_stream_without_a_key_uses_the_aws_managed_key_and_alarms_apply(
    planned: Callable[[str], Plan],
) -> None:
    result = planned(OWN_STREAM_ALARMS)

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
    # (the role's statements: the stream's reads, logs and the bucket only; test_iam.py,
    # kinesis-own-stream)


def test_your_stream_is_streamed_to_and_read_and_no_stream_is_created(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN a stream of the caller's own, in attach mode with a failure queue
    result = planned(YOUR_STREAM)

    # THEN the module creates no stream, points the table and the mapping at the given one
    assert "aws_kinesis_stream.this[0]" not in result.addresses()
    destination = result.resource("aws_dynamodb_kinesis_streaming_destination.this[0]")
    assert destination["stream_arn"] == STREAM
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert mapping["event_source_arn"] == STREAM
    assert result.output("stream_arn") == STREAM

    # AND the policy on the caller's role reads exactly that stream, and sends to the queue
    # (test_iam.py, attach-kinesis-your-stream-queue)


def test_kinesis_consumer_registers_a_consumer_the_mapping_reads_through(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN kinesis_consumer on the caller's stream
    result = planned(YOUR_STREAM_CONSUMER)

    # THEN the module registers one consumer on that stream, named as the function
    consumer = result.resource("aws_kinesis_stream_consumer.this[0]")
    assert (consumer["name"], consumer["stream_arn"]) == ("orders-insert", STREAM)
    assert result.unknown("aws_kinesis_stream_consumer.this[0]")["arn"]

    # AND the mapping's event source is the consumer's ARN (known at apply), not the stream's
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert "event_source_arn" not in mapping
    assert result.unknown("aws_lambda_event_source_mapping.this")["event_source_arn"]
    assert [f["pattern"] for f in filters(mapping)] == ['{"data":{"eventName":["INSERT"]}}']

    # AND the table still streams to the data stream, which stream_arn names; the consumer's ARN
    # is an output of its own
    destination = result.resource("aws_dynamodb_kinesis_streaming_destination.this[0]")
    assert destination["stream_arn"] == STREAM
    assert result.output("stream_arn") == STREAM
    assert result.output_unknown("kinesis_consumer_arn")
    # (the role subscribes through that consumer only: test_iam.py, kinesis-own-stream-consumer)


def test_without_kinesis_consumer_the_mapping_reads_the_stream_itself(
    planned: Callable[[str], Plan],
) -> None:
    for each in (YOUR_STREAM, OWN_STREAM_ALARMS):
        result = planned(each)
        assert "aws_kinesis_stream_consumer.this[0]" not in result.addresses(), each
        # a known null, not a value left for the apply
        assert "kinesis_consumer_arn" in result.outputs[each]["after"], each
        assert result.output("kinesis_consumer_arn") is None, each


# In a module call, Terraform leaves out the rules that read another input once a rule on an input
# alone has failed (seen with 1.11), so each row refuses one input, by one rule.
# (scenario id, inputs, the texts the error must contain)
REFUSED = refused_rows(
    [
        (
            "kinesis-source",
            {"stream_source": "kafka"},
            ['stream_source must be dynamodb or kinesis (got "kafka")'],
        ),
        (
            "kinesis-arn-not-a-stream",
            {"kinesis_stream_arn": "arn:aws:sqs:us-east-1:123456789012:orders"},
            ["kinesis_stream_arn must be null or a Kinesis data stream ARN"],
        ),
        (
            "kinesis-arn-without-kinesis",
            {"kinesis_stream_arn": STREAM},
            ['kinesis_stream_arn applies only with stream_source = "kinesis"'],
        ),
        (
            "kinesis-consumer-without-kinesis",
            {"stream_source": "dynamodb", "kinesis_consumer": True},
            [
                'kinesis_consumer applies only with stream_source = "kinesis" '
                '(stream_source is "dynamodb"): set stream_source = "kinesis"'
            ],
        ),
        (
            "kinesis-retention-high",
            {"kinesis_retention_hours": 8761},
            ["kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got 8761)"],
        ),
        (
            "kinesis-retention-without-kinesis",
            {"kinesis_retention_hours": 48},
            ["kinesis_retention_hours applies only to the Kinesis data stream the module creates"],
        ),
        (
            "kinesis-retention-low",
            {"stream_source": "kinesis", "kinesis_retention_hours": 23},
            ["kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got 23)"],
        ),
        (
            "kinesis-retention-fraction",
            {
                "stream_source": "kinesis",
                "kinesis_stream_arn": STREAM,
                "kinesis_retention_hours": 24.5,
            },
            ["kinesis_retention_hours must be a whole number of hours from 24 to 8760 (got 24.5)"],
        ),
        (
            "kinesis-retention-on-your-stream",
            {
                "stream_source": "kinesis",
                "kinesis_stream_arn": STREAM,
                "kinesis_retention_hours": 48,
            },
            ["kinesis_retention_hours applies only to the Kinesis data stream the module creates"],
        ),
    ]
)


@pytest.mark.parametrize("scenario", REFUSED)
def test_bad_kinesis_input_is_refused_at_plan(refusals: dict[str, str], scenario: str) -> None:
    assert not (lacking := unsaid(refusals, scenario, REFUSED[scenario])), lacking
