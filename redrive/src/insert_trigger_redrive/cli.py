"""The console script: insert-trigger-redrive --function-name NAME [--dry-run]."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from insert_trigger_redrive.core import RedriveError, redrive

EXIT_OK = 0  # everything found was redriven (or nothing was found)
EXIT_INCOMPLETE = 1  # records failed again, or failure records are unrecoverable
EXIT_REFUSED = 2  # bad input or a setup the tool cannot redrive; nothing was changed


def parser() -> argparse.ArgumentParser:
    """The command line; credentials, region and endpoint come from the environment."""
    cli = argparse.ArgumentParser(
        prog="insert-trigger-redrive",
        description=(
            "Send the inserts a DynamoDB stream mapping failed to process (kept on its S3 or SQS "
            "on-failure destination) back through the same function, then remove each failure "
            "record whose inserts were all processed. AWS credentials, region and endpoint "
            "(AWS_ENDPOINT_URL) come from the environment."
        ),
        epilog=(
            "Exit codes: 0 everything found was redriven; 1 records failed again or failure "
            "records are unrecoverable (they stay on the destination); 2 refused, nothing changed."
        ),
    )
    cli.add_argument("--function-name", required=True, help="the Lambda function name or ARN")
    cli.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be redriven; invoke nothing, remove nothing",
    )
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    """Run one redrive; progress goes to stderr, the summary to stdout."""
    args = parser().parse_args(argv)
    try:
        summary = redrive(args.function_name, dry_run=args.dry_run)
    except RedriveError as error:
        print(f"insert-trigger-redrive: refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except (ClientError, BotoCoreError) as error:
        print(f"insert-trigger-redrive: AWS error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print(summary.report())
    return EXIT_OK if summary.ok else EXIT_INCOMPLETE
