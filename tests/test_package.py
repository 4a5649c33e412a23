"""The Lambda zips: committed up to date, rebuilt byte for byte, the sources and their bytecode."""

from __future__ import annotations

import json
import subprocess
import sys
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

    assert names == [
        *handler_entries(),
        "orders_processor.py",
        "__pycache__/orders_processor.cpython-313.pyc",
    ]


def handler_entries() -> list[str]:
    """The handler's entries: its sources, then the bytecode of each."""
    stems = [path.stem for path in sorted(SOURCE.glob("*.py"))]
    return [f"insert_trigger/{stem}.py" for stem in stems] + [
        f"insert_trigger/__pycache__/{stem}.cpython-313.pyc" for stem in stems
    ]


def test_building_twice_gives_the_same_bytes() -> None:
    # GIVEN the sources, WHEN built twice, THEN the bytes are identical
    assert build(SOURCE) == build(SOURCE)


def test_zip_holds_the_sources_then_their_bytecode_with_fixed_metadata(tmp_path: Path) -> None:
    # GIVEN a source folder that also holds bytecode caches of its own and a non-Python file
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

        # THEN it holds the .py files, sorted, under insert_trigger/, then bytecode compiled
        # from them (not the folder's own caches), all with fixed metadata
        assert [entry.filename for entry in entries] == [
            "insert_trigger/a.py",
            "insert_trigger/b.py",
            "insert_trigger/__pycache__/a.cpython-313.pyc",
            "insert_trigger/__pycache__/b.cpython-313.pyc",
        ]
        assert archive.read("insert_trigger/a.py") == b"A = 1\n"
        assert archive.read("insert_trigger/__pycache__/a.cpython-313.pyc") != b"\x00"
    for entry in entries:
        assert entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert entry.external_attr >> 16 == 0o100644
        assert entry.compress_type == zipfile.ZIP_STORED


def test_committed_zip_holds_every_source_and_its_bytecode_and_nothing_else() -> None:
    # GIVEN the committed zip, WHEN listed, THEN it is the package's .py files and their .pyc
    with zipfile.ZipFile(COMMITTED_ZIP) as archive:
        names = archive.namelist()
    assert names == handler_entries()
    assert "insert_trigger/__init__.py" in names


def test_shipped_bytecode_is_used_and_never_runs_stale(tmp_path: Path) -> None:
    # GIVEN the committed zip unpacked as Lambda unpacks it into /var/task
    with zipfile.ZipFile(COMMITTED_ZIP) as archive:
        archive.extractall(tmp_path)

    # WHEN a fresh interpreter that writes no bytecode (-B, as /var/task is read-only)
    # imports the package, THEN it compiles none of the package's modules
    assert compiled_on_import(tmp_path) == ([], False)

    # GIVEN a source edited after packaging, WHEN imported again, THEN that module is
    # compiled from the edited source: checked-hash bytecode is not used once it is stale
    image = tmp_path / "insert_trigger" / "image.py"
    image.write_text(image.read_text() + "\nEDITED = True\n")
    assert compiled_on_import(tmp_path) == ([str(image)], True)


def compiled_on_import(folder: Path) -> tuple[list[str], bool]:
    """The package's modules compiled from source by `import insert_trigger` in a fresh
    interpreter, and whether insert_trigger.image has the attribute EDITED."""
    code = f"""
import json, sys
from importlib.machinery import SourceFileLoader
compiled = []
source_to_code = SourceFileLoader.source_to_code
def counted(self, data, path, *args, **kwargs):
    compiled.append(path)
    return source_to_code(self, data, path, *args, **kwargs)
SourceFileLoader.source_to_code = counted
sys.path.insert(0, {str(folder)!r})
import insert_trigger
mine = [path for path in compiled if path.startswith({str(folder)!r})]
print(json.dumps([mine, hasattr(insert_trigger.image, "EDITED")]))
"""
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code], capture_output=True, text=True, check=True
    )
    compiled, edited = json.loads(result.stdout)
    return compiled, edited


def test_packager_refuses_a_python_that_cannot_write_the_bytecode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the packager set to write bytecode for a Python other than the one running it
    monkeypatch.setattr(packager, "BYTECODE_PYTHON", (3, 12))

    # WHEN it builds, THEN it stops, naming both versions and the command to use
    with pytest.raises(SystemExit, match=r"python3\.12.*this is Python 3\.13.*make package"):
        build(SOURCE)


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
