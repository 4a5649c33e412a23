"""The role policy's scoping: each statement's actions and resources, on known ARNs.

In a plan the ARNs of what the module creates are unknown, so these scenarios run in
`terraform test` on a mocked provider (conftest.py) that gives the table, stream, bucket, queue
and log group the MOCK_* ARNs of support/tfplan.py. Each run asserts that the statements equal
the ones here exactly, and that no action is a wildcard.
"""

from __future__ import annotations

from typing import Any

import pytest

from support.tfplan import (
    ATTACH_INPUTS,
    MOCK_BUCKET_ARN,
    MOCK_LOG_GROUP_ARN,
    MOCK_QUEUE_ARN,
    MOCK_STREAM_ARN,
    MOCK_TABLE_ARN,
    mocked,
)

TOPIC = "arn:aws:sns:us-east-1:123456789012:order-failures"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:order-failures"
BUCKET = "arn:aws:s3:::order-failures"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

STREAM_READS = {
    "ReadStream": (
        ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        [MOCK_STREAM_ARN],
    ),
    "ListTableStreams": (["dynamodb:ListStreams"], [f"{MOCK_TABLE_ARN}/stream/*"]),
}
# Only on the module's own role: the caller's role writes its function's logs already.
STREAM_AND_LOGS = STREAM_READS | {
    "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{MOCK_LOG_GROUP_ARN}:*"]),
}
CREATED_BUCKET = {
    "ListFailureBucket": (["s3:ListBucket"], [MOCK_BUCKET_ARN]),
    "SendFailedRecords": (["s3:PutObject"], [f"{MOCK_BUCKET_ARN}/*"]),
}
CREATED_QUEUE_KMS = {
    "SendFailedRecords": (["sqs:SendMessage"], [MOCK_QUEUE_ARN]),
    "EncryptFailedRecords": (["kms:Decrypt", "kms:GenerateDataKey"], [KEY]),
}

# Per scenario: exactly the statements the role gets, then the inputs.
GRANTS = [
    mocked("s3-created", STREAM_AND_LOGS | CREATED_BUCKET),
    mocked(
        "s3-created-kms",
        STREAM_AND_LOGS
        | CREATED_BUCKET
        | {"EncryptFailedRecords": (["kms:GenerateDataKey"], [KEY])},
        kms_key_arn=KEY,
    ),
    mocked(
        "sqs-created-kms",
        STREAM_AND_LOGS | CREATED_QUEUE_KMS,
        failure_destination="sqs",
        kms_key_arn=KEY,
    ),
    mocked(
        "own-bucket",
        STREAM_AND_LOGS
        | {
            "ListFailureBucket": (["s3:ListBucket"], [BUCKET]),
            "SendFailedRecords": (["s3:PutObject"], [f"{BUCKET}/*"]),
        },
        on_failure_destination_arn=BUCKET,
        kms_key_arn=KEY,
    ),
    mocked(
        "own-queue",
        STREAM_AND_LOGS | {"SendFailedRecords": (["sqs:SendMessage"], [QUEUE])},
        on_failure_destination_arn=QUEUE,
    ),
    mocked(
        "own-topic",
        STREAM_AND_LOGS | {"SendFailedRecords": (["sns:Publish"], [TOPIC])},
        on_failure_destination_arn=TOPIC,
    ),
    # create_function = false: one policy on the caller's role, with no logs statement.
    mocked("attach-bucket", STREAM_READS | CREATED_BUCKET, **ATTACH_INPUTS),
    mocked(
        "attach-own-queue",
        STREAM_READS | {"SendFailedRecords": (["sqs:SendMessage"], [QUEUE])},
        **ATTACH_INPUTS,
        on_failure_destination_arn=QUEUE,
    ),
    mocked(
        "attach-queue-kms",
        STREAM_READS | CREATED_QUEUE_KMS,
        **ATTACH_INPUTS,
        failure_destination="sqs",
        kms_key_arn=KEY,
    ),
]


@pytest.mark.parametrize("scenario", GRANTS)
def test_role_allows_only_stream_reads_logs_and_its_destination(
    mocked_runs: dict[str, dict[str, Any]], scenario: str
) -> None:
    # GIVEN a failure destination (and a role, its own or the caller's) WHEN planned with known
    # ARNs THEN the statements are exactly these, scoped to those ARNs, no wildcard action
    run = mocked_runs.get(scenario)

    assert run is not None, f"{scenario}: terraform test reported no such run"
    assert run["status"] == "pass", f"{scenario}: {run['status']}: {run['errors']}"
