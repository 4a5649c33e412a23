"""The Lambda zip: committed up to date, rebuilt byte for byte, the sources and nothing else."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "lambda" / "insert_trigger"
COMMITTED_ZIP = REPO / "lambda" / "insert_trigger.zip"


def _load_packager() -> Any:
    spec = importlib.util.spec_from_file_location(
        "package_lambda", REPO / "scripts" / "package_lambda.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


packager = _load_packager()
build: Callable[[Path], bytes] = packager.build
main: Callable[..., int] = packager.main


def test_committed_zip_is_what_a_fresh_build_gives(tmp_path: Path) -> None:
    # GIVEN the zip in the checkout, WHEN the sources are packaged to a temporary path
    fresh = tmp_path / "insert_trigger.zip"
    assert main([], zip_path=fresh) == 0

    # THEN the bytes are identical: the committed zip is current (else: make package)
    assert fresh.read_bytes() == COMMITTED_ZIP.read_bytes(), "run `make package` and commit"


def test_building_twice_gives_the_same_bytes() -> None:
    # GIVEN the sources, WHEN built twice, THEN the bytes are identical
    assert build(SOURCE) == build(SOURCE)


def test_zip_holds_exactly_the_sources_with_fixed_metadata(tmp_path: Path) -> None:
    # GIVEN a source folder that also holds bytecode caches and a non-Python file
    source = tmp_path / "insert_trigger"
    (source / "__pycache__").mkdir(parents=True)
    (source / "b.py").write_text("B = 2\n")
    (source / "a.py").write_text("A = 1\n")
    (source / "__pycache__" / "a.cpython-313.pyc").write_bytes(b"\x00")
    (source / "stray.pyc").write_bytes(b"\x00")
    (source / "notes.txt").write_text("not shipped\n")
    archive_path = tmp_path / "out.zip"
    archive_path.write_bytes(build(source))

    # WHEN the zip is opened
    with zipfile.ZipFile(archive_path) as archive:
        entries = archive.infolist()

        # THEN it holds the .py files alone, sorted, under insert_trigger/, with fixed metadata
        assert [entry.filename for entry in entries] == [
            "insert_trigger/a.py",
            "insert_trigger/b.py",
        ]
        assert archive.read("insert_trigger/a.py") == b"A = 1\n"
    for entry in entries:
        assert entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert entry.external_attr >> 16 == 0o100644
        assert entry.compress_type == zipfile.ZIP_DEFLATED


def test_committed_zip_holds_every_source_and_no_bytecode() -> None:
    # GIVEN the committed zip, WHEN listed, THEN it is the package's .py files, nothing else
    with zipfile.ZipFile(COMMITTED_ZIP) as archive:
        names = archive.namelist()
    assert names == [f"insert_trigger/{path.name}" for path in sorted(SOURCE.glob("*.py"))]
    assert "insert_trigger/__init__.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_check_fails_with_a_clear_message_when_out_of_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a zip that no longer matches its sources
    stale = tmp_path / "insert_trigger.zip"
    stale.write_bytes(b"stale")

    # WHEN checked, THEN it fails and says how to fix it, and the zip is left alone
    assert main(["--check"], zip_path=stale) == 1
    assert (
        "is out of date with lambda/insert_trigger/; run `make package`" in capsys.readouterr().err
    )
    assert stale.read_bytes() == b"stale"

    # WHEN rebuilt, THEN the check passes, and a second build leaves the file untouched
    assert main([], zip_path=stale) == 0
    assert main(["--check"], zip_path=stale) == 0
    written = stale.stat().st_mtime_ns
    assert main([], zip_path=stale) == 0
    assert "unchanged" in capsys.readouterr().out
    assert stale.stat().st_mtime_ns == written
