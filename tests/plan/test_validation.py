"""Every validation rule refuses a bad input at plan time, naming the input and what it allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from support import REPO
from support.tfplan import ATTACH_INPUTS, Plan, refused, scenario

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders"
# Inputs that shape only a function the module creates, each with a value other than its default:
# with create_function = false, each is refused.
CREATED_FUNCTION_ONLY: dict[str, Any] = {
    "package_path": str(REPO / "lambda" / "insert_trigger.zip"),
    "runtime": "python3.12",
    "architectures": ["x86_64"],
    "memory_size": 512,
    "timeout": 60,
    "environment_variables": {"INSERT_PROCESSOR": "orders:handle"},
    "reserved_concurrent_executions": 2,
    "tracing_mode": "Active",
    "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:orders:1"],
    "vpc_subnet_ids": ["subnet-1"],
    "vpc_security_group_ids": ["sg-1"],
    "log_retention_in_days": 7,
}


def pattern_of_length(merged: int) -> str:
    """A new_image_pattern that, merged with the INSERT filter, is ``merged`` characters long."""
    frame = len('{"dynamodb":{"NewImage":},"eventName":["INSERT"]}')
    value = "x" * (merged - frame - len('{"status":{"S":[""]}}'))
    return '{"status":{"S":["' + value + '"]}}'


# (scenario id, inputs, text the error must contain). Each bad value sits just outside AWS's range.
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("name-too-long", {"name": "f" * 65}, "name must be 1-64 characters"),
    ("name-bad-char", {"name": "orders insert"}, "name must be 1-64 characters"),
    ("table-name-short", {"table_name": "ab"}, "table_name must be 3-255 characters"),
    ("table-name-char", {"table_name": "orders/2026"}, "table_name must be 3-255 characters"),
    (
        "hash-key-type",
        {"table_hash_key_type": "BOOL"},
        "table_hash_key_type must be one of S, N, B",
    ),
    (
        "range-key-type",
        {"table_range_key_type": "SS"},
        "table_range_key_type must be one of S, N, B",
    ),
    ("range-key-empty", {"table_range_key": ""}, "table_range_key must be null or 1-255"),
    ("keys-only", {"stream_view_type": "KEYS_ONLY"}, "stream_view_type must be NEW_IMAGE or"),
    ("old-image", {"stream_view_type": "OLD_IMAGE"}, "carry no NewImage"),
    ("table-kms", {"table_kms_key_arn": "alias/orders"}, "table_kms_key_arn must be null or a KMS"),
    ("package-missing", {"package_path": "/nonexistent/x.zip"}, "package_path must be null or"),
    (
        "runtime",
        {"runtime": "python3.11"},
        'runtime must be one of python3.12, python3.13, python3.14 (got "python3.11"): the '
        "handler needs Python 3.12 or later. Its tests ran on 3.12 and 3.13 only; python3.14 "
        "needs AWS provider 6.20 or later.",
    ),
    ("arch-two", {"architectures": ["arm64", "x86_64"]}, "architectures must be exactly one"),
    ("arch-name", {"architectures": ["aarch64"]}, "architectures must be exactly one"),
    ("memory-low", {"memory_size": 127}, "memory_size must be a whole number of MB from 128"),
    ("memory-high", {"memory_size": 10241}, "memory_size must be a whole number of MB from 128"),
    ("timeout-high", {"timeout": 901}, "timeout must be a whole number of seconds from 1 to 900"),
    ("env-key", {"environment_variables": {"1X": "a"}}, "environment_variables keys must start"),
    (
        "processor-form",
        {"environment_variables": {"INSERT_PROCESSOR": "orders.handle"}},
        'INSERT_PROCESSOR must have the form "module:function"',
    ),
    (
        "handler-metrics-variable",
        {"environment_variables": {"HANDLER_METRICS": "true"}},
        "environment_variables.HANDLER_METRICS is set by the module: use handler_metrics",
    ),
    ("concurrency", {"reserved_concurrent_executions": -2}, "reserved_concurrent_executions must"),
    ("tracing", {"tracing_mode": "On"}, "tracing_mode must be PassThrough or Active"),
    (
        "layers",
        {"layers": [f"arn:aws:lambda:us-east-1:1:layer:l:{i}" for i in range(6)]},
        "at most 5",
    ),
    (
        "vpc-half",
        {"vpc_subnet_ids": ["subnet-1"], "vpc_security_group_ids": []},
        "must be set together",
    ),
    ("retention", {"log_retention_in_days": 2}, "log_retention_in_days must be one of 0, 1, 3"),
    ("kms", {"kms_key_arn": "key-1"}, "kms_key_arn must be null or a KMS key ARN"),
    ("pattern-not-json", {"new_image_pattern": "status=NEW"}, "must be a non-empty JSON object"),
    ("pattern-array", {"new_image_pattern": '["NEW"]'}, "must be a non-empty JSON object"),
    ("pattern-empty", {"new_image_pattern": "{}"}, "must be a non-empty JSON object"),
    ("pattern-bare", {"new_image_pattern": '{"status":"NEW"}'}, "non-empty array of match values"),
    (
        "pattern-empty-leaf",
        {"new_image_pattern": '{"status":{"S":[]}}'},
        "non-empty array of match values",
    ),
    (
        "pattern-deep-bare",
        {"new_image_pattern": '{"a":{"M":{"b":{"S":"x"}}}}'},
        "non-empty array of match values",
    ),
    ("batch-zero", {"batch_size": 0}, "batch_size must be a whole number from 1 to 10000"),
    ("batch-high", {"batch_size": 10001}, "batch_size must be a whole number from 1 to 10000"),
    ("window", {"maximum_batching_window_in_seconds": 301}, "from 0 to 300"),
    ("position", {"starting_position": "AT_TIMESTAMP"}, "starting_position must be LATEST or"),
    ("retries-low", {"maximum_retry_attempts": -2}, "maximum_retry_attempts must be a whole"),
    ("retries-high", {"maximum_retry_attempts": 10001}, "maximum_retry_attempts must be a whole"),
    ("age-gap", {"maximum_record_age_in_seconds": 59}, "-1 (no limit) or a whole number from 60"),
    ("age-high", {"maximum_record_age_in_seconds": 604801}, "from 60 to 604800"),
    ("parallel-high", {"parallelization_factor": 11}, "parallelization_factor must be"),
    ("parallel-zero", {"parallelization_factor": 0}, "parallelization_factor must be"),
    ("filter-kms", {"filter_criteria_kms_key_arn": "k"}, "filter_criteria_kms_key_arn must be"),
    ("metrics", {"metrics": ["ErrorCount"]}, 'metrics may only contain "EventCount"'),
    (
        "destination-lambda",
        {"on_failure_destination_arn": "arn:aws:lambda:us-east-1:123456789012:function:f"},
        "on_failure_destination_arn must be null or the ARN of an SQS queue, SNS topic or S3",
    ),
    (
        "destination-s3-object",
        {"failure_destination": "s3", "on_failure_destination_arn": "arn:aws:s3:::bucket/key"},
        "on_failure_destination_arn must be null or the ARN of an SQS queue, SNS topic or S3",
    ),
    ("destination-kind", {"failure_destination": "sns"}, "failure_destination must be s3 or sqs"),
    ("retention-zero", {"failure_retention_days": 0}, "failure_retention_days must be a whole"),
    (
        "retention-sqs",
        {"failure_destination": "sqs", "failure_retention_days": 15},
        "failure_retention_days must be at most 14 with failure_destination",
    ),
    (
        "alarms-without-metrics",
        {"create_alarms": True, "metrics": []},
        'create_alarms = true needs metrics = ["EventCount"]',
    ),
    ("lag-threshold", {"iterator_age_alarm_threshold_seconds": 0}, "from 1 to 86400"),
    ("function-name-alone", {"function_name": "f"}, "function_name applies only with create_funct"),
    ("role-name-alone", {"function_role_name": "r"}, "function_role_name applies only with create"),
    (
        "function-name-form",
        ATTACH_INPUTS | {"function_name": "arn:aws:lambda:us-east-1:123456789012:layer:orders:1"},
        "function_name must be a Lambda function name (1-64",
    ),
    (
        "role-name-arn",
        ATTACH_INPUTS | {"function_role_name": "arn:aws:iam::123456789012:role/orders"},
        "function_role_name must be an IAM role name",
    ),
    *(
        (f"attach-{name}", ATTACH_INPUTS | {name: value}, f"{name} applies only to a function")
        for name, value in CREATED_FUNCTION_ONLY.items()
    ),
]

# Refused by a precondition where the value is built from the inputs (the merged filter pattern):
# (scenario id, inputs, text the error must contain).
REFUSED_BY_PRECONDITION: list[tuple[str, dict[str, Any], str]] = [
    (
        "pattern-too-long",
        {"new_image_pattern": pattern_of_length(4097)},
        "at most 4096 characters",
    ),
]

# Values on the edges of each range, which must be accepted.
ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("name-64", {"name": "f" * 64}),
    ("runtime-lowest", {"runtime": "python3.12"}),
    ("batch-max", {"batch_size": 10000, "maximum_batching_window_in_seconds": 300}),
    ("retries-edges", {"maximum_retry_attempts": -1, "maximum_record_age_in_seconds": 60}),
    ("retries-max", {"maximum_retry_attempts": 10000, "maximum_record_age_in_seconds": 604800}),
    ("parallel-max", {"parallelization_factor": 10, "starting_position": "TRIM_HORIZON"}),
    ("pattern-nested", {"new_image_pattern": '{"a":{"M":{"b":{"S":[{"prefix":"x"}]}}}}'}),
    ("pattern-numeric", {"new_image_pattern": '{"n":{"N":[{"numeric":[">",5]}]}}'}),
    ("pattern-4096", {"new_image_pattern": pattern_of_length(4096)}),
    ("retention-s3-long", {"failure_retention_days": 3650}),
    ("retention-sqs-max", {"failure_destination": "sqs", "failure_retention_days": 14}),
    ("own-bucket", {"on_failure_destination_arn": "arn:aws:s3:::order-failures.example-1"}),
    (
        "attach-alias-arn",
        ATTACH_INPUTS | {"function_name": f"{FUNCTION_ARN}:live"},
    ),
]


# Each refused scenario is a module call of one root, planned with the others (conftest.py); each
# accepted one a module call of the root of accepted inputs.
for _scenario, _inputs, _ in REFUSED + REFUSED_BY_PRECONDITION:
    refused(_scenario, **_inputs)
ACCEPTED_SCENARIOS = {s: scenario(f"accepted-{s}", **inputs) for s, inputs in ACCEPTED}


@pytest.mark.parametrize(
    ("scenario", "expected"), [(s, e) for s, _, e in REFUSED], ids=[s for s, _, _ in REFUSED]
)
def test_bad_input_is_refused_at_plan(
    refusals: dict[str, str], scenario: str, expected: str
) -> None:
    message = refusals.get(scenario, "")

    assert message.strip(), f"{scenario}: not refused"
    assert expected in message, f"{scenario}: {message}"
    (inputs,) = [i for s, i, _ in REFUSED if s == scenario]
    assert any(name in message for name in inputs), f"{scenario}: the message names no input"


@pytest.mark.parametrize(
    ("scenario", "inputs", "expected"),
    REFUSED_BY_PRECONDITION,
    ids=[s for s, _, _ in REFUSED_BY_PRECONDITION],
)
def test_bad_input_is_refused_by_a_precondition(
    refusals: dict[str, str], scenario: str, inputs: dict[str, Any], expected: str
) -> None:
    message = refusals.get(scenario, "")

    assert "Resource precondition failed" in message, f"{scenario}: {message}"
    assert expected in message, f"{scenario}: {message}"
    assert any(name in message for name in inputs), f"{scenario}: the message names no input"


@pytest.mark.parametrize("accepted", ACCEPTED_SCENARIOS)
def test_edge_values_are_accepted(planned: Callable[[str], Plan], accepted: str) -> None:
    result = planned(ACCEPTED_SCENARIOS[accepted])

    assert "aws_lambda_event_source_mapping.this" in result.addresses()
