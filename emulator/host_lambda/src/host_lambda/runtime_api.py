"""Test infrastructure, not a production runtime: the Lambda Runtime API for one host process.

Serves the part of the AWS Lambda Runtime API (version 2018-06-01) that awslambdaric uses, on
127.0.0.1 and a free port, one invocation at a time. One instance per runtime process, so a
request left hanging by a killed process can never swallow a later invocation.
"""

from __future__ import annotations

import queue
import re
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_NEXT = "/2018-06-01/runtime/invocation/next"
_INIT_ERROR = "/2018-06-01/runtime/init/error"
_RESULT = re.compile(r"^/2018-06-01/runtime/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")


@dataclass(frozen=True)
class Invocation:
    """One event handed to the runtime by GET .../invocation/next."""

    request_id: str
    payload: bytes
    function_arn: str
    trace_id: str
    deadline_ms: int


@dataclass(frozen=True)
class Outcome:
    """What the runtime posted back: the response body, or the error body."""

    payload: bytes
    is_error: bool


class RuntimeApi:
    """A loopback HTTP server that queues invocations and collects their outcomes."""

    def __init__(self) -> None:
        self.ready = threading.Event()  # the runtime finished init and asked for work
        self.init_error: bytes | None = None
        self.init_failed = threading.Event()
        self._pending: queue.Queue[Invocation | None] = queue.Queue()
        self._outcomes: dict[str, Future[Outcome]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="host-lambda-runtime-api", daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """host:port, the value of AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def submit(self, invocation: Invocation) -> Future[Outcome]:
        """Queue an invocation; the future resolves when the runtime posts its outcome."""
        future: Future[Outcome] = Future()
        with self._lock:
            self._outcomes[invocation.request_id] = future
        self._pending.put(invocation)
        return future

    def close(self) -> None:
        """Stop serving; unblocks a runtime waiting on /next."""
        self._pending.put(None)
        self._server.shutdown()
        self._server.server_close()

    def _next_invocation(self) -> Invocation | None:
        self.ready.set()
        return self._pending.get()

    def _resolve(self, request_id: str, outcome: Outcome) -> bool:
        with self._lock:
            future = self._outcomes.pop(request_id, None)
        if future is None:
            return False
        future.set_result(outcome)
        return True

    def _fail_init(self, body: bytes) -> None:
        self.init_error = body
        self.init_failed.set()


def _handler_for(api: RuntimeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the runtime client expects

        def do_GET(self) -> None:
            if self.path != _NEXT:
                self._reply(HTTPStatus.NOT_FOUND)
                return
            invocation = api._next_invocation()
            if invocation is None:  # shutting down; the runtime process is already gone
                self.close_connection = True
                return
            self._reply(
                HTTPStatus.OK,
                invocation.payload,
                {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                    "Lambda-Runtime-Trace-Id": invocation.trace_id,
                },
            )

        def do_POST(self) -> None:
            body = self._read_body()
            if self.path == _INIT_ERROR:
                api._fail_init(body)
                self._reply(HTTPStatus.ACCEPTED)
                return
            match = _RESULT.match(self.path)
            if match is None:
                self._reply(HTTPStatus.NOT_FOUND)
                return
            outcome = Outcome(payload=body, is_error=match["kind"] == "error")
            known = api._resolve(match["id"], outcome)
            self._reply(HTTPStatus.ACCEPTED if known else HTTPStatus.BAD_REQUEST)

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _reply(
            self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request would drown LocalStack's log

    return Handler
