"""Smoke test of the offline emulator (test infrastructure): is LocalStack host mode fit for e2e?

With LocalStack up (bash emulator/up.sh), run with any Python that has boto3:
    .venv/bin/python emulator/smoke.py
Checks, each reported PASS or FAIL with timings:
  filter   a stream ESM with an INSERT-only filter delivers the 3 INSERTs, no MODIFY or REMOVE
  failure  a handler that raises is retried once, then the record lands on an SQS destination
  runtime  the host executor: warm process, isolation, env vars, error shape, timeout
"""

from __future__ import annotations

import io
import json
import sys
import textwrap
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import boto3

ENDPOINT = "http://127.0.0.1:4566"
REGION = "us-east-1"
SUFFIX = uuid.uuid4().hex[:8]
INSERT_ONLY = {"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]}
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

PRINT_RECORDS = """
import json

def handler(event, context):
    for record in event["Records"]:
        print(json.dumps({"eventName": record["eventName"], "keys": record["dynamodb"]["Keys"]}))
    return {"batchItemFailures": []}
"""
ALWAYS_FAIL = """
def handler(event, context):
    print("failing on purpose")
    raise RuntimeError("failing on purpose")
"""
INSPECT = """
import importlib.util, os, sys, time

PID = os.getpid()

def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("bad input")
    return {
        "pid": PID,
        "python": sys.version.split()[0],
        "path0": sys.path[0],
        "boto3": importlib.util.find_spec("boto3") is not None,
        "localstack": importlib.util.find_spec("localstack") is not None,
        "function_name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "custom": os.environ.get("CUSTOM"),
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
"""


def client(service: str) -> Any:
    make: Callable[..., Any] = boto3.client  # the stubs only know literal service names
    return make(
        service,
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106  (the emulator's dummy credentials)
    )


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("app.py", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, textwrap.dedent(source))
    return buffer.getvalue()


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float, every_s: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(every_s)
    raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")


class Stack:
    """Creates resources and remembers how to delete them, newest first."""

    def __init__(self) -> None:
        self.ddb, self.iam, self.lam = client("dynamodb"), client("iam"), client("lambda")
        self.logs, self.sqs = client("logs"), client("sqs")
        self._undo: list[Callable[[], Any]] = []

    def table(self, name: str) -> str:
        self.ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        self._undo.append(lambda: self.ddb.delete_table(TableName=name))
        self.ddb.get_waiter("table_exists").wait(TableName=name)
        return str(self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"])

    def function(self, name: str, source: str, timeout_s: int = 10) -> None:
        role = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        self._undo.append(lambda: self.iam.delete_role(RoleName=name))
        self.lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Handler="app.handler",
            Role=role,
            Code={"ZipFile": zipped(source)},
            Timeout=timeout_s,
            Environment={"Variables": {"CUSTOM": "from-config"}},
        )
        self._undo.append(lambda: self.lam.delete_function(FunctionName=name))
        self._undo.append(lambda: self.logs.delete_log_group(logGroupName=f"/aws/lambda/{name}"))
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def mapping(self, stream_arn: str, function: str, **extra: Any) -> None:
        uuid_ = self.lam.create_event_source_mapping(
            EventSourceArn=stream_arn,
            FunctionName=function,
            StartingPosition="LATEST",
            BatchSize=10,
            **extra,
        )["UUID"]
        self._undo.append(lambda: self.lam.delete_event_source_mapping(UUID=uuid_))
        wait_for(
            "mapping Enabled",
            lambda: self.lam.get_event_source_mapping(UUID=uuid_)["State"] == "Enabled",
            30,
        )
        time.sleep(3)  # with LATEST, the poller must have its shard iterator before the writes

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self._undo.append(lambda: self.sqs.delete_queue(QueueUrl=url))
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, str(arn["Attributes"]["QueueArn"])

    def log_messages(self, function: str) -> list[str]:
        try:
            events = self.logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except self.logs.exceptions.ResourceNotFoundException:
            return []
        return [str(event["message"]).rstrip("\n") for event in events]

    def delete(self) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except Exception as error:  # best effort: report and go on
                print(f"  cleanup: {error}")


def check_filter(stack: Stack) -> None:
    name = f"smoke-filter-{SUFFIX}"
    t0 = time.monotonic()
    stream = stack.table(name)
    stack.function(name, PRINT_RECORDS)
    stack.mapping(
        stream,
        name,
        FilterCriteria=INSERT_ONLY,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    print(f"  setup (table, role, function, mapping enabled + 3 s): {time.monotonic() - t0:.1f} s")
    t1 = time.monotonic()
    for key in ("a", "b", "c"):
        stack.ddb.put_item(TableName=name, Item={"pk": {"S": key}, "v": {"N": "1"}})
    stack.ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    stack.ddb.delete_item(TableName=name, Key={"pk": {"S": "b"}})

    def records() -> list[dict[str, Any]]:
        lines = [m for m in stack.log_messages(name) if m.startswith('{"eventName"')]
        return [json.loads(line) for line in lines]

    wait_for("3 INSERT lines", lambda: len(records()) >= 3, 60)
    print(f"  writes -> 3 INSERT lines in the log group: {time.monotonic() - t1:.1f} s")
    time.sleep(5)  # room for a MODIFY or REMOVE that should never come
    seen = sorted((r["eventName"], r["keys"]["pk"]["S"]) for r in records())
    expected = [("INSERT", "a"), ("INSERT", "b"), ("INSERT", "c")]
    if seen != expected:
        raise AssertionError(f"delivered {seen}, expected {expected}")
    print(f"  delivered exactly {seen}")


def check_failure(stack: Stack) -> None:
    name = f"smoke-failure-{SUFFIX}"
    stream = stack.table(name)
    stack.function(name, ALWAYS_FAIL)
    url, arn = stack.queue(name)
    stack.mapping(
        stream,
        name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    t1 = time.monotonic()
    stack.ddb.put_item(TableName=name, Item={"pk": {"S": "x"}})

    def message() -> dict[str, Any] | None:
        got = stack.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        return json.loads(got[0]["Body"]) if got else None

    body = wait_for("on-failure message", message, 90, every_s=0)
    print(f"  write -> message on the on-failure queue: {time.monotonic() - t1:.1f} s")
    condition = body.get("requestContext", {}).get("condition")
    batch = body.get("DDBStreamBatchInfo", {})  # the key AWS uses for DynamoDB streams
    attempts = sum(m.startswith("START RequestId") for m in stack.log_messages(name))
    print(f"  message keys {sorted(body)}")
    print(f"  condition={condition} batchSize={batch.get('batchSize')} invocations={attempts}")
    if condition != "RetryAttemptsExhausted" or attempts != 2:  # 1 try + 1 retry
        raise AssertionError(f"expected RetryAttemptsExhausted after 2 invocations: {body}")


def check_runtime(stack: Stack) -> None:
    name = f"smoke-runtime-{SUFFIX}"
    stack.function(name, INSPECT, timeout_s=2)

    def invoke(event: dict[str, Any]) -> tuple[float, str | None, dict[str, Any]]:
        t = time.monotonic()
        response = stack.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read())
        return time.monotonic() - t, response.get("FunctionError"), payload

    cold_s, _, first = invoke({})
    warm_s, _, second = invoke({})
    print(f"  cold invoke {cold_s * 1000:.0f} ms, warm invoke {warm_s * 1000:.0f} ms")
    print(f"  sees: {json.dumps({k: v for k, v in first.items() if k != 'request_id'})}")
    problems = []
    if first["pid"] != second["pid"]:
        problems.append("no warm start (a new process per invoke)")
    if first["boto3"] or first["localstack"]:
        problems.append("the function sees the emulator's site-packages")
    if (first["function_name"], first["custom"]) != (name, "from-config"):
        problems.append("environment variables missing")
    _, error, failed = invoke({"fail": True})
    print(f"  raise -> FunctionError={error} {json.dumps(failed)[:160]}")
    if (
        error != "Unhandled"
        or failed.get("errorType") != "ValueError"
        or not failed.get("stackTrace")
    ):
        problems.append("error shape differs from Lambda's")
    took_s, error, timed_out = invoke({"sleep": 5})
    print(f"  sleep 5 s with Timeout=2 -> {took_s:.1f} s FunctionError={error} {timed_out}")
    if error != "Unhandled" or took_s > 4:
        problems.append("timeout not enforced")
    _, _, after = invoke({})
    if after["pid"] == first["pid"]:
        problems.append("timed-out process was not replaced")
    if problems:
        raise AssertionError("; ".join(problems))


def main() -> int:
    failures = 0
    for check in (check_runtime, check_filter, check_failure):
        stack = Stack()
        started = time.monotonic()
        print(f"{check.__name__}:")
        try:
            check(stack)
            print(f"PASS {check.__name__} ({time.monotonic() - started:.1f} s)")
        except Exception as error:  # report every check
            failures += 1
            print(f"FAIL {check.__name__}: {type(error).__name__}: {error}")
        finally:
            t = time.monotonic()
            stack.delete()
            print(f"  cleanup: {time.monotonic() - t:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
