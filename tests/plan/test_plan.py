"""Plan checks: what the module creates, read as values from Terraform's JSON plan (no backend)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable

import pytest

from support import REPO
from support.tfplan import (
    FAILURE_BUCKET,
    Plan,
    filters,
    scenario,
)

INSERT_ONLY = '{"eventName":["INSERT"]}'
STATUS_NEW = '{"status":{"S":["NEW"]}}'
TOPIC = "arn:aws:sns:us-east-1:123456789012:order-failures"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:order-failures"
BUCKET = "arn:aws:s3:::order-failures"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

# The scenarios this file plans, each once, in the one root of accepted inputs (conftest.py).
DEFAULTS = scenario("defaults")
CONTENT_FILTER = scenario("content-filter", new_image_pattern=STATUS_NEW)
MAPPING_INPUTS = scenario(
    "mapping-inputs",
    batch_size=500,
    maximum_batching_window_in_seconds=10,
    starting_position="TRIM_HORIZON",
    maximum_retry_attempts=2,
    maximum_record_age_in_seconds=3600,
    bisect_batch_on_function_error=False,
    parallelization_factor=4,
    enabled=False,
    metrics=[],
)
RANGE_KEY = scenario(
    "range-key",
    table_hash_key="customer",
    table_range_key="order_id",
    table_range_key_type="N",
    stream_view_type="NEW_AND_OLD_IMAGES",
    deletion_protection_enabled=False,
)
FUNCTION_INPUTS = scenario(
    "function-inputs",
    memory_size=512,
    timeout=60,
    environment_variables={"INSERT_PROCESSOR": "orders.processor:handle"},
    reserved_concurrent_executions=5,
    tracing_mode="Active",
    architectures=["x86_64"],
)
BUCKET_INPUTS = scenario(
    "bucket-inputs", failure_retention_days=90, failure_bucket_force_destroy=True, kms_key_arn=KEY
)
SQS = scenario("sqs", failure_destination="sqs")
DESTINATIONS = {"sns": TOPIC, "sqs": QUEUE, "s3": BUCKET}
OWN_DESTINATION = {
    kind: scenario(f"own-{kind}", on_failure_destination_arn=arn)
    for kind, arn in DESTINATIONS.items()
}
ALARMS = scenario("alarms", create_alarms=True, alarm_actions=[TOPIC])
ALARMS_OWN_DESTINATION = {
    kind: scenario(f"alarms-own-{kind}", create_alarms=True, on_failure_destination_arn=arn)
    for kind, arn in DESTINATIONS.items()
}


def test_defaults_create_the_whole_stack(planned: Callable[[str], Plan]) -> None:
    # GIVEN only name and table_name WHEN planned THEN every part of the stack is created
    result = planned(DEFAULTS)

    assert result.addresses() == {
        "aws_cloudwatch_log_group.this[0]",
        "aws_dynamodb_table.this[0]",
        "aws_iam_role.this[0]",
        "aws_iam_role_policy.this",
        "aws_lambda_event_source_mapping.this",
        "aws_lambda_function.this[0]",
        *FAILURE_BUCKET,
    }


def test_mapping_has_one_insert_only_filter(planned: Callable[[str], Plan]) -> None:
    result = planned(DEFAULTS)

    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert [f["pattern"] for f in filters(mapping)] == [INSERT_ONLY]
    assert result.output("filter_pattern") == INSERT_ONLY


def test_new_image_pattern_is_anded_into_the_same_filter(planned: Callable[[str], Plan]) -> None:
    # GIVEN a content filter WHEN planned THEN it joins the INSERT filter in ONE pattern
    result = planned(CONTENT_FILTER)

    mapping = result.resource("aws_lambda_event_source_mapping.this")
    expected = '{"dynamodb":{"NewImage":{"status":{"S":["NEW"]}}},"eventName":["INSERT"]}'
    assert [f["pattern"] for f in filters(mapping)] == [expected]
    assert result.output("filter_pattern") == expected


def test_mapping_settings(planned: Callable[[str], Plan]) -> None:
    mapping = planned(DEFAULTS).resource("aws_lambda_event_source_mapping.this")

    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["starting_position"] == "LATEST"
    assert mapping["maximum_retry_attempts"] == 5
    assert mapping["maximum_record_age_in_seconds"] == -1
    assert mapping["bisect_batch_on_function_error"] is True
    assert mapping["batch_size"] == 100
    assert mapping["parallelization_factor"] == 1
    assert mapping["enabled"] is True
    assert mapping["metrics_config"] == [{"metrics": ["EventCount"]}]


def test_provider_named_inputs_reach_the_mapping(planned: Callable[[str], Plan]) -> None:
    mapping = planned(MAPPING_INPUTS).resource("aws_lambda_event_source_mapping.this")

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


def test_table_stream_carries_the_new_image(planned: Callable[[str], Plan]) -> None:
    table = planned(DEFAULTS).resource("aws_dynamodb_table.this[0]")

    assert table["stream_enabled"] is True
    assert table["stream_view_type"] == "NEW_IMAGE"
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    assert table["hash_key"] == "pk"
    assert table["attribute"] == [{"name": "pk", "type": "S"}]
    assert table["deletion_protection_enabled"] is True


def test_range_key_and_old_images(planned: Callable[[str], Plan]) -> None:
    table = planned(RANGE_KEY).resource("aws_dynamodb_table.this[0]")

    assert table["range_key"] == "order_id"
    assert sorted(table["attribute"], key=lambda a: a["name"]) == [
        {"name": "customer", "type": "S"},
        {"name": "order_id", "type": "N"},
    ]
    assert table["stream_view_type"] == "NEW_AND_OLD_IMAGES"
    assert table["deletion_protection_enabled"] is False


def test_function_runs_the_bundled_package(planned: Callable[[str], Plan]) -> None:
    function = planned(DEFAULTS).resource("aws_lambda_function.this[0]")

    package = REPO / "lambda" / "insert_trigger.zip"
    digest = base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()
    assert function["handler"] == "insert_trigger.lambda_handler"
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["source_code_hash"] == digest
    assert function["filename"].endswith("lambda/insert_trigger.zip")
    assert function["logging_config"][0]["log_group"] == "/aws/lambda/orders-insert"


def test_function_inputs(planned: Callable[[str], Plan]) -> None:
    function = planned(FUNCTION_INPUTS).resource("aws_lambda_function.this[0]")

    assert function["memory_size"] == 512
    assert function["timeout"] == 60
    assert function["environment"] == [
        {"variables": {"INSERT_PROCESSOR": "orders.processor:handle"}}
    ]
    assert function["reserved_concurrent_executions"] == 5
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert function["architectures"] == ["x86_64"]


def test_failure_bucket_is_private_encrypted_and_expires_records(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN the defaults WHEN planned THEN failed batches go to a bucket that keeps them safe
    result = planned(DEFAULTS)

    bucket = result.resource("aws_s3_bucket.failures[0]")
    assert bucket["bucket_prefix"] == "orders-insert-failures-"
    assert bucket["force_destroy"] is False
    block = result.resource("aws_s3_bucket_public_access_block.failures[0]")
    assert all(
        block[k]
        for k in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        )
    )
    ownership = result.resource("aws_s3_bucket_ownership_controls.failures[0]")
    assert ownership["rule"] == [{"object_ownership": "BucketOwnerEnforced"}]
    (rule,) = result.resource("aws_s3_bucket_server_side_encryption_configuration.failures[0]")[
        "rule"
    ]
    assert rule["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "AES256"
    (expiry,) = result.resource("aws_s3_bucket_lifecycle_configuration.failures[0]")["rule"]
    assert (expiry["status"], expiry["expiration"][0]["days"]) == ("Enabled", 14)
    (deny,) = result.data_resource("data.aws_iam_policy_document.failure_bucket[0]")["statement"]
    assert (deny["effect"], deny["condition"][0]["variable"], deny["condition"][0]["values"]) == (
        "Deny",
        "aws:SecureTransport",
        ["false"],
    )
    assert result.output("failure_queue_arn") is None
    assert result.unknown("aws_lambda_event_source_mapping.this")["destination_config"] == [
        {"on_failure": [{"destination_arn": True}]}
    ]


def test_failure_bucket_inputs(planned: Callable[[str], Plan]) -> None:
    result = planned(BUCKET_INPUTS)

    assert result.resource("aws_s3_bucket.failures[0]")["force_destroy"] is True
    (expiry,) = result.resource("aws_s3_bucket_lifecycle_configuration.failures[0]")["rule"]
    assert expiry["expiration"][0]["days"] == 90
    (rule,) = result.resource("aws_s3_bucket_server_side_encryption_configuration.failures[0]")[
        "rule"
    ]
    assert rule["apply_server_side_encryption_by_default"] == [
        {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY}
    ]
    assert rule["bucket_key_enabled"] is True


# name -> the bucket prefix derived from it: each valid for S3 whatever name the module accepts.
BUCKET_PREFIXES = {
    "Orders_Insert": "orders-insert-failures-",
    "__x__": "x-failures-",
    "___": "it-failures-",
    "sthree": "it-sthree-failures-",
    "amzn-s3-demo-x": "it-amzn-s3-demo-x-failures-",
    "a" * 64: "a" * 27 + "-failures-",
    "ab-" + "c" * 23 + "-d": "ab-" + "c" * 23 + "-failures-",
}
BUCKET_PREFIX_SCENARIOS = {
    name: scenario(f"bucket-prefix-{name}", name=name) for name in BUCKET_PREFIXES
}


@pytest.mark.parametrize("name", BUCKET_PREFIXES)
def test_bucket_prefix_is_valid_for_any_name(planned: Callable[[str], Plan], name: str) -> None:
    result = planned(BUCKET_PREFIX_SCENARIOS[name])
    prefix = result.resource("aws_s3_bucket.failures[0]")["bucket_prefix"]

    assert prefix == BUCKET_PREFIXES[name]
    # AWS appends 26 characters: the whole name must be 3-63 valid characters.
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,35}-", prefix)
    assert len(prefix) + 26 <= 63


def test_sqs_failure_queue_is_encrypted_and_keeps_records_14_days(
    planned: Callable[[str], Plan],
) -> None:
    result = planned(SQS)

    assert not FAILURE_BUCKET & result.addresses()
    queue = result.resource("aws_sqs_queue.failures[0]")
    assert queue["name"] == "orders-insert-failures"
    assert queue["sqs_managed_sse_enabled"] is True
    assert queue["message_retention_seconds"] == 1209600
    assert result.output("failure_bucket_name") is None
    mapping = result.unknown("aws_lambda_event_source_mapping.this")
    assert mapping["destination_config"] == [{"on_failure": [{"destination_arn": True}]}]


@pytest.mark.parametrize("kind", DESTINATIONS)
def test_own_failure_destination_replaces_the_module_one(
    planned: Callable[[str], Plan], kind: str
) -> None:
    result, arn = planned(OWN_DESTINATION[kind]), DESTINATIONS[kind]

    assert not {"aws_sqs_queue.failures[0]", *FAILURE_BUCKET} & result.addresses()
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    assert mapping["destination_config"] == [{"on_failure": [{"destination_arn": arn}]}]
    assert result.output("failure_destination_arn") == arn
    assert result.output("failure_queue_arn") is None
    assert result.output("failure_bucket_name") is None


def test_redrive_command_names_the_function(planned: Callable[[str], Plan]) -> None:
    assert (
        planned(DEFAULTS).output("redrive_command")
        == "insert-trigger-redrive --function-name orders-insert"
    )


def test_alarms_are_off_by_default_and_one_switch_turns_them_on(
    planned: Callable[[str], Plan],
) -> None:
    assert not any("alarm" in a for a in planned(DEFAULTS).addresses())

    result = planned(ALARMS)

    lag = result.resource("aws_cloudwatch_metric_alarm.iterator_age[0]")
    errors = result.resource("aws_cloudwatch_metric_alarm.errors[0]")
    failed = result.resource('aws_cloudwatch_metric_alarm.mapping["failed_records"]')
    dropped = result.resource('aws_cloudwatch_metric_alarm.mapping["dropped_records"]')
    assert (lag["metric_name"], lag["statistic"], lag["threshold"]) == (
        "IteratorAge",
        "Maximum",
        300000,
    )
    assert (errors["metric_name"], errors["threshold"]) == ("Errors", 0)
    for kind, metric in (
        ("failed_records", "OnFailureDestinationDeliveredEventCount"),
        ("dropped_records", "DroppedEventCount"),
    ):
        address = f'aws_cloudwatch_metric_alarm.mapping["{kind}"]'
        alarm = result.resource(address)
        assert alarm["alarm_name"] == f"orders-insert-{kind.replace('_', '-')}"
        assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == (
            "AWS/Lambda",
            metric,
            "Sum",
        )
        assert (alarm["comparison_operator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)
        # Keyed on the mapping's UUID, known after apply.
        assert result.unknown(address)["dimensions"] is True
    assert all(a["alarm_actions"] == [TOPIC] for a in (lag, errors, failed, dropped))


@pytest.mark.parametrize("kind", DESTINATIONS)
def test_failure_alarms_watch_every_destination(planned: Callable[[str], Plan], kind: str) -> None:
    result, arn = planned(ALARMS_OWN_DESTINATION[kind]), DESTINATIONS[kind]

    alarms = {a for a in result.addresses() if a.startswith("aws_cloudwatch_metric_alarm")}
    assert alarms == {
        "aws_cloudwatch_metric_alarm.iterator_age[0]",
        "aws_cloudwatch_metric_alarm.errors[0]",
        'aws_cloudwatch_metric_alarm.mapping["failed_records"]',
        'aws_cloudwatch_metric_alarm.mapping["dropped_records"]',
    }
    description = result.resource('aws_cloudwatch_metric_alarm.mapping["failed_records"]')
    assert arn in description["alarm_description"]
