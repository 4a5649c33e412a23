"""LocalStack helpers shared by the end-to-end tests, `make demo` and `make bench`.

Test infrastructure, apart from emulator/ (which only installs, starts and stops LocalStack).
Apply a root module, write items, and read back what the mapping delivered and the handler did:
from AWS APIs only, so they run on any LocalStack (see `endpoint_url`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest
from localstack_client import config as localstack_config
from localstack_client.session import Session

from emulator.lifecycle import DEFAULT_ENDPOINT_URL
from support.tfplan import tf_value

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
REGION = "us-east-1"
# Dummy credentials: LocalStack maps them to its default account, 000000000000.
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
AWS_ENV_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# Where the emulator's Lambda executor notes what each invocation was given (test infrastructure;
# absent on another LocalStack, or with HOST_LAMBDA_DELIVERIES=off).
DELIVERIES = REPO / ".local" / "emulator" / "deliveries"
# One suffix per test session keeps names unique when an emulator outlives a failed run.
RUN = uuid.uuid4().hex[:6]


def endpoint_url() -> str:
    """The LocalStack to use, as localstack-client reads it from the environment.

    AWS_ENDPOINT_URL first, else LOCALSTACK_HOST (host:port, https with USE_SSL=1), else ours.
    """
    if os.environ.get("AWS_ENDPOINT_URL", "").strip() or os.environ.get("LOCALSTACK_HOST"):
        return str(localstack_config.get_service_endpoint("lambda"))
    return DEFAULT_ENDPOINT_URL


def aws_env(endpoint: str) -> dict[str, str]:
    """What points boto3 and the AWS provider at `endpoint`: environment only, no code changes."""
    return {
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def aim_at_localstack() -> str:
    """Point this process (and the terraform and boto3 it starts) at LocalStack; return its URL."""
    endpoint = endpoint_url()
    for name in AWS_ENV_CLEARED:
        os.environ.pop(name, None)
    os.environ.update(aws_env(endpoint))
    return endpoint


@dataclass(frozen=True)
class LocalStack:
    """The LocalStack in use: its endpoint, and boto3 clients from localstack-client."""

    endpoint_url: str = DEFAULT_ENDPOINT_URL
    region: str = REGION

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on this LocalStack."""
        client = Session(region_name=self.region, **CREDENTIALS).client(service)
        # localstack-client takes the endpoint from the environment (aim_at_localstack sets it).
        if client.meta.endpoint_url.rstrip("/") != self.endpoint_url.rstrip("/"):
            raise RuntimeError(
                f"localstack-client reaches {client.meta.endpoint_url}, not {self.endpoint_url}: "
                "call aim_at_localstack() (or use the localstack fixture) first"
            )
        return client


def summaries(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The handler's "batch summary" lines: one per invocation that returned."""
    return [line for line in lines if line.get("message") == "batch summary"]


def received(lines: list[dict[str, Any]]) -> Counter[str]:
    """Records the mapping handed the function, by eventName, from its batch summary lines."""
    return sum((Counter(line["received"]) for line in summaries(lines)), Counter[str]())


def executor_notes(function_name: str) -> list[dict[str, Any]] | None:
    """The stream records our emulator's executor saw the function get; None without notes.

    An extra check only: another LocalStack, or HOST_LAMBDA_DELIVERIES=off, writes none.
    """
    path = DELIVERIES / f"{function_name}.jsonl"
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    return [record for line in lines for record in json.loads(line)["records"]]


def unique(name: str) -> str:
    """A resource name unique to this test session."""
    return f"e2e-{name}-{RUN}"


def pending_changes(plan: Any) -> list[str]:
    """Addresses a plan would change (anything but no-op and reads)."""
    return [
        address
        for address, change in plan.resource_changes.items()
        if set(change["change"]["actions"]) - {"no-op", "read"}
    ]


@dataclass
class Applied:
    """An applied root module: its outputs and the changes a second plan still wanted."""

    outputs: dict[str, Any]
    second_plan_changes: list[str] = field(default_factory=list)
    # The working copy's Terraform, to apply it again with other inputs (the same state).
    tf: tftest.TerraformTest | None = None


def working_copy(tfdir: Path) -> Path:
    """A fresh folder of links to a root module's files, as deep below the repository as tfdir.

    Its own Terraform state and working files, so two tests can apply the same example at once;
    the same depth, so relative module sources ("../..") still reach the module.
    """
    depth = len(tfdir.relative_to(REPO).parts)
    name = f"{tfdir.name}-{uuid.uuid4().hex[:8]}"
    folder = REPO.joinpath(".e2e", *["nested"] * (depth - 2), name)
    folder.mkdir(parents=True)
    for entry in tfdir.iterdir():
        if not entry.name.startswith((".terraform", "terraform.tfstate")):
            (folder / entry.name).symlink_to(entry)
    return folder


@contextmanager
def applied(tfdir: Path, tf_vars: dict[str, Any], replan: bool = True) -> Iterator[Applied]:
    """Apply a root module, plan it again (unless not replan), hand over its outputs, destroy it.

    It runs in a working copy (working_copy), removed once the destroy succeeded.
    """
    folder = working_copy(tfdir)
    tf_vars = {name: tf_value(value) for name, value in tf_vars.items()}
    tf = tftest.TerraformTest(str(folder), binary="terraform")
    tf.setup(upgrade=False, cleanup_on_exit=False)
    try:
        tf.apply(tf_vars=tf_vars)
        outputs = dict(tf.output().items())
        if not replan:
            yield Applied(outputs, tf=tf)
            return
        yield Applied(outputs, changes_planned(tf, tf_vars), tf)
    finally:
        # Without a refresh: the state is this apply's, and nothing the tests change (function
        # settings, objects in a force-destroy bucket) stands in a destroy's way.
        tf.destroy(tf_vars=tf_vars, refresh=False)
        shutil.rmtree(folder)


def changes_planned(tf: tftest.TerraformTest, tf_vars: dict[str, Any]) -> list[str]:
    """Addresses a new plan would change; the plan is only read (show -json) when it has some."""
    plan_file = Path(tf.tfdir) / "second.tfplan"
    args = tftest.parse_args(input=False, color=False, tf_vars=tf_vars)
    planned = tf.execute_command("plan", *args, "-detailed-exitcode", f"-out={plan_file}")
    if planned.retcode == 0:  # Terraform's exit code for "No changes"
        return []
    shown = tf.execute_command("show", "-no-color", "-json", str(plan_file))
    return pending_changes(tftest.TerraformPlanOutput(json.loads(shown.out)))


def wait_until[T](
    what: str,
    probe: Callable[[], T | None],
    seen: Callable[[], object],
    timeout: float = 120,
) -> T:
    """Call probe every second until it returns something, or fail saying what never happened.

    The failure also says what `seen` found at the deadline: the last state observed instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            try:
                last = seen()
            except Exception as error:  # the timeout is the failure to report, not this
                last = f"(could not be read: {error!r})"
            raise AssertionError(
                f"timed out after {timeout:.0f} s waiting for {what}; seen: {last}"
            )
        time.sleep(1)


def wait_for_mapping(lambda_client: Any, uuid_: str) -> None:
    """Wait until the event source mapping is Enabled."""

    def state() -> str:
        mapping = lambda_client.get_event_source_mapping(UUID=uuid_)
        reason = mapping.get("StateTransitionReason", "no reason given")
        return f"State {mapping['State']} ({reason})"

    wait_until(
        f"mapping {uuid_} to be Enabled",
        lambda: (
            True
            if lambda_client.get_event_source_mapping(UUID=uuid_)["State"] == "Enabled"
            else None
        ),
        seen=state,
    )


def log_events(logs: Any, group: str, start_ms: int | None = None) -> list[dict[str, Any]]:
    """The log group's events (timestamp, message), oldest first; from start_ms on if given."""
    paginator = logs.get_paginator("filter_log_events")
    since = {} if start_ms is None else {"startTime": start_ms}
    try:
        pages = list(paginator.paginate(logGroupName=group, **since))
    except logs.exceptions.ResourceNotFoundException:
        return []
    return sorted((e for p in pages for e in p["events"]), key=lambda e: e["timestamp"])


def log_lines(logs: Any, group: str) -> list[dict[str, Any]]:
    """Every JSON line the function wrote to its log group, oldest first."""
    return json_lines(log_events(logs, group))


def json_lines(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON lines among log events' messages, in order."""
    return [
        json.loads(text)
        for event in events
        for text in event["message"].splitlines()
        if text.startswith("{")
    ]


def processed(lines: list[dict[str, Any]], key: str = "pk") -> Counter[str]:
    """How many times each item (by its partition key) was processed."""
    return Counter(
        str(line["keys"][key]) for line in lines if line.get("message") == "insert processed"
    )


def failed(lines: list[dict[str, Any]], key: str = "pk") -> Counter[str]:
    """How many times processing each item (by its partition key) failed."""
    return Counter(
        str(line["keys"][key]) for line in lines if line.get("message") == "insert failed"
    )


def digest(lines: list[dict[str, Any]]) -> str:
    """What a function's log lines say, in one line: for a timeout message."""
    by_message: dict[str, Counter[str]] = {}
    for line in lines:
        if isinstance(line.get("keys"), dict):
            keys = ",".join(str(v) for v in line["keys"].values())
            by_message.setdefault(str(line.get("message")), Counter())[keys] += 1
    batches = [
        {k: line.get(k) for k in ("received", "processed", "failed", "left_for_retry")}
        for line in summaries(lines)
    ]
    return (
        f"{len(lines)} JSON log lines; by message and keys: "
        f"{ {m: dict(c) for m, c in by_message.items()} }; "
        f"{len(batches)} batch summaries, the last three: {batches[-3:]}"
    )


def wait_processed(logs: Any, group: str, pk: str, key: str = "pk") -> list[dict[str, Any]]:
    """Wait until the item with partition key pk was processed and its invocation summarised.

    Returns all lines so far.
    """

    def probe() -> list[dict[str, Any]] | None:
        lines = log_lines(logs, group)
        done = [
            n
            for n, line in enumerate(lines)
            if line.get("message") == "insert processed" and str(line["keys"][key]) == pk
        ]
        return lines if done and summaries(lines[done[-1] :]) else None

    return wait_until(
        f"item {pk} to be processed and summarised (log group {group})",
        probe,
        seen=lambda: digest(log_lines(logs, group)),
    )


@dataclass(frozen=True)
class Consumer:
    """A mapping and the log group of the function it feeds."""

    mapping_uuid: str
    log_group: str


def consumer(outputs: dict[str, Any]) -> Consumer:
    """The mapping and log group an example's outputs name."""
    return Consumer(outputs["event_source_mapping_uuid"], outputs["log_group_name"])


def warm_up(
    localstack: LocalStack,
    table: str,
    consumers: list[Consumer],
    *,
    item: dict[str, Any] | None = None,
    key: str = "pk",
    arrived: Callable[[list[dict[str, Any]]], Collection[str]] | None = None,
    timeout: float = 120,
) -> list[str]:
    """Insert warm-up items until each consumer got one: a poller misses writes made as it starts.

    Then wait until each got the last one written: once a poller delivered one, it delivers every
    later write, so no warm-up item reaches a function after this returns (earlier ones came
    before, or never come). Returns the keys inserted ("warm-up-<id>-1", ...).
    `arrived` gives the keys a function's log lines show arrived (default: processed ones).
    """
    dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
    for each in consumers:
        wait_for_mapping(localstack.client("lambda"), each.mapping_uuid)
    came = arrived or (lambda lines: processed(lines, key))
    prefix = f"warm-up-{uuid.uuid4().hex[:6]}"
    keys: list[str] = []
    next_write = [time.monotonic()]

    def arrivals() -> list[set[str]]:
        return [set(came(log_lines(logs, each.log_group))) & set(keys) for each in consumers]

    def probe() -> bool | None:
        got = arrivals()
        if keys and all(keys[-1] in each for each in got):
            return True
        if not all(got) and time.monotonic() >= next_write[0]:
            # Another one, every 5 s, until every poller delivered one.
            keys.append(f"{prefix}-{len(keys) + 1}")
            put(dynamodb, table, {key: {"S": keys[-1]}, **(item or {})})
            next_write[0] = time.monotonic() + 5
        return None

    def seen() -> str:
        got = {each.log_group: sorted(k) for each, k in zip(consumers, arrivals(), strict=True)}
        return f"warm-up items written {keys}; arrived, by log group: {got}"

    wait_until("the last warm-up item written to reach every function", probe, seen, timeout)
    return keys


def without(counts: Counter[str], keys: list[str]) -> Counter[str]:
    """`counts` less the given keys (warm-up items), after checking none came more than once."""
    repeated = {k: counts[k] for k in keys if counts[k] > 1}
    if repeated:
        raise AssertionError(f"warm-up items processed more than once: {repeated}")
    return Counter({k: n for k, n in counts.items() if k not in keys})


def put(dynamodb: Any, table: str, item: dict[str, Any]) -> None:
    """Insert an item given in DynamoDB JSON."""
    dynamodb.put_item(TableName=table, Item=item)


def put_together(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    """Write items (DynamoDB JSON) in one TransactWriteItems, to make them one batch.

    DynamoDB Local makes a transaction's stream records readable together, where a BatchWriteItem's
    appear one by one: a poll takes all of them or none, and the mapping hands them to the function
    in one batch (up to batch_size). Tests still check the batch they got.
    """
    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": item}} for item in items]
    )


def batch_sizes(lines: list[dict[str, Any]], failures: list[dict[str, Any]]) -> list[int]:
    """How many records each batch held: from batch summary lines and failure records."""
    sizes = [sum(line["received"].values()) for line in summaries(lines)]
    for failure in failures:
        if "payload" in failure:
            sizes.append(len(failure["payload"]["Records"]))
        else:
            sizes.append(int(failure["DDBStreamBatchInfo"]["batchSize"]))
    return sizes


def set_environment(lambda_client: Any, function_name: str, variables: dict[str, str]) -> None:
    """Replace the function's environment variables and wait until the change is in force."""
    lambda_client.update_function_configuration(
        FunctionName=function_name, Environment={"Variables": variables}
    )

    def status() -> str:
        settings = lambda_client.get_function_configuration(FunctionName=function_name)
        return (
            f"LastUpdateStatus {settings.get('LastUpdateStatus')} "
            f"({settings.get('LastUpdateStatusReason', 'no reason given')})"
        )

    wait_until(
        f"the new environment of {function_name} to be in force",
        lambda: (
            True
            if lambda_client.get_function_configuration(FunctionName=function_name).get(
                "LastUpdateStatus"
            )
            == "Successful"
            else None
        ),
        seen=status,
    )


def stream_records(streams: Any, stream_arn: str) -> list[dict[str, Any]]:
    """Every record still on a DynamoDB stream, each shard from its oldest record (TRIM_HORIZON)."""
    records: list[dict[str, Any]] = []
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        ).get("ShardIterator")
        while iterator:
            answer = streams.get_records(ShardIterator=iterator)
            if not answer["Records"]:
                break  # an open shard always hands out a next iterator: stop at its end
            records += answer["Records"]
            iterator = answer.get("NextShardIterator")
    return records


@dataclass
class FailureDestination:
    """An on-failure destination, an SQS queue or an S3 bucket, read and emptied as it fills."""

    sqs: Any
    s3: Any
    queue_url: str | None = None
    bucket: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)

    def drain(self) -> list[dict[str, Any]]:
        """Move the failure records that arrived since the last call into `received`; return all."""
        if self.queue_url:
            while messages := self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", []):
                for message in messages:
                    self.received.append(json.loads(message["Body"]))
                    self.sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
        if self.bucket:
            listing = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
            for key in sorted(o["Key"] for page in listing for o in page.get("Contents", [])):
                body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                self.received.append(json.loads(body))
                self.s3.delete_object(Bucket=self.bucket, Key=key)
        return self.received


def covered_inserts(
    failures: list[dict[str, Any]], stream: list[dict[str, Any]], key: str = "pk"
) -> Counter[str]:
    """How many failure records cover each insert (by partition key).

    A record either carries its stream records (S3: payload.Records) or names a range of
    sequence numbers (SQS, SNS: DDBStreamBatchInfo), resolved against the stream's records.
    """
    covered: Counter[str] = Counter()
    for failure in failures:
        if "payload" in failure:
            records = failure["payload"]["Records"]
        else:
            info = failure["DDBStreamBatchInfo"]
            first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
            records = [r for r in stream if first <= int(r["dynamodb"]["SequenceNumber"]) <= last]
        for record in records:
            if record.get("eventName") == "INSERT":
                (value,) = record["dynamodb"]["Keys"][key].values()
                covered[str(value)] += 1
    return covered


def failure_records(localstack: LocalStack, outputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The failure records on an example's destination (queue or bucket), left where they are."""
    if outputs.get("failure_queue_url"):
        sqs = localstack.client("sqs")
        answer = sqs.receive_message(
            QueueUrl=outputs["failure_queue_url"],
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=0,  # still there for the next reader
        )
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    s3, bucket = localstack.client("s3"), outputs["failure_bucket_name"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    return [json.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in keys]


def dynamodb_change(
    table: str,
    number: int,
    event_name: str,
    pk: str,
    new: dict[str, Any] | None = None,
    *,
    created_us: int = 1_795_770_000_000_000,
) -> dict[str, Any]:
    """Change `number` to item `pk` as DynamoDB writes it to a Kinesis data stream (Kinesis Data
    Streams for DynamoDB, microsecond timestamps). `new` is the item's new image less its key."""
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": created_us + number,
        "Keys": {"pk": {"S": pk}},
        "SizeBytes": 64,
        "ApproximateCreationDateTimePrecision": "MICROSECOND",
    }
    if new is not None:
        dynamodb["NewImage"] = {"pk": {"S": pk}, **new}
    if event_name != "INSERT":
        dynamodb["OldImage"] = {"pk": {"S": pk}, "status": {"S": "NEW"}, "total": {"N": "1"}}
    return {
        "awsRegion": REGION,
        "eventID": f"change-{number}",
        "eventName": event_name,
        "userIdentity": None,
        "recordFormat": "application/json",
        "tableName": table,
        "dynamodb": dynamodb,
        "eventSource": "aws:dynamodb",
    }


def publish_changes(kinesis: Any, stream_arn: str, changes: list[dict[str, Any]]) -> None:
    """Put DynamoDB change records on a Kinesis stream in order, each item's key its partition
    key, as DynamoDB does; the pinned LocalStack forwards no table change there itself."""
    for start in range(0, len(changes), 500):  # PutRecords takes 500 records at most
        answer = kinesis.put_records(
            StreamARN=stream_arn,
            Records=[
                {"Data": json.dumps(c).encode(), "PartitionKey": c["dynamodb"]["Keys"]["pk"]["S"]}
                for c in changes[start : start + 500]
            ],
        )
        if answer["FailedRecordCount"]:
            raise AssertionError(f"Kinesis refused records: {answer['Records']}")
