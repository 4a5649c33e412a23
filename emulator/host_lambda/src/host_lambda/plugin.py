"""Test infrastructure, not a production runtime: registers the executor with LocalStack."""

from __future__ import annotations

from typing import Any

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class HostRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    """Selected by LAMBDA_RUNTIME_EXECUTOR=host."""

    name = "host"

    def load(self, *args: Any, **kwargs: Any) -> type:
        from host_lambda.executor import HostRuntimeExecutor  # noqa: PLC0415  (plux loads lazily)

        return HostRuntimeExecutor
