"""What the idempotency ledger costs a cold start, against Powertools' idempotency utility.

Runs in the bench venv (`make bench`), which has boto3 (standing in for Lambda's runtime copy) and
aws-lambda-powertools. Each import is timed in fresh interpreters, alternating, median shown:

- boto3 alone: `import boto3` and a DynamoDB client, what any ledger on boto3 pays;
- this ledger: the same from the module's own zip (lambda/insert_trigger.zip, unpacked);
- Powertools: its idempotency utility and DynamoDB persistence layer, from a zip of the package
  and its dependencies (jmespath, typing_extensions) unpacked, writing no bytecode, as a function
  that ships it in its zip would load it on Lambda. Prints, never asserts.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import aws_lambda_powertools
import boto3

REPO = Path(__file__).resolve().parents[1]
RUNS = 7
SITE = Path(boto3.__file__).parent.parent
SHIPPED_WITH_POWERTOOLS = ("aws_lambda_powertools", "jmespath", "typing_extensions.py")
CLIENT = "import boto3; boto3.client('dynamodb')"
IMPORTS = {
    "boto3 alone": ("", CLIENT),
    "this ledger": ("handler", "from insert_trigger import ledger; ledger.Ledger('ledger')"),
    "Powertools idempotency": (
        "powertools",
        "from aws_lambda_powertools.utilities.idempotency import (DynamoDBPersistenceLayer, "
        "idempotent_function); DynamoDBPersistenceLayer(table_name='ledger')",
    ),
}


def powertools_zip() -> bytes:
    """Powertools and the packages it needs beyond boto3, zipped without bytecode."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in SHIPPED_WITH_POWERTOOLS:
            root = SITE / name
            for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(SITE).as_posix())
    return buffer.getvalue()


def timed_ms(code: str, code_dir: str) -> float:
    """Milliseconds ``code`` takes in a fresh interpreter with ``code_dir`` first on the path."""
    program = f"import time; s = time.perf_counter(); {code}; print(time.perf_counter() - s)"
    env = {
        **os.environ,
        "PYTHONPATH": code_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout.split()[-1]) * 1000


def main() -> int:
    """Unpack both zips, time each import RUNS times, alternating, and print the medians."""
    shipped = powertools_zip()
    with tempfile.TemporaryDirectory() as scratch:
        folders = {"": "", "handler": f"{scratch}/handler", "powertools": f"{scratch}/powertools"}
        zipfile.ZipFile(REPO / "lambda" / "insert_trigger.zip").extractall(folders["handler"])
        zipfile.ZipFile(io.BytesIO(shipped)).extractall(folders["powertools"])
        times: dict[str, list[float]] = {name: [] for name in IMPORTS}
        for _ in range(RUNS):
            for name, (folder, code) in IMPORTS.items():
                times[name].append(timed_ms(code, folders[folder]))
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(shipped)).infolist())
    base = statistics.median(times["boto3 alone"])
    print(
        f"\n==> cold import for a ledger (medians of {RUNS} fresh interpreters; "
        f"aws-lambda-powertools {aws_lambda_powertools.__version__}, boto3 {boto3.__version__})"
    )
    print(f"  {'import':<26}{'ms':>8}{'vs boto3 alone':>16}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<26}{median:>8.0f}{median - base:>+15.0f} ms")
    print(
        f"  Powertools' zip: {len(shipped) / 1e6:.2f} MB zipped, {unpacked / 1e6:.1f} MB "
        f"unpacked ({', '.join(SHIPPED_WITH_POWERTOOLS)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
