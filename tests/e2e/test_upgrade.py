"""Upgrade from the previous release on LocalStack: nothing destroyed, no insert lost or repeated.

The previous release comes from git history, at the commit upgrade/previous_release names. The
same root module (upgrade/, one state) applies it with alarms on, then this checkout with the
settings CHANGELOG tells upgraders to set. Inserts are written before, during and after the second
apply, and counted from the function's log lines.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tarfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tftest

from support.local_stack import (
    REPO,
    LocalStack,
    consumer,
    log_lines,
    pending_changes,
    processed,
    put,
    unique,
    wait_until,
    warm_up,
    without,
    working_copy,
)
from support.tfplan import terraform_message

UPGRADE = Path(__file__).parent / "upgrade"
# What every user in this test has set: alarms on.
INPUTS: dict[str, Any] = {"create_alarms": True, "log_retention_in_days": 1}
# What CHANGELOG tells an upgrader from each release to set ("Upgrading from 0.1.0"): keep the
# SQS queue; the alarms need the mapping's metrics (0.1.0's default already, so no change here).
# A user of a later release has set them already.
UPGRADE_SETTINGS: dict[str, dict[str, Any]] = {
    "v0.1.0": {"failure_destination": "sqs", "metrics": ["EventCount"]},
}
# None of these may be destroyed or replaced by the upgrade (new ones may be created).
KEPT = (
    "aws_dynamodb_table",
    "aws_lambda_event_source_mapping",
    "aws_lambda_function",
    "aws_iam_role",
    "aws_cloudwatch_log_group",
    "aws_sqs_queue",
    "aws_s3_bucket",
    "aws_cloudwatch_metric_alarm",
)
# DynamoDB's refusal to delete a protected table, as a destroy shows it.
PROTECTED = "Resource cannot be deleted as it is currently protected against deletion"


def previous_release(into: Path) -> tuple[str, Path]:
    """The previous release's module, extracted from git history into `into`; its version too."""
    version, commit = (UPGRADE / "previous_release").read_text().split()
    found = subprocess.run(
        ["git", "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        pytest.fail(
            f"commit {commit} of {version} (tests/e2e/upgrade/previous_release) is not in this "
            "clone's history, which the upgrade test takes it from. A shallow clone lacks it: "
            "run `git fetch --unshallow` (or `git fetch origin "
            f"{commit}`), then run the test again.",
            pytrace=False,
        )
    archive = into / "release.tar"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "--output", str(archive), commit], check=True
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into / version, filter="data")
    return version, into / version


def release_key(version: str) -> tuple[int, ...]:
    """A release's place in order: v0.10.0 after v0.9.0."""
    return tuple(int(part) for part in version.removeprefix("v").split("."))


def settings(upgrading_from: str, include_it: bool) -> dict[str, Any]:
    """The upgrade settings of every release before `upgrading_from` (and of it, if include_it)."""
    last = release_key(upgrading_from)
    chosen: dict[str, Any] = {}
    for release, values in sorted(UPGRADE_SETTINGS.items(), key=lambda item: release_key(item[0])):
        if release_key(release) < last or (include_it and release_key(release) == last):
            chosen |= values
    return chosen


def use_module(tf: tftest.TerraformTest, name: str, module: Path, inputs: dict[str, Any]) -> None:
    """Call `module` (linked as ./name) with `inputs`, and init.

    A new source, as a user's new `ref=`: init then reads the module from its new place.
    """
    link = Path(tf.tfdir) / name
    link.symlink_to(module)
    call = {"source": f"./{name}"} | inputs
    (link.parent / "module.tf.json").write_text(json.dumps({"module": {"insert_trigger": call}}))
    tf.setup(upgrade=False, cleanup_on_exit=False)


def kept_changes(plan: Any) -> dict[str, list[str]]:
    """Each planned change to a resource the upgrade must keep: address and actions."""
    return {
        address: change["change"]["actions"]
        for address, change in plan.resource_changes.items()
        if change["type"] in KEPT
    }


def summary(plan: Any) -> dict[str, list[str]]:
    """The plan in short: moved (old -> new), updated, created, deleted, replaced addresses."""
    moves, updates, creates, deletes, replaces = [], [], [], [], []
    for address, change in plan.resource_changes.items():
        actions = change["change"]["actions"]
        if change.get("previous_address"):
            moves.append(f"{change['previous_address']} -> {address}")
        if actions == ["update"]:
            updates.append(address)
        elif actions == ["create"]:
            creates.append(address)
        elif actions == ["delete"]:
            deletes.append(address)
        elif "delete" in actions:
            replaces.append(address)
    return {
        "moved": moves,
        "updated": updates,
        "created": creates,
        "deleted": deletes,
        "replaced": replaces,
    }


class Writer(threading.Thread):
    """Inserts items one after another until told to stop; remembers the keys it wrote."""

    def __init__(self, dynamodb: Any, table: str, prefix: str) -> None:
        super().__init__(daemon=True)
        self.dynamodb, self.table, self.prefix = dynamodb, table, prefix
        self.keys: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            key = f"{self.prefix}-{len(self.keys) + 1}"
            put(self.dynamodb, self.table, {"pk": {"S": key}})
            self.keys.append(key)


def wait_all_processed(logs: Any, group: str, keys: list[str]) -> Counter[str]:
    """Wait until every key was processed at least once; return the processed counts so far."""

    def probe() -> Counter[str] | None:
        counts = processed(log_lines(logs, group))
        return counts if all(counts[k] for k in keys) else None

    return wait_until(
        f"{len(keys)} inserts ({keys[0]} to {keys[-1]}) to be processed",
        probe,
        lambda: {k: n for k, n in processed(log_lines(logs, group)).items() if k in keys},
    )


def test_upgrade_from_previous_release_destroys_and_loses_nothing(
    localstack: LocalStack, tmp_path: Path
) -> None:
    version, release = previous_release(tmp_path)
    folder = working_copy(UPGRADE)
    table = unique("upgrade-table")
    inputs = {"name": unique("upgrade"), "table_name": table} | INPUTS
    tf = tftest.TerraformTest(str(folder), binary="terraform")
    dynamodb, logs = localstack.client("dynamodb"), localstack.client("logs")
    try:
        # GIVEN the previous release applied, with alarms, and inserts it processed
        use_module(tf, f"module-{version}", release, inputs | settings(version, False))
        tf.apply()
        outputs = tf.output()["module"]
        group = outputs["log_group_name"]
        warm_ups = warm_up(localstack, table, [consumer(outputs)])
        before = [f"before-{n}" for n in range(1, 6)]
        for pk in before:
            put(dynamodb, table, {"pk": {"S": pk}})
        wait_all_processed(logs, group, before)

        # WHEN the same root module points at this checkout, with the upgrade settings
        use_module(tf, "module-checkout", REPO, inputs | settings(version, True))
        plan = tf.plan(output=True)

        # THEN the plan destroys and replaces nothing that holds data or runs the inserts
        print(f"\nupgrade plan from {version}: {json.dumps(summary(plan), indent=1)}")
        changes = kept_changes(plan)
        assert {a: c for a, c in changes.items() if "delete" in c} == {}, changes
        # (an address changed without a moved block would show here as a delete)

        # WHEN it is applied while inserts keep arriving, and more come after
        writer = Writer(dynamodb, table, "during")
        writer.start()
        try:
            tf.apply()
        finally:
            writer.stop.set()
            writer.join()
        after = [f"after-{n}" for n in range(1, 6)]
        for pk in after:
            put(dynamodb, table, {"pk": {"S": pk}})

        # THEN each insert, before, during and after, was processed exactly once
        written = before + writer.keys + after
        counts = without(wait_all_processed(logs, group, after + writer.keys), warm_ups)
        print(
            f"inserts: {len(before)} before, {len(writer.keys)} during, {len(after)} after; "
            f"processed once: {sum(1 for k in written if counts[k] == 1)}, "
            f"more than once: {sum(1 for k in written if counts[k] > 1)}, "
            f"lost: {sum(1 for k in written if counts[k] == 0)}"
        )
        assert writer.keys, "no insert was written while the upgrade applied"
        assert counts == Counter(dict.fromkeys(written, 1))
        # AND a second plan wants nothing
        assert pending_changes(tf.plan(output=True)) == []

        # AND the table is now protected (deletion_protection_enabled, on by default): a destroy
        # removes the rest and fails on the table, with DynamoDB's error
        with pytest.raises(tftest.TerraformTestError) as refused:
            tf.destroy()
        message = terraform_message(refused.value)
        assert PROTECTED in message, message
        print(f"protected destroy: {message[message.index('Error: ') :][:400]}")
        assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    finally:
        unprotect(dynamodb, table)
        tf.destroy()
    shutil.rmtree(folder)


def unprotect(dynamodb: Any, table: str) -> None:
    """Turn the table's deletion protection off, so the test's destroy can delete it."""
    with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
