"""Start our emulator when the tests need it and nobody runs it; never touch a user's LocalStack.

Test infrastructure. xdist workers share one emulator: a file-locked list of users decides who
stops it, and only if a fixture started it.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EMULATOR = REPO / "emulator"
# Where emulator/up.sh serves: the only endpoint the tests may start or stop.
DEFAULT_ENDPOINT_URL = "http://127.0.0.1:4566"
# Who uses the emulator right now, and whether a fixture started it.
USERS_FILE = REPO / ".local" / "emulator" / "fixture-users.json"


def is_ours(endpoint: str) -> bool:
    """True for the endpoint emulator/up.sh serves, the only one the tests may start or stop."""
    return endpoint.rstrip("/") == DEFAULT_ENDPOINT_URL


def answers(endpoint: str, healthy_only: bool = False) -> bool:
    """True when an HTTP server answers at endpoint (healthy_only: LocalStack's health is ready)."""
    url = f"{endpoint.rstrip('/')}/_localstack/health"
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310  (http(s) URL)
            return b'"services"' in answer.read() or not healthy_only
    except urllib.error.HTTPError:
        return not healthy_only  # it answers, just not as LocalStack's health endpoint
    except (OSError, ValueError):
        return False


def not_answering(endpoint: str) -> str:
    """What to say when the user's LocalStack does not answer."""
    return (
        f"nothing answers at {endpoint} (from AWS_ENDPOINT_URL or LOCALSTACK_HOST): start your "
        f"LocalStack there, or unset both to use this repository's emulator at "
        f"{DEFAULT_ENDPOINT_URL}"
    )


def ensure(endpoint: str) -> None:
    """For `make demo` and `make bench`: start our emulator if it is down (showing its progress).

    Exits saying so if the user's LocalStack does not answer; never starts anything for it.
    """
    if not is_ours(endpoint):
        if not answers(endpoint):
            raise SystemExit(f"error: {not_answering(endpoint)}")
        return
    if answers(endpoint, healthy_only=True):
        return
    if subprocess.run(["bash", str(EMULATOR / "up.sh")], check=False).returncode != 0:
        raise SystemExit("error: emulator/up.sh failed (above)")


def run_script(name: str) -> None:
    """Run emulator/<name>; raise with its output if it fails."""
    done = subprocess.run(
        ["bash", str(EMULATOR / name)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"emulator/{name} failed:\n{done.stdout}{done.stderr}")


class Users:
    """The file-locked record of the fixture's users (pytest PIDs) across xdist workers."""

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


def join() -> None:
    """Count this process as a user of our emulator, starting it if it is not healthy."""
    with Users() as users:
        if not users["pids"]:
            users["started"] = False  # whatever runs now was started by someone else
        if not answers(DEFAULT_ENDPOINT_URL, healthy_only=True):
            run_script("up.sh")
            users["started"] = True
        users["pids"].append(os.getpid())


def leave() -> None:
    """Stop counting this process; stop the emulator if a fixture started it and no one is left."""
    with Users() as users:
        users["pids"] = [pid for pid in users["pids"] if pid != os.getpid()]
        if not users["pids"] and users["started"]:
            run_script("down.sh")
            users["started"] = False
