"""Shared fixtures and hooks: layer markers, and the module planned alone to read its errors."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fuzz  # noqa: F401  registers the hypothesis profiles before --hypothesis-profile is read
import pytest
import tftest

from support import FAULT_TABLE, IDEMPOTENT_FAULT_TABLE, REPO
from support.tfplan import PLAN_PROVIDER, REQUIRED_INPUTS, link_module, terraform_message, tf_value

# A test's layer is its folder's; the rest are unit tests.
LAYERS = {"plan": "plan", "e2e": "e2e"}


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark each test with its layer: its folder's, else unit."""
    item.add_marker(LAYERS.get(Path(item.path).relative_to(REPO / "tests").parts[0], "unit"))


@pytest.fixture(scope="session", autouse=True)
def plans_in_pytest_tmp(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tftest's plan files in pytest's own temporary folder, which pytest prunes."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("tftest"))


@pytest.fixture(scope="session")
def tf_fixture(tmp_path_factory: pytest.TempPathFactory) -> tftest.TerraformTest:
    """The module itself, planned from a folder of links to its files plus test provider settings.

    Links, not copies: the plan reads the module's own files, and nothing is added to the module's
    folder. One folder per test process, so xdist workers never share Terraform's working files.
    """
    folder = link_module(tmp_path_factory.mktemp("module"))
    (folder / PLAN_PROVIDER.name).symlink_to(PLAN_PROVIDER)
    tf = tftest.TerraformTest(str(folder), binary="terraform")
    tf.setup(upgrade=False)
    return tf


@pytest.fixture(scope="session")
def plan_error(tf_fixture: tftest.TerraformTest) -> Callable[..., str]:
    """Plan with inputs expected to be refused; return Terraform's error text, flattened."""

    def run(**inputs: Any) -> str:
        tf_vars = {k: tf_value(v) for k, v in (REQUIRED_INPUTS | inputs).items()}
        with pytest.raises(tftest.TerraformTestError) as failure:
            tf_fixture.plan(output=True, tf_vars=tf_vars, lock=False)
        return terraform_message(failure.value)

    return run


SESSION_START = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the fault suites' tables when they ran in this session (in whichever xdist worker)."""
    for path, title in (
        (FAULT_TABLE, "fault suite: what became of each insert"),
        (IDEMPOTENT_FAULT_TABLE, "fault suite with the idempotency ledger: effects"),
    ):
        if path.exists() and path.stat().st_mtime >= SESSION_START:
            terminalreporter.section(title)
            terminalreporter.write(path.read_text())
