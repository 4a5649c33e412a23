"""Shared fixtures: a session-wide way to plan the module with chosen inputs and read the plan."""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Callable
from typing import Any

import pytest
import tftest
from tfplan import PLAN_FIXTURE, REPO, Plan, PlanFn, terraform_message, tf_value


@pytest.fixture(scope="session", autouse=True)
def plans_in_pytest_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tftest's plan files in pytest's own temporary folder, which pytest prunes."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("tftest"))


@pytest.fixture(scope="session")
def tf_fixture() -> tftest.TerraformTest:
    """The plan fixture, initialised once per machine (a file lock keeps xdist workers in line)."""
    tf = tftest.TerraformTest(str(PLAN_FIXTURE), binary="terraform")
    lock_path = REPO / ".local" / "plan-fixture.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PLAN_FIXTURE / ".terraform" / "modules").is_dir():
            tf.setup(upgrade=False)
    return tf


@pytest.fixture(scope="session")
def plan(tf_fixture: tftest.TerraformTest) -> PlanFn:
    """Plan the module with the given inputs; unnamed inputs keep the module's defaults."""

    def run(**inputs: Any) -> Plan:
        tf_vars = {k: tf_value(v) for k, v in inputs.items()}
        return Plan(tf_fixture.plan(output=True, tf_vars=tf_vars, lock=False))

    return run


@pytest.fixture(scope="session")
def plan_error(tf_fixture: tftest.TerraformTest) -> Callable[..., str]:
    """Plan with inputs expected to be refused; return Terraform's error text, flattened."""

    def run(**inputs: Any) -> str:
        tf_vars = {k: tf_value(v) for k, v in inputs.items()}
        with pytest.raises(tftest.TerraformTestError) as failure:
            tf_fixture.plan(output=True, tf_vars=tf_vars, lock=False)
        return terraform_message(failure.value)

    return run
