"""The package installs offline from redrive/ and its entry points run from the installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REDRIVE = Path(__file__).resolve().parents[2] / "redrive"


def test_installs_offline_and_runs_from_the_installed_copy(tmp_path: Path) -> None:
    # GIVEN the package folder, WHEN pip builds and installs it with no index and no isolation
    target = tmp_path / "site"
    install = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-index"),
            *("--no-deps", "--no-build-isolation", "--target", str(target), str(REDRIVE)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr

    # THEN python -m and the console script both answer --help from the installed copy
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import insert_trigger_redrive as m; print(m.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(target))
    module_help = subprocess.run(
        [sys.executable, "-m", "insert_trigger_redrive", "--help"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert "--function-name" in module_help.stdout
    assert "Exit codes" in module_help.stdout
    script = target / "bin" / "insert-trigger-redrive"
    script_help = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert script_help.stdout == module_help.stdout.replace("__main__.py", "insert-trigger-redrive")
    assert (target / "insert_trigger_redrive" / "py.typed").exists()
    # AND its metadata carries the module's version, which flit read from __version__
    version = (REDRIVE.parent / "VERSION").read_text().strip()
    assert (target / f"insert_trigger_redrive-{version}.dist-info").is_dir(), sorted(
        path.name for path in target.iterdir()
    )
