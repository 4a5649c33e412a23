"""End-to-end fixtures: the LocalStack named by AWS_ENDPOINT_URL, or our emulator by default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import lifecycle
from support.local_stack import (
    AWS_ENV_CLEARED,
    LocalStack,
    aws_env,
    endpoint_url,
)


@pytest.fixture(scope="session")
def localstack() -> Iterator[LocalStack]:
    """LocalStack with the AWS env vars aimed at it, for the session.

    The default endpoint is our emulator (emulator/), started if it does not answer and stopped
    at the end if this fixture started it and no other test process still uses it. Another
    endpoint (AWS_ENDPOINT_URL or LOCALSTACK_HOST) is the user's: never started nor stopped.
    """
    endpoint = endpoint_url()
    ours = lifecycle.is_ours(endpoint)
    if ours:
        try:
            lifecycle.join()
        except RuntimeError as error:
            pytest.fail(str(error), pytrace=False)
    elif not lifecycle.answers(endpoint):
        pytest.fail(lifecycle.not_answering(endpoint), pytrace=False)
    with pytest.MonkeyPatch.context() as env:
        for name in AWS_ENV_CLEARED:
            env.delenv(name, raising=False)
        for name, value in aws_env(endpoint).items():
            env.setenv(name, value)
        try:
            yield LocalStack(endpoint)
        finally:
            if ours:
                lifecycle.leave()


# Seconds each end-to-end test took in a clean-clone `make test` here (pytest --durations, six
# workers), by test name or file; only their order matters: it decides which tests start first.
SECONDS_TAKEN = {
    "test_upgrade.py": 156,
    "test_kinesis_example_processes_inserts_in_order_and_redrives_a_refused_one[sqs]": 146,
    "test_faults.py": 138,
    "test_kinesis_example_processes_inserts_in_order_and_redrives_a_refused_one[s3]": 137,
    "test_faults_idempotent.py": 137,
    "test_complete_example": 135,
    "test_content_filter_example_keeps_and_redrives_refused_orders[s3]": 127,
    "test_existing_table_example": 120,
    "test_content_filter_example_keeps_and_redrives_refused_orders[sqs]": 111,
    "test_existing_function.py": 96,
    "test_existing_table.py": 10,
}


def seconds_taken(item: pytest.Item) -> int:
    """What SECONDS_TAKEN says for the test, by name or by file; a new test counts as long."""
    return SECONDS_TAKEN.get(item.name, SECONDS_TAKEN.get(item.path.name, 120))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the end-to-end tests first, the longest paired with the shortest, and so on inwards.

    Under `pytest -n N --maxschedchunk 1` (make test, make e2e) xdist starts each worker on two
    consecutive tests, then hands out one at a time: so the longest waits start at once, on
    different workers, each beside a short one, and no long test is left to start last.
    """
    here = Path(__file__).parent
    e2e = sorted(
        (item for item in items if here in item.path.parents), key=seconds_taken, reverse=True
    )
    rest = [item for item in items if here not in item.path.parents]
    paired: list[pytest.Item] = []
    while e2e:
        paired.append(e2e.pop(0))
        if e2e:
            paired.append(e2e.pop())
    items[:] = paired + rest
