"""The README's inputs and outputs tables match variables.tf and outputs.tf."""

from __future__ import annotations

import re

import readme_tables

from support import REPO


def test_readme_tables_are_current() -> None:
    readme = (REPO / "README.md").read_text()

    assert readme_tables.rendered() in readme, "README tables are stale: make docs"


def test_every_input_and_output_is_in_a_table() -> None:
    tables = readme_tables.rendered()
    variables = re.findall(r'^variable "(\w+)"', (REPO / "variables.tf").read_text(), re.M)
    outputs = re.findall(r'^output "(\w+)"', (REPO / "outputs.tf").read_text(), re.M)

    for name in variables + outputs:
        assert f"| `{name}` |" in tables, name
    assert tables.count("\n| `") == len(variables) + len(outputs)
