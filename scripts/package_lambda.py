"""Build lambda/insert_trigger.zip from lambda/insert_trigger/*.py, the same bytes every time.

python scripts/package_lambda.py           write the zip (only when its content changes)
python scripts/package_lambda.py --check   exit 1 when the committed zip is out of date
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "lambda" / "insert_trigger"
ZIP_PATH = REPO / "lambda" / "insert_trigger.zip"

# Everything that could vary between machines or runs is fixed: order, time, mode, compression.
TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # a regular file, rw-r--r--
COMPRESSION_LEVEL = 9
UNIX = 3


def build(source: Path = SOURCE) -> bytes:
    """Return the zip of ``source``'s .py files as insert_trigger/<file>.py, sorted by name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(source.glob("*.py")):
            entry = zipfile.ZipInfo(f"insert_trigger/{path.name}", date_time=TIMESTAMP)
            entry.external_attr = FILE_MODE << 16
            entry.create_system = UNIX
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=COMPRESSION_LEVEL)
    return buffer.getvalue()


def main(argv: list[str] | None = None, source: Path = SOURCE, zip_path: Path = ZIP_PATH) -> int:
    """Write or check the zip; return the exit status."""
    parser = argparse.ArgumentParser(description="Build or check the handler's Lambda zip.")
    parser.add_argument("--check", action="store_true", help="fail if the zip is out of date")
    check = parser.parse_args(argv).check
    fresh = build(source)
    current = zip_path.read_bytes() if zip_path.exists() else None
    if check:
        if current != fresh:
            print(
                f"{_shown(zip_path)} is out of date with {_shown(source)}/; run `make package`",
                file=sys.stderr,
            )
            return 1
        print(f"{_shown(zip_path)} is up to date")
    elif current != fresh:
        zip_path.write_bytes(fresh)
        print(f"wrote {_shown(zip_path)} ({len(fresh)} bytes)")
    else:
        print(f"{_shown(zip_path)} unchanged")
    return 0


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    sys.exit(main())
