"""Every ```hcl block of the READMEs that calls the module plans, its source at the checkout.

Each block joins the one root of accepted inputs as it is written, relabelled and with `source`
rewritten to the checkout (the READMEs pin a release tag); a file it names that the checkout does
not have gets a stand-in in that root (STAND_INS in conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from support import REPO
from support.tfplan import Plan, block_scenario

READMES = [REPO / "README.md", *sorted(REPO.glob("examples/*/README.md"))]


def module_blocks() -> dict[str, str]:
    """Scenario name -> each ```hcl block that calls a module, named by its README and place."""
    blocks = {}
    for readme in READMES:
        where = readme.parent.name if readme.parent != REPO else "root"
        found = re.findall(r"^```hcl\n(.*?)^```", readme.read_text(), re.M | re.S)
        for i, block in enumerate(b for b in found if re.search(r'^module "', b, re.M)):
            blocks[block_scenario(f"readme-{where}-{i + 1}", block)] = block
    return blocks


BLOCKS = module_blocks()


def test_the_readmes_have_module_blocks() -> None:
    # The three of README.md (usage, attach mode, the Kinesis source) and the existing-function
    # example's.
    assert len(BLOCKS) == 4, sorted(BLOCKS)


@pytest.mark.parametrize("scenario", BLOCKS)
def test_readme_block_plans(planned: Callable[[str], Plan], scenario: str) -> None:
    result = planned(scenario)

    assert "aws_lambda_event_source_mapping.this" in result.addresses(), scenario
    mapping = result.resource("aws_lambda_event_source_mapping.this")
    function_name = re.search(r'function_name\s*=\s*"([^"]+)"', BLOCKS[scenario])
    if function_name:  # attach mode: the mapping invokes the function the block names
        assert mapping["function_name"] == function_name.group(1), scenario
