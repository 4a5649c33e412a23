"""Render the README's inputs and outputs tables from variables.tf and outputs.tf.

`python scripts/readme_tables.py` prints both tables; `--write` replaces them in README.md between
the `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` markers. tests/test_readme.py keeps them in
sync. (terraform-docs does this job elsewhere; it is not installable on the offline machines.)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"

BLOCK = re.compile(r'^(variable|output) "(\w+)" \{\n(.*?)^\}', re.M | re.S)
STRING = r'"((?:[^"\\]|\\.)*)"'


def blocks(path: Path, kind: str) -> list[tuple[str, str]]:
    """(name, body) of each top-level variable or output block of a file, in file order."""
    return [(m[2], m[3]) for m in BLOCK.finditer(path.read_text()) if m[1] == kind]


def attribute(body: str, name: str) -> str | None:
    """The one-line value of a top-level attribute of a block, or None if it has none."""
    found = re.search(rf"^  {name}\s*=\s*(.+)$", body, re.M)
    return found[1].strip() if found else None


def description(body: str) -> str:
    """The block's description, unescaped the way Terraform reads it."""
    found = re.search(rf"^  description\s*=\s*{STRING}$", body, re.M)
    if not found:
        raise ValueError(f"a block has no one-line description:\n{body}")
    text: str = json.loads(f'"{found[1]}"')
    return text


def cell(text: str) -> str:
    """Text made safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def inputs_table() -> str:
    """Markdown table of the module's inputs."""
    rows = ["| Name | Description | Type | Default |", "|---|---|---|---|"]
    for name, body in blocks(REPO / "variables.tf", "variable"):
        default = attribute(body, "default")
        shown = "required" if default is None else f"`{default}`"
        type_ = attribute(body, "type") or "any"
        rows.append(f"| `{name}` | {cell(description(body))} | `{cell(type_)}` | {cell(shown)} |")
    return "\n".join(rows)


def outputs_table() -> str:
    """Markdown table of the module's outputs."""
    rows = ["| Name | Description |", "|---|---|"]
    for name, body in blocks(REPO / "outputs.tf", "output"):
        rows.append(f"| `{name}` | {cell(description(body))} |")
    return "\n".join(rows)


def rendered() -> str:
    """The text that belongs between the markers."""
    return f"{BEGIN}\n## Inputs\n\n{inputs_table()}\n\n## Outputs\n\n{outputs_table()}\n{END}"


def main() -> int:
    """Print the tables, or write them into README.md with --write."""
    if "--write" not in sys.argv[1:]:
        print(rendered())
        return 0
    readme = REPO / "README.md"
    text = readme.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    readme.write_text(text[:start] + rendered() + text[end:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
