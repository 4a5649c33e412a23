"""Each package's requires-python is the lowest Python its code runs on.

On that release every module compiles, and the package imports in its virtual environment
(`make floor`); on the release below, the code is refused.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib

import pytest

from support import REPO

# Folder of each pyproject.toml: (the folder its package sits in, the package).
PACKAGES = {
    "lambda": ("lambda", "insert_trigger"),
    "redrive": ("redrive/src", "insert_trigger_redrive"),
}
# Compile every module of the package, then (with "import") import it; print the interpreter's
# version and where the package came from. No bytecode is written (-B), and nothing comes from
# the caller's environment (-I).
CHECK = """
import importlib, pathlib, sys
root, package, mode = sys.argv[1:]
for path in sorted(pathlib.Path(root, package).rglob("*.py")):
    compile(path.read_text(), str(path), "exec")
sys.path.insert(0, root)
where = importlib.import_module(package).__file__ if mode == "import" else "-"
print(*sys.version_info[:2], where)
"""


def floor(project: str) -> tuple[int, int]:
    spec = tomllib.loads((REPO / project / "pyproject.toml").read_text())["project"]
    found = re.fullmatch(r">=3\.(\d+)", spec["requires-python"])
    assert found, f"{project}/pyproject.toml: requires-python is not >=3.N: {spec}"
    return 3, int(found[1])


def find_python(version: str) -> str:
    """The interpreter the Makefile would take for this release; empty when there is none."""
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "find_python.sh"), version],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def check(python: str, project: str, mode: str) -> subprocess.CompletedProcess[str]:
    root, package = PACKAGES[project]
    return subprocess.run(
        [python, "-I", "-B", "-c", CHECK, str(REPO / root), package, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.floor_venv
@pytest.mark.parametrize("project", PACKAGES)
def test_the_package_compiles_and_imports_on_its_floor(project: str) -> None:
    # GIVEN the package's lowest Python
    major, minor = floor(project)
    python = find_python(f"{major}.{minor}")
    assert python, f"no Python {major}.{minor} here, {project}'s requires-python"

    # WHEN it compiles every module, THEN each compiles
    compiled = check(python, project, "compile")
    assert compiled.returncode == 0, f"{project} fails on Python {major}.{minor}: {compiled.stderr}"
    assert compiled.stdout.split()[:2] == [str(major), str(minor)], compiled.stdout

    # WHEN the package is imported in that release's virtual environment (redrive needs boto3),
    # THEN it imports, from this checkout
    venv = REPO / f".venv-py{major}.{minor}" / "bin" / "python"
    assert venv.exists(), (
        f"{venv.parent.parent.name} is missing: make floor makes it for FLOOR_VERSION, "
        f"which must be {major}.{minor}, {project}'s requires-python"
    )
    imported = check(str(venv), project, "import")
    assert imported.returncode == 0, imported.stderr
    got_major, got_minor, where = imported.stdout.split()
    assert [got_major, got_minor] == [str(major), str(minor)], imported.stdout
    assert where.startswith(str(REPO / PACKAGES[project][0])), where


@pytest.mark.parametrize("project", PACKAGES)
def test_the_python_below_the_floor_refuses_the_code(project: str) -> None:
    # GIVEN the release below the floor: its interpreter where this machine has one
    major, minor = floor(project)
    below = f"{major}.{minor - 1}"
    python = find_python(below)

    if python:
        # WHEN it compiles the package, THEN it stops at a SyntaxError
        result = check(python, project, "compile")
        assert result.returncode != 0, f"Python {below} runs {project}: lower its requires-python"
        assert "SyntaxError" in result.stderr, result.stderr
    else:
        # WHEN there is none, THEN this interpreter's parser, told to read it as that release's
        # grammar, refuses at least one module
        root, package = PACKAGES[project]
        refused = []
        for path in sorted((REPO / root / package).rglob("*.py")):
            try:
                ast.parse(path.read_text(), str(path), feature_version=(major, minor - 1))
            except SyntaxError as error:
                refused.append(f"{path.name}: {error.msg}")
        assert refused, f"Python {below}'s grammar reads all of {project}"
