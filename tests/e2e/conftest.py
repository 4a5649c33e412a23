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


LONGEST = {"test_faults.py", "test_faults_idempotent.py", "test_upgrade.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the end-to-end tests first, the longest (the two fault suites, the upgrade, about 2 min
    each) first of them.

    Under `pytest -n 4 --maxschedchunk 1` (make test, make e2e) the workers start the longest
    waits first, and no long test is left to start when the others have run out of tests.
    """
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        if here not in item.path.parents:
            return 2
        return 0 if item.path.name in LONGEST else 1

    items.sort(key=rank)  # stable: each group keeps its order
