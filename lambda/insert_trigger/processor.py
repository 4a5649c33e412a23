"""Which function processes an inserted item: the one INSERT_PROCESSOR names, or ``process``."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

type Processor = Callable[[dict[str, Any], dict[str, Any]], object]

ENV_VAR = "INSERT_PROCESSOR"

# The spec in force and the function it named: imported once, on the first INSERT, not at
# import time, so a cold start pays for the processor only when there is work for it.
_loaded: dict[str, Processor] = {}


class ProcessorError(RuntimeError):
    """INSERT_PROCESSOR does not name an importable ``module:function``."""


def process(item: dict[str, Any], record: dict[str, Any]) -> None:
    """The default processor: accept the item; the handler's log line is its only trace."""


def configured_processor() -> Processor:
    """Return the function INSERT_PROCESSOR names as ``module:function``, else ``process``."""
    spec = os.environ.get(ENV_VAR, "").strip()
    if spec not in _loaded:
        _loaded.clear()
        _loaded[spec] = _import(spec) if spec else process
    return _loaded[spec]


def _import(spec: str) -> Processor:
    module_name, colon, function_name = spec.partition(":")
    if not (colon and module_name and function_name):
        raise ProcessorError(
            f"{ENV_VAR}={spec!r} is not of the form module:function, e.g. orders.events:on_insert"
        )
    # Imported here, not with this module: Lambda's runtime has importlib loaded already, and
    # elsewhere only a configured processor needs it.
    import importlib  # noqa: PLC0415

    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise ProcessorError(
            f"{ENV_VAR}={spec!r}: cannot import module {module_name!r}: {error!r}"
        ) from error
    function: Processor | None = getattr(module, function_name, None)
    if not callable(function):
        raise ProcessorError(
            f"{ENV_VAR}={spec!r}: module {module_name!r} has no function {function_name!r}"
        )
    return function
