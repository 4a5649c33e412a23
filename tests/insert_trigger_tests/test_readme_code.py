"""The READMEs' ```python blocks that use the handler library or the redrive, run as they stand.

The README's idempotent processor has its own test (test_delivery_guarantees.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

import insert_trigger
import insert_trigger_redrive.core
import pytest
from redrive.fakes import BUCKET_ARN, Aws, FakeLambda, failure_body, lambda_record, mapping, s3_key

from support import REPO

# ```python blocks that use the handler library or the redrive: each is run as it stands. A block
# is a fragment of the reader's own code, so it may use names it does not define; the test gives
# those, and says why, in GIVEN (its README and place -> the names, each with its stand-in).
PYTHON_READMES = [REPO / "README.md", *sorted(REPO.glob("examples/*/README.md"))]
PYTHON_READMES += [REPO / "redrive" / "README.md"]
USES = re.compile(r"\bprocess_inserts\b|\bredrive\b")


def python_blocks() -> dict[str, str]:
    """README and place ("README.md#2") -> each ```python block that USES names."""
    blocks = {}
    for readme in PYTHON_READMES:
        found = re.findall(r"^```python\n(.*?)^```", readme.read_text(), re.M | re.S)
        for i, block in enumerate(found, start=1):
            if USES.search(block):
                blocks[f"{readme.relative_to(REPO)}#{i}"] = block
    return blocks


BLOCKS = python_blocks()
EVENT = json.loads((REPO / "tests/insert_trigger_tests/events/mixed_batch.json").read_text())
INSERTED = [r["dynamodb"]["Keys"] for r in EVENT["Records"] if r["eventName"] == "INSERT"]


def run_handler_block(block: str, given: dict[str, Any], entry: str) -> None:
    """Run a handler block with the names it leaves to the reader; check its handler's work."""
    seen: list[dict[str, Any]] = []
    processor = next(n for n, v in given.items() if v is None)  # the reader's own processor
    namespace = given | {processor: lambda item, record: seen.append(record["dynamodb"]["Keys"])}
    exec(compile(block, entry, "exec"), namespace)  # noqa: S102
    handler = next(v for k, v in namespace.items() if k.endswith("handler") and callable(v))

    response = handler(EVENT, None)

    assert response == {"batchItemFailures": []}, entry
    assert seen == INSERTED, f"{entry}: the processor saw {seen}"


def run_redrive_block(block: str, entry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the redrive block against in-memory AWS holding one failed batch."""
    aws = Aws(FakeLambda(mapping(BUCKET_ARN)))
    aws.s3.put(s3_key("01"), failure_body(1, 1, {"Records": [lambda_record(1)]}))
    monkeypatch.setattr(insert_trigger_redrive.core, "aws_clients", lambda: aws.clients)

    exec(compile(block, entry, "exec"), {})  # noqa: S102  (its own `assert summary.ok` runs)

    assert len(aws.lambda_.invocations) == 1, entry
    assert aws.s3.objects == {}, f"{entry}: the failure record was not removed"


GIVEN: dict[str, dict[str, Any]] = {
    # The handler of "In a function of your own"; on_insert is the reader's processor.
    "README.md#1": {"on_insert": None},
    # The example's handler, shown without the import its file (function/orders_handler.py) has;
    # on_order is the example's processor.
    "examples/existing-function/README.md#1": {
        "process_inserts": insert_trigger.process_inserts,
        "on_order": None,
    },
    # Runs as written; the redrive's AWS clients are in-memory fakes (tests/redrive/fakes.py).
    "redrive/README.md#1": {},
}


def test_every_python_block_is_given_what_it_needs() -> None:
    assert sorted(BLOCKS) == sorted(GIVEN)


@pytest.mark.parametrize("entry", BLOCKS)
def test_python_block_runs(entry: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if entry.startswith("redrive/"):
        run_redrive_block(BLOCKS[entry], entry, monkeypatch)
    else:
        run_handler_block(BLOCKS[entry], GIVEN[entry], entry)
