"""Importing the handler package stays cheap: no AWS SDK, and the processor waits for an INSERT."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from insert_trigger_tests.support import LAMBDA_DIR

if TYPE_CHECKING:
    from pathlib import Path


def test_import_loads_no_aws_sdk_and_not_the_processor(tmp_path: Path) -> None:
    # GIVEN INSERT_PROCESSOR naming a module that exists, and boto3 installed alongside
    (tmp_path / "cold_start_processor.py").write_text("def process(item, record):\n    pass\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(LAMBDA_DIR), str(tmp_path)]),
        "INSERT_PROCESSOR": "cold_start_processor:process",
    }

    # WHEN a fresh interpreter imports the package, listing the modules it loads; sys.modules
    # as well, since -X importtime does not see imports made through importlib
    code = "import sys, insert_trigger; print(*sys.modules, sep='\\n')"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    timed = {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    loaded = timed | set(result.stdout.split())

    # THEN the package is loaded, and neither the AWS SDK nor the processor is
    assert "insert_trigger.handler" in timed
    unwanted = {"boto3", "botocore", "cold_start_processor"}
    assert {name for name in loaded if name.split(".")[0] in unwanted} == set()
