"""The role policy's scoping: each statement's actions and resources, on known ARNs.

In a plan the ARNs of what the module creates are unknown, so these scenarios run in
`terraform test` on a mocked provider (conftest.py) that gives the table, its stream, the
idempotency ledger, the Kinesis stream and its consumer, bucket, queue and log group the MOCK_*
ARNs of support/tfplan.py. Each run asserts that the statements equal the ones here exactly, and
that no action is a wildcard.
"""

from __future__ import annotations

from typing import Any

import pytest

from support.tfplan import (
    ACCOUNT_ARN,
    ATTACH_INPUTS,
    MOCK_BUCKET_ARN,
    MOCK_KINESIS_CONSUMER_ARN,
    MOCK_KINESIS_STREAM_ARN,
    MOCK_LEDGER_ARN,
    MOCK_LOG_GROUP_ARN,
    MOCK_QUEUE_ARN,
    MOCK_STREAM_ARN,
    MOCK_TABLE_ARN,
    MOCKED,
    mocked,
)

TOPIC = "arn:aws:sns:us-east-1:123456789012:order-failures"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:order-failures"
BUCKET = "arn:aws:s3:::order-failures"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KINESIS_STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders-changes"

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
CREATED_BUCKET_KMS = CREATED_BUCKET | {"EncryptFailedRecords": (["kms:GenerateDataKey"], [KEY])}
# The idempotency ledger's item calls, on the ledger only, and its key (test_plan_idempotency.py).
LEDGER_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]
LEDGER_KEY = {
    "UseIdempotencyLedgerKey": (
        ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
        [KEY],
    )
}
CREATED_LEDGER = {"UseIdempotencyLedger": (LEDGER_ACTIONS, [MOCK_LEDGER_ARN])}
# stream_source = "kinesis": the Kinesis reads on that stream replace the DynamoDB Streams ones
# (test_plan_kinesis.py).
KINESIS_READS = [
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
]
OWN_KINESIS_AND_LOGS = {
    "ReadStream": (KINESIS_READS, [MOCK_KINESIS_STREAM_ARN]),
    "WriteOwnLogs": STREAM_AND_LOGS["WriteOwnLogs"],
}
# kinesis_consumer: the reads stay on the stream; SubscribeToShard, on the consumer alone.
SUBSCRIBE = "kinesis:SubscribeToShard"

# Per scenario: exactly the statements the role gets, then the inputs.
GRANTS = [
    mocked("s3-created", STREAM_AND_LOGS | CREATED_BUCKET),
    mocked("s3-created-kms", STREAM_AND_LOGS | CREATED_BUCKET_KMS, kms_key_arn=KEY),
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
    # The idempotency ledger: none without idempotency; the module's, with its key; the caller's
    # own, in the table's account and Region; the module's, granted to the caller's role.
    mocked(
        "ledger-off",
        STREAM_AND_LOGS | CREATED_BUCKET,
        environment_variables={"INSERT_PROCESSOR": "orders:handle"},
    ),
    mocked(
        "ledger-created-kms",
        STREAM_AND_LOGS | CREATED_BUCKET_KMS | CREATED_LEDGER | LEDGER_KEY,
        idempotency=True,
        kms_key_arn=KEY,
        failure_retention_days=30,
        environment_variables={"INSERT_PROCESSOR": "orders:handle"},
    ),
    mocked(
        "ledger-existing",
        STREAM_AND_LOGS
        | CREATED_BUCKET
        | {
            "UseIdempotencyLedger": (
                LEDGER_ACTIONS,
                [ACCOUNT_ARN.format(service="dynamodb", resource="table/shared-ledger")],
            )
        },
        idempotency=True,
        idempotency_table_name="shared-ledger",
        idempotency_key_attributes=["pk", "sk", "version"],
        idempotency_retention_days=60,
    ),
    mocked(
        "attach-ledger-kms",
        STREAM_READS | CREATED_BUCKET_KMS | CREATED_LEDGER | LEDGER_KEY,
        **ATTACH_INPUTS,
        idempotency=True,
        kms_key_arn=KEY,
    ),
    # stream_source = "kinesis": the module's stream (its key decrypts it), or the caller's.
    mocked(
        "kinesis-own-stream-kms",
        OWN_KINESIS_AND_LOGS | CREATED_BUCKET_KMS | {"DecryptStream": (["kms:Decrypt"], [KEY])},
        stream_source="kinesis",
        new_image_pattern='{"status":{"S":["NEW"]}}',
        kms_key_arn=KEY,
        kinesis_retention_hours=8760,
    ),
    mocked(
        "kinesis-own-stream",
        OWN_KINESIS_AND_LOGS | CREATED_BUCKET,
        stream_source="kinesis",
        create_alarms=True,
    ),
    mocked(
        "kinesis-own-stream-consumer",
        OWN_KINESIS_AND_LOGS
        | CREATED_BUCKET
        | {"SubscribeThroughConsumer": ([SUBSCRIBE], [MOCK_KINESIS_CONSUMER_ARN])},
        stream_source="kinesis",
        kinesis_consumer=True,
    ),
    mocked(
        "attach-kinesis-your-stream-queue",
        {
            "ReadStream": (KINESIS_READS, [KINESIS_STREAM]),
            "SendFailedRecords": (["sqs:SendMessage"], [MOCK_QUEUE_ARN]),
        },
        **ATTACH_INPUTS,
        stream_source="kinesis",
        kinesis_stream_arn=KINESIS_STREAM,
        failure_destination="sqs",
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


KINESIS_GRANTS = [s for s in GRANTS if MOCKED[s][0].inputs.get("stream_source") == "kinesis"]


@pytest.mark.parametrize("scenario", KINESIS_GRANTS)
def test_only_a_kinesis_consumer_grants_subscribe_to_shard(
    mocked_runs: dict[str, dict[str, Any]], scenario: str
) -> None:
    # GIVEN a Kinesis source, with or without kinesis_consumer, WHEN planned with known ARNs
    inputs, expected = MOCKED[scenario][0].inputs, MOCKED[scenario][1]
    run = mocked_runs.get(scenario)

    # THEN its statements are exactly the expected ones (the run passed), and among them
    # SubscribeToShard is allowed on the consumer alone, and only when there is one
    assert run is not None, f"{scenario}: terraform test reported no such run"
    assert run["status"] == "pass", f"{scenario}: {run['status']}: {run['errors']}"
    subscribing = {tuple(r) for a, r in expected.values() if SUBSCRIBE in a}
    wanted = {(MOCK_KINESIS_CONSUMER_ARN,)} if inputs.get("kinesis_consumer") else set()
    assert subscribing == wanted, f"{scenario}: {SUBSCRIBE} on {subscribing}"
