"""The AWS APIs the tool calls, as the narrow shapes it uses, and how to make real clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

import boto3
from botocore.exceptions import ClientError


class LambdaApi(Protocol):
    """The Lambda calls used: find the mapping, invoke the function."""

    def list_event_source_mappings(self, **kwargs: Any) -> dict[str, Any]: ...
    def invoke(self, **kwargs: Any) -> dict[str, Any]: ...


class S3Api(Protocol):
    """The S3 calls used on the failure bucket."""

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]: ...
    def get_object(self, **kwargs: Any) -> dict[str, Any]: ...
    def delete_object(self, **kwargs: Any) -> dict[str, Any]: ...


class SqsApi(Protocol):
    """The SQS calls used on the failure queue."""

    def get_queue_url(self, **kwargs: Any) -> dict[str, Any]: ...
    def receive_message(self, **kwargs: Any) -> dict[str, Any]: ...
    def delete_message(self, **kwargs: Any) -> dict[str, Any]: ...
    def change_message_visibility(self, **kwargs: Any) -> dict[str, Any]: ...


class StreamsApi(Protocol):
    """The DynamoDB Streams (or Kinesis) calls used to re-read a failed range."""

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]: ...
    def get_records(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Clients:
    """One client per service; tests pass fakes or stubbed botocore clients."""

    lambda_: LambdaApi
    s3: S3Api
    sqs: SqsApi
    streams: StreamsApi
    kinesis: StreamsApi | None = None  # for a Kinesis mapping's ranges; made when first needed


def aws_clients() -> Clients:
    """Clients from the environment: credentials, region, AWS_ENDPOINT_URL, as boto3 reads them."""
    session = boto3.session.Session()
    # The typed boto3 clients have keyword-exact signatures; these protocols only name the calls.
    return Clients(
        lambda_=cast("LambdaApi", session.client("lambda")),
        s3=cast("S3Api", session.client("s3")),
        sqs=cast("SqsApi", session.client("sqs")),
        streams=cast("StreamsApi", session.client("dynamodbstreams")),
        kinesis=cast("StreamsApi", session.client("kinesis")),
    )


def error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError ('' when absent)."""
    return str(error.response.get("Error", {}).get("Code", ""))
