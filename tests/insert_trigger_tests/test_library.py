"""The handler as a library: process_inserts with a function of yours; `pip install ./lambda`."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import zipfile
from typing import TYPE_CHECKING

import pytest
from insert_trigger import __version__, lambda_handler, process_inserts
from insert_trigger_tests.support import LAMBDA_DIR, Recorder, inserts, load_event, log_lines

if TYPE_CHECKING:
    from pathlib import Path

MODULES = sorted(path.name for path in (LAMBDA_DIR / "insert_trigger").glob("*.py"))
# Offline and from this checkout only: no index, no dependencies, the build backend from .venv.
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
OFFLINE = ["--no-deps", "--no-build-isolation", "--no-index"]


def test_process_inserts_hands_each_insert_to_the_given_function(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a function of the user's own, and INSERT_PROCESSOR naming a module that is missing
    monkeypatch.setenv("INSERT_PROCESSOR", "no_such_module:process")
    seen: list[str] = []
    event = load_event("mixed_batch")

    # WHEN a batch goes through process_inserts, THEN only the inserts reach the function, in
    # order, whatever INSERT_PROCESSOR says, with the handler's log lines and response
    response = process_inserts(event, lambda item, record: seen.append(record["eventID"]))
    assert response == {"batchItemFailures": []}
    assert seen == [record["eventID"] for record in inserts(event)]
    lines = log_lines(capsys.readouterr().out)
    assert [line["message"] for line in lines] == ["insert processed"] * 4 + ["batch summary"]


def test_process_inserts_answers_and_logs_as_lambda_handler_does(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch whose third insert is refused: by the processor INSERT_PROCESSOR names for
    # lambda_handler, and by the same function handed to process_inserts
    event = load_event("mixed_batch")
    event["Records"][3]["dynamodb"]["NewImage"]["fail"] = {"BOOL": True}

    # WHEN each entry point handles it
    by_handler = lambda_handler(event, None)
    handler_output = capsys.readouterr().out
    by_library = process_inserts(event, importlib.import_module(recorder.module_name).process)
    library_output = capsys.readouterr().out

    # THEN the responses and the log lines are the same, the failure reported in both
    assert (
        by_library
        == by_handler
        == {
            "batchItemFailures": [
                {"itemIdentifier": event["Records"][3]["dynamodb"]["SequenceNumber"]}
            ]
        }
    )
    assert log_lines(library_output) == log_lines(handler_output)
    assert [line["message"] for line in log_lines(library_output)] == [
        "insert processed",
        "insert processed",
        "insert failed",
        "batch summary",
    ]


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lambda/'s pyproject, README and package, copied: a build writes next to its source."""
    copy = tmp_path_factory.mktemp("source") / "lambda"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(LAMBDA_DIR / name, copy / name)
    shutil.copytree(
        LAMBDA_DIR / "insert_trigger",
        copy / "insert_trigger",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return copy


def test_pip_installs_the_package_into_an_empty_folder_and_it_runs_there(
    source_copy: Path, tmp_path: Path
) -> None:
    # GIVEN an empty folder, WHEN `pip install --target` installs ./lambda into it, offline
    target = tmp_path / "site"
    subprocess.run(
        [*PIP, "install", *OFFLINE, "--quiet", "--target", str(target), str(source_copy)],
        check=True,
    )

    # THEN the folder holds the package, its type marker and its metadata, nothing else
    assert sorted(path.name for path in target.iterdir()) == [
        "insert_trigger",
        f"insert_trigger-{__version__}.dist-info",
    ]
    installed = {path.name for path in (target / "insert_trigger").iterdir()}
    assert installed - {"__pycache__"} == {*MODULES, "py.typed"}

    # AND a fresh interpreter that sees only that folder runs process_inserts from it
    event = load_event("mixed_batch")
    code = f"""
import importlib.metadata, json, sys
sys.path.insert(0, {str(target)!r})
from insert_trigger import process_inserts
seen = []
event = json.loads(sys.stdin.read())
response = process_inserts(event, lambda item, record: seen.append(item["pk"]))
print(json.dumps({{"file": process_inserts.__code__.co_filename, "seen": seen, "response": response,
    "version": importlib.metadata.version("insert-trigger")}}))
"""
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        check=True,
    )
    *lines, last = result.stdout.splitlines()
    outcome = json.loads(last)
    assert outcome["file"].startswith(str(target))
    assert outcome["response"] == {"batchItemFailures": []}
    assert outcome["seen"] == [
        record["dynamodb"]["NewImage"]["pk"]["S"] for record in inserts(event)
    ]
    assert outcome["version"] == __version__ == (LAMBDA_DIR.parent / "VERSION").read_text().strip()
    assert [json.loads(line)["message"] for line in lines][-1] == "batch summary"


def test_the_wheel_holds_the_package_typed_and_no_dependency(
    source_copy: Path, tmp_path: Path
) -> None:
    # GIVEN ./lambda, WHEN built into a wheel, offline
    subprocess.run(
        [*PIP, "wheel", *OFFLINE, "--quiet", "--wheel-dir", str(tmp_path), str(source_copy)],
        check=True,
    )
    [wheel] = tmp_path.glob("*.whl")

    # THEN it is the pure-Python wheel of this version: the modules, py.typed and metadata
    assert wheel.name == f"insert_trigger-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"insert_trigger-{__version__}.dist-info/METADATA").decode()
    package = sorted(name for name in names if name.startswith("insert_trigger/"))
    assert package == sorted(
        [*(f"insert_trigger/{name}" for name in MODULES), "insert_trigger/py.typed"]
    )
    assert {name.split("/")[0] for name in names} == {
        "insert_trigger",
        f"insert_trigger-{__version__}.dist-info",
    }
    assert "Requires-Dist" not in metadata
    assert "Requires-Python: >=3.12" in metadata
    print(f"{wheel.name}: {wheel.stat().st_size} bytes, {len(names)} entries")
