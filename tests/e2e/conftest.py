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


# The longest end-to-end tests (about 70 to 110 s each here) and the shortest (a few seconds).
LONGEST = ("test_faults.py", "test_faults_idempotent.py", "test_upgrade.py", "test_kinesis.py")
SHORTEST = ("test_existing_table.py", "test_existing_function.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the end-to-end tests first, each of the longest paired with one of the shortest.

    Under `pytest -n 4 --maxschedchunk 1` (make test, make e2e) xdist starts each worker on two
    consecutive tests, then hands out one at a time: so each worker starts one of the longest
    waits, none starts two, and no long test is left to start when the others have run out.
    """
    here = Path(__file__).parent
    e2e = [item for item in items if here in item.path.parents]
    rest = [item for item in items if here not in item.path.parents]
    longest = [item for name in LONGEST for item in e2e if item.path.name == name]
    shortest = [item for name in SHORTEST for item in e2e if item.path.name == name]
    paired: list[pytest.Item] = []
    for index, item in enumerate(longest):
        paired += [item, *shortest[index : index + 1]]
    others = [item for item in e2e if item not in paired]
    items[:] = paired + others + rest
