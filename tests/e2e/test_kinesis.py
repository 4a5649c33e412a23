"""examples/kinesis applied to LocalStack: the mapping reads the Kinesis data stream with one
pattern on data; only inserts are processed, in order per item; a refused insert is kept, on S3
(the records) or SQS (their shard and sequence range, re-read from the stream), and redriven once.

The pinned LocalStack's DynamoDB (provider v2) enables the table's Kinesis streaming destination
but never writes the table's changes to the stream, so this test publishes the changes itself,
each one in the record format DynamoDB uses for Kinesis Data Streams, with the item's key as the
partition key. It writes nothing to the table, so a LocalStack that does forward the table's
changes sees each change once too. Everything after the stream (the mapping's filter, the
handler, retries, the failure bucket, the redrive) is what runs on AWS.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

import pytest
from insert_trigger_redrive import redrive

from support.local_stack import (
    EXAMPLES,
    Applied,
    LocalStack,
    applied,
    dynamodb_change,
    failure_records,
    log_lines,
    processed,
    publish_changes,
    received,
    set_environment,
    unique,
    wait_until,
)
from support.tfplan import tf_value

MAPPING = "module.insert_trigger.aws_lambda_event_source_mapping.this"
CONSUMER = "module.insert_trigger.aws_kinesis_stream_consumer.this[0]"
DESTINATION = "module.insert_trigger.aws_dynamodb_kinesis_streaming_destination.this[0]"


def switching_fan_out_replaces_the_mapping(
    stack: Applied, tf_vars: dict[str, Any], ignore: set[str]
) -> None:
    """Planning kinesis_consumer = true on the applied stack creates the consumer and replaces
    the mapping, deleting it first (its event source becomes the consumer), and nothing else:
    the README's caution about switching fan-out."""
    assert stack.tf is not None
    switched = {name: tf_value(value) for name, value in tf_vars.items()}
    plan = stack.tf.plan(output=True, tf_vars=switched | {"kinesis_consumer": "true"})
    actions = {
        address: change["change"]["actions"]
        for address, change in plan.resource_changes.items()
        if address not in ignore
    }
    assert actions[CONSUMER] == ["create"], actions
    assert actions[MAPPING] == ["delete", "create"], actions[MAPPING]
    deleted = sorted(address for address, acts in actions.items() if "delete" in acts)
    assert deleted == [MAPPING], deleted


def order(total: str, status: str = "NEW", currency: str = "EUR") -> dict[str, Any]:
    """An order's attributes besides its key, in DynamoDB JSON."""
    return {"status": {"S": status}, "total": {"N": total}, "currency": {"S": currency}}


def accepted(lines: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(order, total) of each "order accepted" line the processor wrote, in log order."""
    return [
        (line["order"], line["total"]) for line in lines if line.get("message") == "order accepted"
    ]


def kept_changes(kinesis: Any, failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The DynamoDB changes the failure records keep, in order: an S3 record's payload holds the
    Kinesis records; an SQS one names a shard and sequence range, read here from the stream."""
    changes = []
    for failure in failures:
        if "payload" in failure:
            for record in failure["payload"]["Records"]:
                assert record["eventSource"] == "aws:kinesis", record
                changes.append(json.loads(base64.b64decode(record["kinesis"]["data"])))
        else:
            changes += kinesis_range(kinesis, failure["KinesisBatchInfo"])
    return changes


def kinesis_range(kinesis: Any, info: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes on one shard from startSequenceNumber to endSequenceNumber (KinesisBatchInfo)."""
    iterator = kinesis.get_shard_iterator(
        StreamARN=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    end = int(info["endSequenceNumber"])
    changes: list[dict[str, Any]] = []
    while iterator:
        answer = kinesis.get_records(ShardIterator=iterator)
        for record in answer["Records"]:
            if int(record["SequenceNumber"]) > end:
                return changes
            changes.append(json.loads(record["Data"]))
        if not answer["Records"] and answer.get("MillisBehindLatest", 0) == 0:
            return changes  # the shard's end so far: an open shard always has a next iterator
        iterator = answer.get("NextShardIterator")
    return changes


def kept(kinesis: Any, failures: list[dict[str, Any]]) -> list[str]:
    """The keys of the items whose changes the failure records keep, in order."""
    return [change["dynamodb"]["Keys"]["pk"]["S"] for change in kept_changes(kinesis, failures)]


def new_inserts(changes: list[dict[str, Any]]) -> list[str]:
    """The keys of the changes the mapping's filter lets through: INSERTs of NEW orders."""
    return [
        change["dynamodb"]["Keys"]["pk"]["S"]
        for change in changes
        if change["eventName"] == "INSERT"
        and change["dynamodb"]["NewImage"]["status"] == {"S": "NEW"}
    ]


@pytest.mark.parametrize("kind", ["s3", "sqs"])
def test_kinesis_example_processes_inserts_in_order_and_redrives_a_refused_one(
    localstack: LocalStack, kind: str
) -> None:
    tf_vars = {
        "name": unique(f"kinesis-{kind}"),
        "table_name": unique(f"kinesis-orders-{kind}"),
        "failure_destination": kind,
        "failure_bucket_force_destroy": True,
        "deletion_protection_enabled": False,
    }
    with applied(EXAMPLES / "kinesis", tf_vars) as stack:
        outputs = stack.outputs
        table, group, function = (
            outputs["table_name"],
            outputs["log_group_name"],
            outputs["function_name"],
        )
        dynamodb, kinesis, logs = (localstack.client(s) for s in ("dynamodb", "kinesis", "logs"))

        # GIVEN the table streaming to the module's Kinesis data stream, and no DynamoDB stream
        described = dynamodb.describe_table(TableName=table)["Table"]
        assert "LatestStreamArn" not in described
        (destination,) = dynamodb.describe_kinesis_streaming_destination(TableName=table)[
            "KinesisDataStreamDestinations"
        ]
        assert (destination["StreamArn"], destination["DestinationStatus"]) == (
            outputs["stream_arn"],
            "ACTIVE",
        )
        # AND a second plan changes nothing; except that the pinned LocalStack reports no
        # ApproximateCreationDateTimePrecision (AWS reports MICROSECOND), so Terraform plans to
        # set it again there, and only there
        drift = set(stack.second_plan_changes)
        if "ApproximateCreationDateTimePrecision" not in destination:
            drift.discard(DESTINATION)
        assert drift == set()
        if kind == "sqs":  # once is enough: a plan on one of the two stacks
            switching_fan_out_replaces_the_mapping(stack, tf_vars, ignore={DESTINATION} - drift)
        assert json.loads(outputs["filter_pattern"]) == {
            "data": {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["NEW"]}}}}
        }

        # WHEN inserts, an update, a delete, a draft, an item inserted again after its delete,
        # and an order in a currency the processor refuses reach the stream, in this order
        changes = [
            dynamodb_change(table, 1, "INSERT", "order-1", order("10")),
            dynamodb_change(table, 2, "INSERT", "order-2", order("20")),
            dynamodb_change(table, 3, "MODIFY", "order-1", order("10", status="PAID")),
            dynamodb_change(table, 4, "INSERT", "draft-1", order("5", status="DRAFT")),
            dynamodb_change(table, 5, "REMOVE", "order-2"),
            dynamodb_change(table, 6, "INSERT", "order-2", order("21")),
            dynamodb_change(table, 7, "INSERT", "gbp-1", order("40", currency="GBP")),
            dynamodb_change(table, 8, "INSERT", "order-3", order("30")),
        ]
        publish_changes(kinesis, outputs["stream_arn"], changes)

        # THEN the refused order is retried, then its batch is kept on the failure destination
        failures = wait_until(
            f"a failure record on the {kind} destination",
            lambda: failure_records(localstack, outputs) or None,
            lambda: {"processed": dict(processed(log_lines(logs, group)))},
            timeout=240,
        )
        # both name the batch's shard and range (KinesisBatchInfo); S3 also keeps its records
        assert [("payload" in f, "KinesisBatchInfo" in f) for f in failures] == [
            (kind == "s3", True)
        ] * len(failures), failures
        assert kept(kinesis, failures)[0] == "gbp-1", kept(kinesis, failures)
        wanted = {"order-1", "order-2", "order-3"}

        def settled() -> list[dict[str, Any]] | None:
            # every NEW insert is processed, or kept behind the refused one in its shard
            lines = log_lines(logs, group)
            kept_now = kept_changes(kinesis, failure_records(localstack, outputs))
            done = set(processed(lines)) | set(new_inserts(kept_now))
            return lines if wanted | {"gbp-1"} <= done else None

        before = wait_until(
            "each NEW insert processed or kept",
            settled,
            lambda: {
                "processed": dict(processed(log_lines(logs, group))),
                "kept": kept(kinesis, failure_records(localstack, outputs)),
            },
            timeout=240,
        )
        assert processed(before)["gbp-1"] == 0
        assert Counter(k for k, _ in accepted(before))["gbp-1"] == 0

        # WHEN a dry run looks at what is kept THEN it would send exactly the NEW inserts there
        # (an SQS record's range also spans the changes the filter left out), and changes nothing
        failures = failure_records(localstack, outputs)
        to_redrive = new_inserts(kept_changes(kinesis, failures))
        assert "gbp-1" in to_redrive, to_redrive
        dry = redrive(function, dry_run=True)
        assert (dry.failure_records, dry.records_redriven, dry.removed) == (
            len(failures),
            len(to_redrive),
            0,
        ), dry.report()
        assert len(failure_records(localstack, outputs)) == len(failures)

        # WHEN the fix is deployed (the shop accepts GBP) and the redrive runs
        lambda_ = localstack.client("lambda")
        settings = lambda_.get_function_configuration(FunctionName=function)
        fixed = settings["Environment"]["Variables"] | {"ACCEPTED_CURRENCIES": "EUR,GBP"}
        set_environment(lambda_, function, fixed)
        summary = redrive(function)

        # THEN the kept records are processed, the failure record is gone, and a second run
        # finds nothing
        assert summary.ok, summary.report()
        assert (summary.failure_records, summary.removed) == (len(failures), len(failures))
        assert failure_records(localstack, outputs) == []
        again = redrive(function)
        assert (again.failure_records, again.records_redriven) == (0, 0)

        # AND each NEW insert was processed exactly once, order-2's two inserts in stream order;
        # no update, delete or draft reached the function
        lines = log_lines(logs, group)
        assert processed(lines) == Counter(
            {"order-1": 1, "order-2": 2, "order-3": 1, "gbp-1": 1}
        ), processed(lines)
        totals = accepted(lines)
        assert [t for k, t in totals if k == "order-2"] == ["20", "21"], totals
        assert received(lines).keys() == {"INSERT"}, received(lines)
