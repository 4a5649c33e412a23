"""End-to-end fixtures: the offline AWS emulator (LocalStack host mode, emulator/) for a session."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_stack import AWS_ENV, AWS_ENV_CLEARED, ENDPOINT_URL, LocalStack

REPO = Path(__file__).resolve().parents[2]
# Who uses the emulator right now, and whether a fixture started it: xdist workers share it.
USERS_FILE = REPO / ".local" / "emulator" / "fixture-users.json"


def healthy() -> bool:
    try:
        url = f"{ENDPOINT_URL}/_localstack/health"
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310  (fixed http URL)
            return b'"services"' in answer.read()
    except OSError:
        return False


def run_script(name: str) -> None:
    done = subprocess.run(
        ["bash", str(REPO / "emulator" / name)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"emulator/{name} failed:\n{done.stdout}{done.stderr}", pytrace=False)


class Users:
    """The file-locked record of this fixture's users (pytest PIDs) across xdist workers."""

    def __enter__(self) -> dict[str, Any]:
        USERS_FILE.parent.mkdir(parents=True, exist_ok=True)
        self._file = USERS_FILE.open("a+")
        fcntl.flock(self._file, fcntl.LOCK_EX)
        self._file.seek(0)
        text = self._file.read()
        self.state: dict[str, Any] = json.loads(text) if text else {"pids": [], "started": False}
        self.state["pids"] = [pid for pid in self.state["pids"] if _alive(pid)]
        return self.state

    def __exit__(self, *_: object) -> None:
        self._file.seek(0)
        self._file.truncate()
        json.dump(self.state, self._file)
        self._file.close()  # releases the lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def localstack() -> Iterator[LocalStack]:
    """LocalStack on 127.0.0.1:4566, started if it does not answer, and AWS env vars aimed at it.

    Stopped at the end only if this fixture started it and no other test process still uses it.
    """
    with Users() as users:
        if not users["pids"]:
            users["started"] = False  # whatever runs now was started by someone else
        if not healthy():
            run_script("up.sh")
            users["started"] = True
        users["pids"].append(os.getpid())
    with pytest.MonkeyPatch.context() as env:
        for name in AWS_ENV_CLEARED:
            env.delenv(name, raising=False)
        for name, value in AWS_ENV.items():
            env.setenv(name, value)
        try:
            yield LocalStack()
        finally:
            with Users() as users:
                users["pids"] = [pid for pid in users["pids"] if pid != os.getpid()]
                if not users["pids"] and users["started"]:
                    run_script("down.sh")
                    users["started"] = False
