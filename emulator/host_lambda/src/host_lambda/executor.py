"""Test infrastructure, not a production runtime: Python Lambda functions as host processes.

Each LocalStack execution environment gets one warm process, `python -m awslambdaric <handler>`,
started from the function's own unzipped package and talking to a private Runtime API
(runtime_api.py). Like AWS: the real context object and error shape (awslambdaric's), the
function's environment variables, warm starts, a killed process on timeout, logs returned
with START/END/REPORT lines so LocalStack writes them to /aws/lambda/<name>.

Isolation: the interpreter is LocalStack's Python started with -S -s, so it sees only the
standard library, the function code (first, as /var/task on AWS) and the runtime directory
holding awslambdaric (as /var/runtime); none of LocalStack's site-packages. Unlike AWS there is
no boto3 in that directory: the project's handler is standard-library only.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from host_lambda.runtime_api import Invocation, Outcome, RuntimeApi

RUNTIME_DIR_VARIABLE = "HOST_LAMBDA_RUNTIME_DIR"
# Where each invocation's stream records are noted, one JSON line per invocation in
# <function name>.jsonl: an extra check for the tests, which count from the function's own
# summary lines. HOST_LAMBDA_DELIVERIES=off writes none, as on any other LocalStack.
DELIVERIES_DIR_VARIABLE = "HOST_LAMBDA_DELIVERIES_DIR"
DELIVERIES_SWITCH_VARIABLE = "HOST_LAMBDA_DELIVERIES"
_POLL_SECONDS = 0.05


def _runtime_dir() -> Path:
    value = os.environ.get(RUNTIME_DIR_VARIABLE, "")
    if not value or not (Path(value) / "awslambdaric").is_dir():
        raise LambdaRuntimeException(
            f"{RUNTIME_DIR_VARIABLE} must name a directory holding awslambdaric "
            "(emulator/setup.sh installs it; start LocalStack with emulator/up.sh)"
        )
    return Path(value)


def _note_delivery(function_name: str, request_id: str, event_json: str) -> None:
    """Append the stream records an invocation carries (event name, keys, sequence number)."""
    folder = os.environ.get(DELIVERIES_DIR_VARIABLE)
    if not folder or os.environ.get(DELIVERIES_SWITCH_VARIABLE, "on") == "off":
        return
    try:
        records = json.loads(event_json).get("Records")
    except (ValueError, AttributeError):
        return
    if not isinstance(records, list):
        return
    seen = [
        {
            "request_id": request_id,
            "eventName": r.get("eventName"),
            "keys": r.get("dynamodb", {}).get("Keys"),
            "sequence_number": r.get("dynamodb", {}).get("SequenceNumber"),
        }
        for r in records
        if isinstance(r, dict) and isinstance(r.get("dynamodb"), dict)
    ]
    if seen:
        Path(folder).mkdir(parents=True, exist_ok=True)
        line = json.dumps({"request_id": request_id, "records": seen})
        with (Path(folder) / f"{function_name}.jsonl").open("a") as sink:
            sink.write(line + "\n")


def _end_line(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _error(request_id: str, error_type: str, message: str) -> bytes:
    return json.dumps(
        {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"}
    ).encode()


class HostRuntimeExecutor(RuntimeExecutor):
    """One warm runtime process per LocalStack execution environment."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self._env: dict[str, str] = {}
        self._workdir = Path(tempfile.mkdtemp(prefix=f"host-lambda-{id[:8]}-"))
        self._output = self._workdir / "output.log"  # the process's stdout and stderr
        self._read_offset = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._api: RuntimeApi | None = None
        self._init_ms: float | None = None  # reported once, on the first invoke after a cold start
        self._lock = threading.Lock()
        self._stopped = False

    # LocalStack's lifecycle

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        cfg = function_version.config
        if cfg.package_type != "Zip" or not (cfg.runtime or "").startswith("python"):
            raise LambdaRuntimeException(
                f"the host executor runs zip-packaged python* functions only, not {cfg.runtime}"
            )
        if cfg.layers:
            raise LambdaRuntimeException("the host executor does not support layers")
        _runtime_dir()
        if cfg.code:
            cfg.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # nothing prepared beyond LocalStack's own unzipped code

    def start(self, env_vars: dict[str, str]) -> None:
        self._env = {name: str(value) for name, value in env_vars.items()}
        with self._lock:
            self._spawn()

    def stop(self) -> None:
        # Not under the lock: stopping must interrupt a running invoke, which then reports the exit.
        self._stopped = True
        self._kill()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        with self._lock:
            if self._stopped:
                raise LambdaRuntimeException(f"execution environment {self.id} is stopped")
            if self._process is None or self._process.poll() is not None:
                self._spawn()  # after a timeout or a crash, as AWS does on the next invoke
            _note_delivery(self.function_version.id.function_name, request_id, payload["payload"])
            init_logs = self._read_output()
            started = time.monotonic()
            outcome, note = self._run(request_id, payload)
            duration_ms = (time.monotonic() - started) * 1000
            logs = self._read_output()
            if note:  # the platform's own line, as AWS writes it
                stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
                logs = f"{_end_line(logs)}{stamp}Z {request_id} {note}\n"
            framed = init_logs + self._frame(request_id, logs, duration_ms)
        return InvocationResult(request_id, outcome.payload, is_error=outcome.is_error, logs=framed)

    def get_logs(self) -> str:
        try:
            return self._output.read_text(errors="replace")
        except OSError:
            return ""

    # Addresses: everything stays on the loopback interface.

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return config.GATEWAY_LISTEN[0].host or "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        host, port = self.get_endpoint_from_executor(), config.GATEWAY_LISTEN[0].port
        return f"http://{host}:{port}/_localstack_lambda/{self.id}"

    # The runtime process

    def _spawn(self) -> None:
        self._kill()
        cfg = self.function_version.config
        code_dir = str(cfg.code.get_unzipped_code_location()) if cfg.code else ""
        runtime_dir = str(_runtime_dir())
        function_tmp = self._workdir / "tmp"  # the function's /tmp
        function_tmp.mkdir(exist_ok=True)
        api = RuntimeApi()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": str(function_tmp),
            "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on AWS
            **self._env,
            "LAMBDA_TASK_ROOT": code_dir,
            "LAMBDA_RUNTIME_DIR": runtime_dir,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{cfg.runtime}",
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "PYTHONPATH": os.pathsep.join([code_dir, runtime_dir]),
        }
        started = time.monotonic()
        with self._output.open("ab") as sink:
            process = subprocess.Popen(
                [sys.executable, "-S", "-s", "-m", "awslambdaric", cfg.handler or ""],
                cwd=code_dir or None,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: a kill takes what it started too
            )
        self._process, self._api = process, api
        limit_s = config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT
        deadline = started + limit_s
        while not (api.ready.is_set() or api.init_failed.is_set() or process.poll() is not None):
            if time.monotonic() > deadline:
                self._kill()
                raise LambdaRuntimeException(f"runtime did not finish init within {limit_s} s")
            api.ready.wait(_POLL_SECONDS)
        self._init_ms = (time.monotonic() - started) * 1000

    def _run(self, request_id: str, payload: dict[str, str]) -> tuple[Outcome, str]:
        """Hand one event to the runtime; return its outcome and a platform log note, if any."""
        process, api = self._process, self._api
        if process is None or api is None:
            return Outcome(_error(request_id, "Runtime.Stopped", "environment stopped"), True), ""
        if api.init_error is not None:  # awslambdaric posted it and is exiting
            self._kill()
            return Outcome(api.init_error, is_error=True), ""
        if process.poll() is not None:
            self._kill()
            note = f"Runtime exited with error: exit status {process.returncode}"
            return Outcome(_error(request_id, "Runtime.ExitError", note), True), note
        timeout_s = float(self.function_version.config.timeout)
        future = api.submit(
            Invocation(
                request_id=request_id,
                payload=payload["payload"].encode(),
                function_arn=payload["invoked-function-arn"],
                trace_id=payload.get("trace-id", ""),
                deadline_ms=int((time.time() + timeout_s) * 1000),
            )
        )
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return future.result(timeout=_POLL_SECONDS), ""
            except FutureTimeout:
                pass
            if process.poll() is not None and not future.done():
                self._kill()
                note = f"Runtime exited with error: exit status {process.returncode}"
                return Outcome(_error(request_id, "Runtime.ExitError", note), True), note
            if time.monotonic() > deadline:
                self._kill()
                note = f"Task timed out after {timeout_s:.2f} seconds"
                return Outcome(_error(request_id, "Sandbox.Timedout", note), True), note

    def _kill(self) -> None:
        """Kill the runtime's process group and close its API; safe twice, from any thread."""
        process, api = self._process, self._api
        self._process, self._api = None, None
        if process is not None:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if api is not None:
            api.close()

    # Logs

    def _read_output(self) -> str:
        """Output written since the last call; a regular file, so nothing written is in flight."""
        try:
            with self._output.open("rb") as output:
                output.seek(self._read_offset)
                data = output.read()
        except OSError:
            return ""
        self._read_offset += len(data)
        return data.decode(errors="replace")

    def _frame(self, request_id: str, logs: str, duration_ms: float) -> str:
        cfg = self.function_version.config
        init = ""
        if self._init_ms is not None:
            init = f"\tInit Duration: {self._init_ms:.2f} ms"
            self._init_ms = None
        return (
            f"START RequestId: {request_id} Version: {self.function_version.id.qualifier}\n"
            f"{_end_line(logs)}"
            f"END RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {cfg.memory_size} MB"
            f"{init}\n"
        )
