"""The Lambda zip: committed up to date, rebuilt byte for byte, the sources and nothing else."""

from __future__ import annotations

import zipfile
from pathlib import Path

import package_lambda as packager
import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "lambda" / "insert_trigger"
COMMITTED_ZIP = REPO / "lambda" / "insert_trigger.zip"


build, main, Package = packager.build, packager.main, packager.Package
EXAMPLE_ZIP = REPO / "examples" / "content-filter" / "package.zip"


def only_handler(zip_path: Path) -> tuple[packager.Package, ...]:
    """A package list that builds just the handler zip, at zip_path."""
    return (Package(zip_path, ((SOURCE, "insert_trigger/"),)),)


@pytest.mark.parametrize("package", packager.PACKAGES, ids=lambda p: p.zip_path.name)
def test_committed_zip_is_what_a_fresh_build_gives(package: packager.Package) -> None:
    # GIVEN a zip in the checkout, WHEN its sources are packaged afresh
    fresh = packager.build_package(package)

    # THEN the bytes are identical: the committed zip is current (else: make package)
    assert fresh == package.zip_path.read_bytes(), f"{package.zip_path}: run `make package`"


def test_example_zip_is_the_handler_plus_the_processor() -> None:
    with zipfile.ZipFile(EXAMPLE_ZIP) as archive:
        names = archive.namelist()

    handler = [f"insert_trigger/{path.name}" for path in sorted(SOURCE.glob("*.py"))]
    assert names == [*handler, "orders_processor.py"]


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
        assert entry.compress_type == zipfile.ZIP_STORED


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
    assert main(["--check"], packages=only_handler(stale)) == 1
    assert (
        "is out of date with lambda/insert_trigger/; run `make package`" in capsys.readouterr().err
    )
    assert stale.read_bytes() == b"stale"

    # WHEN rebuilt, THEN the check passes, and a second build leaves the file untouched
    assert main([], packages=only_handler(stale)) == 0
    assert main(["--check"], packages=only_handler(stale)) == 0
    written = stale.stat().st_mtime_ns
    assert main([], packages=only_handler(stale)) == 0
    assert "unchanged" in capsys.readouterr().out
    assert stale.stat().st_mtime_ns == written
