"""Build the Lambda zips from their sources, the same bytes every time and on every machine.

- lambda/insert_trigger.zip: the handler package (lambda/insert_trigger/*.py);
- examples/content-filter/package.zip: the same package plus the example's own processor.

python scripts/package_lambda.py           write the zips (only those whose content changes)
python scripts/package_lambda.py --check   exit 1 when a committed zip is out of date
"""

from __future__ import annotations

import argparse
import io
import sys
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
)


def build(source: Path = SOURCE, *extra: tuple[Path, str]) -> bytes:
    """Zip ``source``'s .py files as insert_trigger/<file>.py, then each extra folder's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for folder, prefix in ((source, "insert_trigger/"), *extra):
            for path in sorted(folder.glob("*.py")):
                entry = zipfile.ZipInfo(f"{prefix}{path.name}", date_time=TIMESTAMP)
                entry.external_attr = FILE_MODE << 16
                entry.create_system = UNIX
                entry.compress_type = zipfile.ZIP_STORED
                archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


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
