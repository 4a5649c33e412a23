"""Each example applied to LocalStack: INSERTs reach the handler once each, nothing else does."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from typing import Any

import pytest
from insert_trigger_redrive import redrive

from support.local_stack import (
    EXAMPLES,
    REPO,
    LocalStack,
    applied,
    consumer,
    digest,
    executor_notes,
    failed,
    failure_records,
    json_lines,
    log_events,
    log_lines,
    processed,
    put,
    put_together,
    received,
    set_environment,
    stream_records,
    summaries,
    unique,
    wait_processed,
    wait_until,
    warm_up,
    without,
)
from support.tfplan import tf_value

# What examples/complete's content filter lets through, and the tags it sets by default.
NEW_ORDER = {"status": {"S": "NEW"}}
EXAMPLE_TAGS = {"project": "orders", "managed-by": "terraform"}
MAPPING_METRICS = {"OnFailureDestinationDeliveredEventCount", "DroppedEventCount"}
FORBIDDEN_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:*")


def mixed_workload(dynamodb: Any, table: str, key: str) -> set[str]:
    """Insert five items, update two, delete one; return the inserted keys."""
    inserted = {f"order-{n}" for n in range(1, 6)}
    for pk in sorted(inserted):
        put(dynamodb, table, {key: {"S": pk}, "status": {"S": "NEW"}, "total": {"N": "10.50"}})
    for pk in ("order-1", "order-2"):
        dynamodb.update_item(
            TableName=table,
            Key={key: {"S": pk}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "PAID"}},
        )
    dynamodb.delete_item(TableName=table, Key={key: {"S": "order-3"}})
    return inserted


def run_insert_only_scenario(
    localstack: LocalStack, outputs: dict[str, Any], key: str, item: dict[str, Any] | None = None
) -> None:
    """Warm up, write a mixed workload, and check only the INSERTs were delivered and processed.

    `item`: attributes the warm-up and last inserts carry (what a content filter lets through).
    With one, an insert without them (a draft) is written too, and must not reach the function.
    """
    dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
    table, group = outputs["table_name"], outputs["log_group_name"]
    # GIVEN a mapping whose poller is running (a first insert went all the way through)
    warm_ups = warm_up(localstack, table, [consumer(outputs)], item=item, key=key)

    # WHEN items are inserted, modified and deleted, then a last item is inserted
    inserted = mixed_workload(dynamodb, table, key)
    if item:
        put(dynamodb, table, {key: {"S": "draft-1"}, "status": {"S": "DRAFT"}})
    put(dynamodb, table, {key: {"S": "last"}, **(item or {})})
    lines = wait_processed(logs, group, "last", key)

    # THEN each inserted item was processed exactly once, and no MODIFY or REMOVE was delivered
    expected = Counter(dict.fromkeys(inserted | {"last"}, 1))
    assert without(processed(lines, key), warm_ups) == expected
    assert not failed(lines, key)
    # (counted from the function's own batch summary lines, warm-ups included)
    delivered = received(lines)
    assert delivered == Counter({"INSERT": processed(lines, key).total()}), delivered
    notes = executor_notes(outputs["function_name"])  # our emulator's, when it writes them
    if notes is not None:
        assert Counter(r["eventName"] for r in notes) == delivered, notes
    assert failure_records(localstack, outputs) == []


def test_existing_table_example(localstack: LocalStack) -> None:
    tf_vars = {
        "name": unique("existing-table"),
        "table_name": unique("existing-table-table"),
        "failure_bucket_force_destroy": True,
    }
    with applied(EXAMPLES / "existing-table", tf_vars) as stack:
        assert stack.second_plan_changes == []
        run_insert_only_scenario(localstack, stack.outputs, key="customer_id")
        role_is_least_privilege(localstack, stack.outputs)
    nothing_left(localstack, stack.outputs)


def test_complete_example(localstack: LocalStack) -> None:
    tf_vars = {
        "name": unique("complete"),
        "table_name": unique("complete-table"),
        "failure_bucket_force_destroy": True,
        "deletion_protection_enabled": False,
    }
    with applied(EXAMPLES / "complete", tf_vars) as stack:
        assert stack.second_plan_changes == []
        outputs = stack.outputs
        # The content filter lets only new orders through; the rest is the insert-only scenario.
        run_insert_only_scenario(localstack, outputs, key="pk", item=NEW_ORDER)
        role_is_least_privilege(localstack, outputs)
        alarms_notify_the_topic(localstack, outputs)
        key_encrypts_logs_bucket_and_topic(localstack, outputs)
        tagged(localstack, outputs, EXAMPLE_TAGS)

        # WHEN the same stack is applied with failure_topic = true
        assert stack.tf is not None
        with_topic = tf_vars | {"failure_topic": True}
        stack.tf.apply(tf_vars={name: tf_value(value) for name, value in with_topic.items()})
        topic_outputs = dict(stack.tf.output().items())
        # THEN failed batches go to the user's topic, the role may publish only there, no bucket
        failures_go_to_the_users_topic(localstack, topic_outputs, outputs["failure_bucket_name"])
    nothing_left(localstack, stack.outputs)
    nothing_left(localstack, topic_outputs)


@pytest.mark.parametrize("kind", ["sqs", "s3"])
def test_content_filter_example_keeps_and_redrives_refused_orders(
    localstack: LocalStack, kind: str
) -> None:
    tf_vars = {
        "name": unique(f"content-{kind}"),
        "table_name": unique(f"new-orders-{kind}"),
        "failure_destination": kind,
        "failure_bucket_force_destroy": True,
        "deletion_protection_enabled": False,
    }
    with applied(EXAMPLES / "content-filter", tf_vars) as stack:
        assert stack.second_plan_changes == []
        outputs = stack.outputs
        function = outputs["function_name"]
        dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
        table, group = outputs["table_name"], outputs["log_group_name"]
        order = {"status": {"S": "NEW"}, "total": {"N": "25"}}
        warm_ups = warm_up(localstack, table, [consumer(outputs)], item=order)

        # GIVEN new orders, drafts (not matching the content filter), changes and a deletion
        for pk in ("new-1", "new-2", "new-3"):
            put(dynamodb, table, {"pk": {"S": pk}, **order})
        for pk in ("draft-1", "draft-2"):
            put(dynamodb, table, {"pk": {"S": pk}, "status": {"S": "DRAFT"}, "total": {"N": "5"}})
        put(dynamodb, table, {"pk": {"S": "new-1"}, "status": {"S": "NEW"}, "total": {"N": "30"}})
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": "new-2"}})
        put(dynamodb, table, {"pk": {"S": "last"}, **order})
        wait_processed(logs, group, "last")

        # WHEN two orders in a currency the processor refuses are written in one transaction,
        # with a change and a draft between them, so that they reach the function in one batch
        gbp = {"status": {"S": "NEW"}, "total": {"N": "40"}, "currency": {"S": "GBP"}}
        refused_at_ms = int(time.time() * 1000)
        put_together(
            dynamodb,
            table,
            [
                {"pk": {"S": "gbp-1"}, **gbp},
                {"pk": {"S": "new-3"}, "status": {"S": "NEW"}, "total": {"N": "9"}},
                {"pk": {"S": "draft-3"}, **gbp, "status": {"S": "DRAFT"}},
                {"pk": {"S": "gbp-2"}, **gbp},
            ],
        )

        # THEN the batch is tried, then kept on the failure destination
        failures, tries = wait_until(
            f"a failure record on the {kind} destination, and the log lines of every try it counts",
            lambda: refused_batch_kept(localstack, outputs, refused_at_ms),
            seen=lambda: (
                f"failure records {failure_records(localstack, outputs)}; since the write: "
                f"{digest(json_lines(log_events(logs, group, refused_at_ms)))}"
            ),
        )
        assert len(failures) == 1, f"one batch, so one failure record expected: {failures}"
        (failure,) = failures
        # The batch built: every try held the two orders the content filter lets through.
        assert [s["received"] for s in tries] == [{"INSERT": 2}] * 3, tries
        before = log_lines(logs, group)
        processed_before = Counter({"new-1": 1, "new-2": 1, "new-3": 1, "last": 1})
        assert without(processed(before), warm_ups) == processed_before
        assert failed(before) == Counter({"gbp-1": 3})  # first try and maximum_retry_attempts = 2
        kept_records_hold_the_refused_orders(localstack, outputs, failure, kind)

        # WHEN a dry run looks at it THEN it lists both orders and changes nothing
        dry = redrive(function, dry_run=True)
        assert (dry.failure_records, dry.records_redriven, dry.removed) == (1, 2, 0)
        assert failure_records(localstack, outputs) == [failure]
        assert without(processed(log_lines(logs, group)), warm_ups) == processed_before

        # WHEN the fix is deployed (the shop accepts GBP) and `make redrive` runs
        lambda_ = localstack.client("lambda")
        settings = lambda_.get_function_configuration(FunctionName=function)
        fixed = settings["Environment"]["Variables"] | {"ACCEPTED_CURRENCIES": "EUR,GBP"}
        set_environment(lambda_, function, fixed)
        run = subprocess.run(
            ["make", "redrive", f"FUNCTION={function}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )

        # THEN each refused order is processed exactly once, nothing else is, the record is gone
        assert run.returncode == 0, run.stdout + run.stderr
        assert "records redriven: 2" in run.stdout, run.stdout
        assert "failure records removed: 1" in run.stdout, run.stdout
        lines = wait_processed(logs, group, "gbp-2")
        redriven = processed_before + Counter({"gbp-1": 1, "gbp-2": 1})
        assert without(processed(lines), warm_ups) == redriven
        assert failure_records(localstack, outputs) == []
        # AND a second redrive finds nothing to do
        again = redrive(function)
        assert (again.ok, again.failure_records, again.records_redriven) == (True, 0, 0)
        assert without(processed(log_lines(logs, group)), warm_ups) == redriven
    nothing_left(localstack, stack.outputs)


def refused_batch_kept(
    localstack: LocalStack, outputs: dict[str, Any], since_ms: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The failure records and the batch summaries since since_ms, once every try is logged.

    A failure record counts the tries it ended (approximateInvokeCount); the function's logs reach
    CloudWatch Logs apart from it, so the record alone does not say they are all there.
    """
    failures = failure_records(localstack, outputs)
    if not failures:
        return None
    logs = localstack.client("logs")
    tries = summaries(json_lines(log_events(logs, outputs["log_group_name"], since_ms)))
    counted = sum(int(f["requestContext"]["approximateInvokeCount"]) for f in failures)
    return (failures, tries) if len(tries) >= counted else None


def kept_records_hold_the_refused_orders(
    localstack: LocalStack, outputs: dict[str, Any], failure: dict[str, Any], kind: str
) -> None:
    """S3 keeps the two refused orders; SQS keeps a range that also spans a change and a draft."""
    if kind == "s3":
        records = failure["payload"]["Records"]
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["gbp-1", "gbp-2"]
        return
    info = failure["DDBStreamBatchInfo"]
    first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    table = localstack.client("dynamodb").describe_table(TableName=outputs["table_name"])
    stream_arn = table["Table"]["LatestStreamArn"]
    stream = stream_records(localstack.client("dynamodbstreams"), stream_arn)
    spanned = [
        (r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"])
        for r in stream
        if first <= int(r["dynamodb"]["SequenceNumber"]) <= last
    ]
    # The redrive must re-read these and send only what the mapping's filter lets through.
    assert spanned == [
        ("INSERT", "gbp-1"),
        ("MODIFY", "new-3"),
        ("INSERT", "draft-3"),
        ("INSERT", "gbp-2"),
    ]


def alarms_notify_the_topic(localstack: LocalStack, outputs: dict[str, Any]) -> None:
    """The four alarms exist and each notifies the alarm topic, which exists."""
    names = [arn.split(":alarm:")[1] for arn in outputs["alarm_arns"].values()]
    alarms = localstack.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    topic = outputs["alarm_topic_arn"]
    assert sorted(outputs["alarm_arns"]) == [
        "dropped_records",
        "errors",
        "failed_records",
        "iterator_age",
    ]
    assert {a["AlarmName"]: (a["AlarmActions"], a["OKActions"]) for a in alarms} == {
        name: ([topic], [topic]) for name in names
    }
    mapping_alarms = [a for a in alarms if a["MetricName"] in MAPPING_METRICS]
    assert {a["MetricName"] for a in mapping_alarms} == MAPPING_METRICS
    for alarm in mapping_alarms:
        assert alarm["Dimensions"] == [
            {"Name": "EventSourceMappingUUID", "Value": outputs["event_source_mapping_uuid"]}
        ]
    sns = localstack.client("sns")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic


def key_encrypts_logs_bucket_and_topic(localstack: LocalStack, outputs: dict[str, Any]) -> None:
    """The example's key encrypts the log group, the failure bucket and the alarm topic."""
    key = outputs["kms_key_arn"]
    logs = localstack.client("logs")
    (group,) = logs.describe_log_groups(logGroupNamePrefix=outputs["log_group_name"])["logGroups"]
    assert group["kmsKeyId"] == key
    rules = localstack.client("s3").get_bucket_encryption(Bucket=outputs["failure_bucket_name"])
    (rule,) = rules["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    topic = localstack.client("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])
    assert topic["Attributes"]["KmsMasterKeyId"] == key
    # CloudWatch Logs may use the key for this log group only
    kms = localstack.client("kms")
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    logs_statement = statements["LogsEncryptTheFunctionsLogGroup"]
    assert logs_statement["Principal"] == {"Service": f"logs.{localstack.region}.amazonaws.com"}
    assert logs_statement["Condition"] == {
        "ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group["arn"].removesuffix(":*")}
    }


def tagged(localstack: LocalStack, outputs: dict[str, Any], tags: dict[str, str]) -> None:
    """The table and the function carry the example's tags."""
    dynamodb, lambda_ = localstack.client("dynamodb"), localstack.client("lambda")
    table_arn = dynamodb.describe_table(TableName=outputs["table_name"])["Table"]["TableArn"]
    table_tags = dynamodb.list_tags_of_resource(ResourceArn=table_arn)["Tags"]
    assert {t["Key"]: t["Value"] for t in table_tags} == tags
    function = lambda_.get_function(FunctionName=outputs["function_name"])
    assert function["Tags"] == tags


def failures_go_to_the_users_topic(
    localstack: LocalStack, outputs: dict[str, Any], bucket: str
) -> None:
    """The mapping's failure destination is the user's topic, the role may publish only to it, and
    the module's bucket (empty) is gone."""
    topic = outputs["failure_topic_arn"]
    assert topic is not None
    assert outputs["failure_destination_arn"] == topic
    assert "failure_bucket_name" not in outputs  # null
    assert bucket not in [b["Name"] for b in localstack.client("s3").list_buckets()["Buckets"]]
    mapping = localstack.client("lambda").get_event_source_mapping(
        UUID=outputs["event_source_mapping_uuid"]
    )
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == topic
    iam = localstack.client("iam")
    (policy_name,) = iam.list_role_policies(RoleName=outputs["role_name"])["PolicyNames"]
    document = iam.get_role_policy(RoleName=outputs["role_name"], PolicyName=policy_name)
    statements = {s["Sid"]: s for s in document["PolicyDocument"]["Statement"]}
    assert statements["SendFailedRecords"]["Action"] in ("sns:Publish", ["sns:Publish"])
    assert statements["SendFailedRecords"]["Resource"] in (topic, [topic])
    sns = localstack.client("sns")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic


def role_is_least_privilege(localstack: LocalStack, outputs: dict[str, Any]) -> None:
    """The role's only policy reads this table's stream, writes its logs, sends failures."""
    iam = localstack.client("iam")
    role = outputs["role_name"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    table = localstack.client("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]
    statements = {s["Sid"]: s for s in document["Statement"]}

    def listed(value: str | list[str]) -> list[str]:
        return [value] if isinstance(value, str) else value

    assert listed(statements["ReadStream"]["Resource"]) == [table["LatestStreamArn"]]
    assert listed(statements["ListTableStreams"]["Resource"]) == [f"{table['TableArn']}/stream/*"]
    actions = [a for s in document["Statement"] for a in listed(s["Action"])]
    assert not any("*" in a for a in actions), actions
    assert not set(actions) & set(FORBIDDEN_ACTIONS)
    resources = [r for s in document["Statement"] for r in listed(s["Resource"])]
    assert "*" not in resources


def nothing_left(localstack: LocalStack, outputs: dict[str, Any]) -> None:
    """After destroy: no function, mapping, table, failure destination, role or topic remains."""
    lambda_, dynamodb = localstack.client("lambda"), localstack.client("dynamodb")
    sqs, iam, s3 = localstack.client("sqs"), localstack.client("iam"), localstack.client("s3")
    names = lambda_.list_functions()["Functions"]
    assert outputs["function_name"] not in [f["FunctionName"] for f in names]
    mappings = lambda_.list_event_source_mappings()["EventSourceMappings"]
    assert outputs["event_source_mapping_uuid"] not in [m["UUID"] for m in mappings]
    assert outputs["table_name"] not in dynamodb.list_tables()["TableNames"]
    assert outputs.get("failure_queue_url") not in sqs.list_queues().get("QueueUrls", [])
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert outputs.get("failure_bucket_name") not in buckets
    assert outputs["role_name"] not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    topics = [t["TopicArn"] for t in localstack.client("sns").list_topics()["Topics"]]
    for name in ("alarm_topic_arn", "failure_topic_arn"):
        assert outputs.get(name) is None or outputs[name] not in topics, name
