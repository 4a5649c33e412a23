"""The plan layer's fixtures: every scenario of a kind planned once, in one root module.

Each fixture writes a root whose main.tf calls the module (a folder of links to the checkout)
once per scenario, and runs Terraform once for all of them; the tests read their own scenario's
part. Accepted inputs: one plan, read as JSON. Refused inputs: one plan, whose errors name the
module call they belong to; a scenario refused only where every validation passed (a resource
precondition) reports nothing there, so the scenarios left unreported are planned again, alone
when an error cannot be placed. IAM scoping: one `terraform test` on a mocked provider.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
    RunResult,
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


@pytest.fixture(scope="session")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Plan]:
    """Every accepted scenario planned in one root; returns the plan of one module call."""
    tf = terraform_root(tmp_path_factory.mktemp("planned"), Root.of(PLANNED.values(), True))
    raw = tf.plan(output=True, lock=False)
    return lambda name: Plan(raw, name)


def refusal_errors(folder: Path, scenarios: list[Scenario]) -> dict[str, list[str]]:
    """Plan the scenarios in one root; each one's errors, placed by the module call they name."""
    root = Root.of(scenarios)
    tf = terraform_root(folder, root)
    try:
        output = tf.execute_command("plan", "-json", "-input=false", "-lock=false").out
    except tftest.TerraformTestError as failure:
        output = str(failure.args[0])
    placed: dict[str, list[str]] = {}
    loose = []
    for diagnostic in diagnostics(output):
        caller = root.caller(diagnostic)
        if caller is None and len(scenarios) == 1:
            caller = scenarios[0].name
        if caller is None:
            loose.append(error_text(diagnostic))
        else:
            placed.setdefault(caller, []).append(error_text(diagnostic))
    if loose:  # errors raised inside the module (preconditions): one scenario per plan
        for i, each in enumerate(s for s in scenarios if s.name not in placed):
            placed |= refusal_errors(folder.with_name(f"{folder.name}-{i}"), [each])
    return placed


@pytest.fixture(scope="session")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every refused scenario's error text (summary and detail of each error), from few plans.

    Terraform reports every failing validation of a plan at once, but stops before planning
    resources when any fails, so a precondition shows only in a plan where none does: scenarios
    without an error are planned again, in further rounds, until a round adds none.
    """
    errors: dict[str, list[str]] = {}
    left = list(REFUSED.values())
    for round_ in range(len(left)):
        found = refusal_errors(tmp_path_factory.mktemp(f"refused-{round_}"), left)
        errors |= found
        left = [s for s in left if s.name not in errors]
        if not found or not left:
            break
    return {name: " ".join(messages) for name, messages in errors.items()}


@pytest.fixture(scope="session")
def mocked_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunResult]:
    """Every mocked scenario, one run each of one `terraform test` file; how each run ended."""
    folder = link_module(tmp_path_factory.mktemp("mocked"))
    (folder / "tests").mkdir()
    (folder / "tests" / "iam.tftest.hcl").write_text(mocked_test_file(MOCKED.values()))
    tf = tftest.TerraformTest(str(folder), binary="terraform")
    tf.setup(upgrade=False)
    try:
        output = tf.execute_command("test", "-json").out
    except tftest.TerraformTestError as failure:
        output = str(failure.args[0])
    return run_results(output)
