"""The plan layer's fixtures: every scenario of a kind planned once, in one root module.

Each kind has a root whose main.tf calls the module (a folder of links to the checkout) once per
scenario, and one Terraform run for all of them; the tests read their own scenario's part.
Accepted inputs: one plan, read as JSON. Refused inputs: one plan, whose errors name the module
call they belong to; the scenarios it reported nothing for are planned again (a failing
validation stops Terraform before it checks preconditions), alone when an error cannot be placed.
IAM scoping: one `terraform test` on a mocked provider.

The first test that needs any kind starts every kind the session's tests need, at once, each in a
thread (Terraform does the work, in its own processes). Each result is kept as JSON in the
session's temporary folder, under a lock: with xdist, whichever worker asks first runs it, and
the others wait for it and read it, so no Terraform run happens twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import tftest

from support.tfplan import (
    MOCKED,
    MODULE_FOLDER,
    PLAN_PROVIDER,
    PLANNED,
    REFUSED,
    Plan,
    Root,
    Scenario,
    diagnostics,
    error_text,
    link_module,
    mocked_test_file,
    run_results,
)

# Files a README block names that the checkout does not have: a stand-in for each, in its root.
STAND_INS = {"build/orders.zip": "lambda/insert_trigger.zip"}


def terraform_root(folder: Path, root: Root) -> tftest.TerraformTest:
    """A root module in folder: main.tf, the test provider, the module linked as ./module."""
    link_module(folder / MODULE_FOLDER)
    (folder / PLAN_PROVIDER.name).symlink_to(PLAN_PROVIDER)
    for name, source in STAND_INS.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).symlink_to(folder / MODULE_FOLDER / source)
    (folder / "main.tf").write_text(root.text)
    tf = tftest.TerraformTest(str(folder), binary="terraform")
    tf.setup(upgrade=False)
    return tf


def command_output(tf: tftest.TerraformTest, *args: str) -> str:
    """What a Terraform command wrote, whether it succeeded or failed."""
    try:
        return str(tf.execute_command(*args).out)
    except tftest.TerraformTestError as failure:
        return str(failure.args[0])


def plan_accepted(folder: Path) -> Any:
    """Every accepted scenario in one root: its JSON plan."""
    tf = terraform_root(folder, Root.of(PLANNED.values(), outputs=True))
    return tf.plan(output=True, lock=False)._raw


def refusal_errors(folder: Path, scenarios: list[Scenario]) -> dict[str, list[str]]:
    """Plan the scenarios in one root; each one's errors, placed by the module call they name."""
    root = Root.of(scenarios)
    output = command_output(terraform_root(folder, root), "plan", "-json", "-input=false")
    placed: dict[str, list[str]] = {}
    loose = []
    for diagnostic in diagnostics(output):
        caller = root.caller(diagnostic) or (scenarios[0].name if len(scenarios) == 1 else None)
        if caller is None:
            loose.append(diagnostic)
        else:
            placed.setdefault(caller, []).append(error_text(diagnostic))
    if loose:  # errors raised inside the module (preconditions): one scenario per plan
        for i, each in enumerate(s for s in scenarios if s.name not in placed):
            placed |= refusal_errors(folder.with_name(f"{folder.name}-{i}"), [each])
    return placed


def plan_refused(folder: Path) -> dict[str, str]:
    """Every refused scenario's error text, from as few plans as Terraform allows."""
    errors: dict[str, list[str]] = {}
    left = list(REFUSED.values())
    for round_ in range(len(left)):
        found = refusal_errors(folder / f"round-{round_}", left)
        errors |= found
        left = [s for s in left if s.name not in errors]
        if not found or not left:
            break
    return {name: " ".join(messages) for name, messages in errors.items()}


def run_mocked(folder: Path) -> dict[str, dict[str, Any]]:
    """Every mocked scenario, one run each of one `terraform test` file: how each run ended."""
    link_module(folder)
    (folder / "tests").mkdir()
    (folder / "tests" / "iam.tftest.hcl").write_text(mocked_test_file(MOCKED.values()))
    tf = tftest.TerraformTest(str(folder), binary="terraform")
    tf.setup(upgrade=False)
    return run_results(command_output(tf, "test", "-json"))


# fixture -> the Terraform run behind it
RUNS: dict[str, Callable[[Path], Any]] = {
    "planned": plan_accepted,
    "refusals": plan_refused,
    "mocked_runs": run_mocked,
}


def run_once(shared: Path, kind: str) -> Any:
    """The result of one kind's run: made by the first process that asks, read by the others."""
    result = shared / f"{kind}.json"
    with (shared / f"{kind}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            folder = shared / f"{kind}-{os.getpid()}"
            result.write_text(json.dumps(RUNS[kind](folder)))
    return json.loads(result.read_text())


@pytest.fixture(scope="session")
def terraform_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Any]]]:
    """Every kind of run this session's tests need, started together."""
    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    needed = [
        k for k in RUNS if any(k in getattr(i, "fixturenames", ()) for i in request.session.items)
    ]
    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        yield {kind: pool.submit(run_once, shared, kind) for kind in needed}


@pytest.fixture(scope="session")
def planned(terraform_runs: dict[str, Future[Any]]) -> Callable[[str], Plan]:
    """The plan of one accepted scenario's module call, from the one plan of them all."""
    plan = terraform_runs["planned"].result()
    return lambda name: Plan(plan, name)


@pytest.fixture(scope="session")
def refusals(terraform_runs: dict[str, Future[Any]]) -> dict[str, str]:
    """Each refused scenario's error text: summary, detail, [the line it points at]."""
    result: dict[str, str] = terraform_runs["refusals"].result()
    return result


@pytest.fixture(scope="session")
def mocked_runs(terraform_runs: dict[str, Future[Any]]) -> dict[str, dict[str, Any]]:
    """Each mocked scenario's run: {"status": "pass" or another, "errors": [...]}."""
    result: dict[str, dict[str, Any]] = terraform_runs["mocked_runs"].result()
    return result
