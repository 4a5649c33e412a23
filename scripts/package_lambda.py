"""Build the Lambda zips from their sources, the same bytes every time and on every machine.

- lambda/insert_trigger.zip: the handler package (lambda/insert_trigger/*.py);
- examples/content-filter/package.zip: the same package plus the example's own processor;
- examples/existing-function/package.zip: the same package plus the example's own function.

Each module ships with its bytecode for python3.13, the module's default runtime. Lambda's
/var/task is read-only, so without it every cold start compiles the package from source. The
bytecode is checked-hash: Python runs it only while its source's hash matches, so it can never be
stale, and other runtimes (cpython-312, cpython-314 tags) ignore it and compile as before.
A different 3.13 patch release may compile a few bytes differently; the zip then fails the check
on that machine until rebuilt, and either build is correct.

python scripts/package_lambda.py           write the zips (only those whose content changes)
python scripts/package_lambda.py --check   exit 1 when a committed zip is out of date
"""

from __future__ import annotations

import argparse
import io
import py_compile
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "lambda" / "insert_trigger"
ZIP_PATH = REPO / "lambda" / "insert_trigger.zip"

# Everything that could vary between machines or runs is fixed: order, time, mode. Entries are
# stored, not deflated: deflate's bytes differ between zlib builds, and the package is ~20 KB.
TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # a regular file, rw-r--r--
UNIX = 3
# The Python the bytecode is for: the runtime variable's default. The packager must be this
# Python, as bytecode is only read by the minor version that wrote it.
BYTECODE_PYTHON = (3, 13)


@dataclass(frozen=True)
class Package:
    """One zip: folders of .py files, each placed under a prefix inside the archive."""

    zip_path: Path
    folders: tuple[tuple[Path, str], ...]


PACKAGES = (
    Package(ZIP_PATH, ((SOURCE, "insert_trigger/"),)),
    Package(
        REPO / "examples" / "content-filter" / "package.zip",
        ((SOURCE, "insert_trigger/"), (REPO / "examples" / "content-filter" / "processor", "")),
    ),
    Package(  # the same processor, for the Kinesis example
        REPO / "examples" / "kinesis" / "package.zip",
        ((SOURCE, "insert_trigger/"), (REPO / "examples" / "content-filter" / "processor", "")),
    ),
    Package(
        REPO / "examples" / "existing-function" / "package.zip",
        ((SOURCE, "insert_trigger/"), (REPO / "examples" / "existing-function" / "function", "")),
    ),
)


def build(source: Path = SOURCE, *extra: tuple[Path, str]) -> bytes:
    """Zip ``source``'s .py files as insert_trigger/<file>.py, then each extra folder's.

    After each folder's sources come their compiled forms, __pycache__/<name>.cpython-313.pyc.
    """
    _require_bytecode_python()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, tempfile.TemporaryDirectory() as scratch:
        for folder, prefix in ((source, "insert_trigger/"), *extra):
            paths = sorted(folder.glob("*.py"))
            for path in paths:
                _add(archive, f"{prefix}{path.name}", path.read_bytes())
            for path in paths:
                name = f"{prefix}{path.name}"
                _add(archive, _cached_name(name), _bytecode(path, name, Path(scratch)))
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    entry = zipfile.ZipInfo(name, date_time=TIMESTAMP)
    entry.external_attr = FILE_MODE << 16
    entry.create_system = UNIX
    entry.compress_type = zipfile.ZIP_STORED
    archive.writestr(entry, data)


def _cached_name(name: str) -> str:
    """Where Python looks for a module's bytecode: a/b.py -> a/__pycache__/b.cpython-313.pyc."""
    # Not importlib.util.cache_from_source: it follows PYTHONPYCACHEPREFIX and -O of the
    # Python running this, and the zip must not depend on either.
    folder, _, file_name = name.rpartition("/")
    tag = "cpython-{}{}".format(*BYTECODE_PYTHON)
    cached = f"__pycache__/{file_name.removesuffix('.py')}.{tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def _bytecode(path: Path, name: str, scratch: Path) -> bytes:
    # The archive name, not this checkout's path, goes into the bytecode, so every machine gets
    # the same bytes; Python puts the real path in its place when it loads the module.
    target = scratch / "module.pyc"
    py_compile.compile(
        str(path),
        cfile=str(target),
        dfile=name,
        doraise=True,
        optimize=0,  # as Lambda runs Python: asserts and docstrings kept, whatever runs this
        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
    )
    return target.read_bytes()


def _require_bytecode_python() -> None:
    if sys.version_info[:2] != BYTECODE_PYTHON:
        wanted = "{}.{}".format(*BYTECODE_PYTHON)
        found = "{}.{}".format(*sys.version_info[:2])
        raise SystemExit(
            f"package_lambda.py writes bytecode for python{wanted}, the default runtime, and "
            f"only Python {wanted} can write it; this is Python {found}. Run `make package`, "
            f"which uses the project's Python {wanted}."
        )


def build_package(package: Package) -> bytes:
    """The bytes of one package's zip."""
    (source, _), *extra = package.folders
    return build(source, *extra)


def main(argv: list[str] | None = None, packages: tuple[Package, ...] = PACKAGES) -> int:
    """Write or check the zips; return the exit status."""
    parser = argparse.ArgumentParser(description="Build or check the Lambda zips.")
    parser.add_argument("--check", action="store_true", help="fail if a zip is out of date")
    check = parser.parse_args(argv).check
    status = 0
    for package in packages:
        fresh, zip_path = build_package(package), package.zip_path
        current = zip_path.read_bytes() if zip_path.exists() else None
        sources = " and ".join(f"{_shown(folder)}/" for folder, _ in package.folders)
        if check and current != fresh:
            print(
                f"{_shown(zip_path)} is out of date with {sources}; run `make package`",
                file=sys.stderr,
            )
            status = 1
        elif check:
            print(f"{_shown(zip_path)} is up to date")
        elif current != fresh:
            zip_path.write_bytes(fresh)
            print(f"wrote {_shown(zip_path)} ({len(fresh)} bytes)")
        else:
            print(f"{_shown(zip_path)} unchanged")
    return status


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    sys.exit(main())
