"""One version: VERSION, both Python packages, CHANGELOG, the docs' pins and the previous release.

VERSION (at the repository root) is the module's version. `insert_trigger.__version__` and
`insert_trigger_redrive.__version__` repeat it (each package's build reads its own), CHANGELOG's
latest release is it, and every line that pins a release (a module `source = "…?ref=v…"`, a
`pip install "…git@v…"`) names it. Any other mention of one of the project's versions, such as an
upgrade from an older release, must be a release CHANGELOG lists.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from collections.abc import Callable
from datetime import date

import pytest

from support import REPO

SEMVER = r"\d+\.\d+\.\d+"
# A line that pins a release: the module's `source = "git::…?ref=v…"` and the pip lines.
PIN_LINE = re.compile(r"^\s*source\s*=|\bpip install\b")
PIN = re.compile(rf"(?:\?ref=|\.git@)v({SEMVER})\b")
# A package named with its version states the version it is now, on any line.
PACKAGE = re.compile(rf"`?insert-trigger(?:-redrive)?`? ({SEMVER})\b")
# Any other mention of one of this project's versions: a tag, a changelog heading, an upgrade
# "from" or "to" a version.
MENTION = re.compile(rf"(?:\bv|\[|\b(?:from|to) )({SEMVER})\b(?!\.)")
HEADING = re.compile(r"^## \[([^\]]+)\](?: - (\S+))?[ \t]*$", re.M)
PREVIOUS_RELEASE = "tests/e2e/upgrade/previous_release"
PACKAGES = {  # pyproject.toml: the __init__.py whose __version__ its build reads
    "lambda/pyproject.toml": "lambda/insert_trigger/__init__.py",
    "redrive/pyproject.toml": "redrive/src/insert_trigger_redrive/__init__.py",
}
DOCS = sorted(
    {
        "README.md",
        "CONTRIBUTING.md",
        "lambda/README.md",
        "redrive/README.md",
        *PACKAGES,
        *(str(path.relative_to(REPO)) for path in REPO.glob("examples/*/README.md")),
    }
)

type Read = Callable[[str], str]


def read_repo(path: str) -> str:
    return (REPO / path).read_text()


def key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def releases(changelog: str) -> tuple[list[str], list[str]]:
    """CHANGELOG's release versions, newest first, and what is wrong with its headings."""
    headings = HEADING.findall(changelog)
    problems = []
    if not headings or headings[0] != ("Unreleased", ""):
        problems.append("CHANGELOG.md: the first section is not `## [Unreleased]`")
    versions: list[str] = []
    for name, day in headings[1:]:
        if not re.fullmatch(SEMVER, name):
            problems.append(f"CHANGELOG.md: `## [{name}]` is not a version X.Y.Z")
            continue
        try:
            date.fromisoformat(day)
        except ValueError:
            problems.append(f"CHANGELOG.md: [{name}] has no date YYYY-MM-DD (got {day!r})")
        if versions and key(name) >= key(versions[-1]):
            problems.append(f"CHANGELOG.md: [{name}] is listed below [{versions[-1]}]")
        versions.append(name)
    return versions, problems


def literal_version(source: str) -> str | None:
    """The string literal a module assigns to __version__, as the builds read it."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    return None


def version_problems(read: Read = read_repo) -> list[str]:
    """Every place that disagrees with VERSION, or names a version CHANGELOG does not list."""
    version = read("VERSION").strip()
    if not re.fullmatch(SEMVER, version):
        return [f"VERSION: {version!r} is not X.Y.Z"]
    listed, problems = releases(read("CHANGELOG.md"))
    if not listed or listed[0] != version:
        latest = listed[0] if listed else "none"
        problems.append(f"CHANGELOG.md: the latest release is {latest}, VERSION is {version}")

    for pyproject, init in PACKAGES.items():
        project = tomllib.loads(read(pyproject))["project"]
        if "version" in project or "version" not in project.get("dynamic", []):
            problems.append(f"{pyproject}: the version must be dynamic, read from {init}")
        found = literal_version(read(init))
        if found != version:
            problems.append(f"{init}: __version__ is {found}, VERSION is {version}")
    setuptools = tomllib.loads(read("lambda/pyproject.toml"))["tool"]["setuptools"]
    if setuptools["dynamic"]["version"] != {"attr": "insert_trigger.__version__"}:
        problems.append("lambda/pyproject.toml: the version is not insert_trigger.__version__")

    for doc in DOCS:
        for number, line in enumerate(read(doc).splitlines(), 1):
            pins = [*(PIN.finditer(line) if PIN_LINE.search(line) else ()), *PACKAGE.finditer(line)]
            pinned = {match.start(1) for match in pins}
            for match in pins:
                if match.group(1) != version:
                    problems.append(f"{doc}:{number}: pins v{match.group(1)}, VERSION is {version}")
            for match in MENTION.finditer(line):
                if match.start(1) not in pinned and match.group(1) not in listed:
                    problems.append(
                        f"{doc}:{number}: names {match.group(1)}, a release CHANGELOG does not list"
                    )
    return problems


def previous_release_problems(
    text: str, read: Read = read_repo, show: Callable[[str, str], str | None] | None = None
) -> list[str]:
    """The previous release's line: format, listed in CHANGELOG, its commit released it."""
    found = re.fullmatch(rf"v({SEMVER}) ([0-9a-f]{{40}})\n", text)
    if not found:
        return [f"{PREVIOUS_RELEASE}: not one line `vX.Y.Z <40-hex commit>` (got {text!r})"]
    previous, commit = found.groups()
    listed, _ = releases(read("CHANGELOG.md"))
    # The release before VERSION until VERSION is tagged, then VERSION itself.
    if previous not in listed[:2]:
        return [f"{PREVIOUS_RELEASE}: v{previous} is neither of CHANGELOG's last two releases"]
    changelog = (show or git_show)(commit, "CHANGELOG.md")
    if changelog is None:
        return [f"{PREVIOUS_RELEASE}: commit {commit} is not in this clone's history"]
    then, problems = releases(changelog)
    unreleased = re.search(r"^## \[Unreleased\]\n(.*?)^## ", changelog, re.M | re.S)
    if problems or not then or then[0] != previous or not unreleased or unreleased[1].strip():
        problems.append(
            f"{PREVIOUS_RELEASE}: at {commit[:12]}, CHANGELOG's latest release is "
            f"{then[0] if then else 'none'}, not v{previous} with nothing unreleased"
        )
    return problems


def git_show(commit: str, path: str) -> str | None:
    shown = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return shown.stdout if shown.returncode == 0 else None


def test_every_place_names_the_one_version() -> None:
    assert version_problems() == []


def test_the_previous_release_is_a_commit_that_released_it() -> None:
    text = read_repo(PREVIOUS_RELEASE)

    assert previous_release_problems(text) == []
    # AND a local tag of that name, where one exists, is on that commit
    tag, commit = text.split()
    tagged = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/tags/{tag}^{{commit}}"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tagged.stdout.strip() in {"", commit}, f"tag {tag} is on {tagged.stdout}"


VERSION = read_repo("VERSION").strip()
NEXT = ".".join([*VERSION.split(".")[:2], str(key(VERSION)[2] + 1)])
README_PIN = next(m.group(0) for m in PIN.finditer(read_repo("README.md")))


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        ("VERSION", VERSION, NEXT, f"the latest release is {VERSION}, VERSION is {NEXT}"),
        ("README.md", README_PIN, README_PIN.replace(VERSION, NEXT), f"pins v{NEXT}"),
        (
            "redrive/src/insert_trigger_redrive/__init__.py",
            f'"{VERSION}"',
            f'"{NEXT}"',
            f"__version__ is {NEXT}",
        ),
        ("lambda/insert_trigger/__init__.py", "__version__ =", "version =", "__version__ is None"),
        ("redrive/pyproject.toml", 'dynamic = ["version"]', f'version = "{VERSION}"', "dynamic"),
        ("CHANGELOG.md", f"## [{VERSION}]", f"## [{NEXT}]", f"latest release is {NEXT}"),
        ("CHANGELOG.md", "## [Unreleased]\n", "", "first section is not `## [Unreleased]`"),
        ("CHANGELOG.md", f"## [{VERSION}] - ", f"## [{VERSION}] - 2026-13-01", "has no date"),
        ("CONTRIBUTING.md", "\n", "\nUpgrading from 0.0.9 works.\n", "names 0.0.9"),
        ("README.md", "\n", "\nFrom `?ref=v0.0.9`, set x.\n", "names 0.0.9"),
        ("redrive/README.md", "\n", "\n`insert-trigger-redrive` 0.1.0\n", "pins v0.1.0"),
    ],
    ids=[
        "version",
        "readme-pin",
        "redrive",
        "handler",
        "static",
        "heading",
        "top",
        "date",
        "doc",
        "prose-ref",
        "pkg",
    ],
)
def test_a_disagreement_is_named(path: str, old: str, new: str, expected: str) -> None:
    # GIVEN the repository with one place changed
    text = read_repo(path)
    assert old in text, f"{path} no longer holds {old!r}: update this scenario"
    changed = {path: text.replace(old, new, 1)}

    # WHEN the versions are checked, THEN the change is named
    problems = version_problems(lambda p: changed[p] if p in changed else read_repo(p))
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v0.1.0 1fe592e\n", "not one line"),
        (f"v9.9.9 {'0' * 40}\n", "neither of CHANGELOG's last two releases"),
        (f"v{VERSION} {'0' * 40}\n", "not in this clone's history"),
    ],
    ids=["format", "unlisted", "unknown-commit"],
)
def test_a_wrong_previous_release_is_named(text: str, expected: str) -> None:
    problems = previous_release_problems(text)

    assert any(expected in problem for problem in problems), problems


def test_a_commit_that_did_not_release_it_is_named() -> None:
    # GIVEN a commit whose CHANGELOG still had unreleased work on top of the named release
    changelog = read_repo("CHANGELOG.md").replace("## [Unreleased]\n", "## [Unreleased]\n- x\n")
    listed, _ = releases(changelog)
    line = f"v{listed[0]} {'a' * 40}\n"

    # WHEN the previous release names it, THEN it is refused
    problems = previous_release_problems(line, show=lambda commit, path: changelog)
    assert any("with nothing unreleased" in problem for problem in problems), problems
