"""Handler test fixtures: lambda/ importable, a clean environment, processors in tmp_path."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from insert_trigger_tests.support import LAMBDA_DIR, RECORDING_PROCESSOR, Recorder

if str(LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR))

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No INSERT_PROCESSOR, DEADLINE_MARGIN_MS or HANDLER_METRICS from the shell leaks in."""
    monkeypatch.delenv("INSERT_PROCESSOR", raising=False)
    monkeypatch.delenv("DEADLINE_MARGIN_MS", raising=False)
    monkeypatch.delenv("HANDLER_METRICS", raising=False)


@pytest.fixture
def processor_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], str]]:
    """Write a module with the given source to tmp_path, importable; return its unique name."""
    names: list[str] = []

    def write(source: str) -> str:
        name = f"processor_{uuid.uuid4().hex}"
        (tmp_path / f"{name}.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        names.append(name)
        return name

    yield write
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture
def recorder(processor_module: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """A recording processor named by INSERT_PROCESSOR; it refuses items whose fail is true."""
    name = processor_module(RECORDING_PROCESSOR)
    monkeypatch.setenv("INSERT_PROCESSOR", f"{name}:process")
    return Recorder(name)
