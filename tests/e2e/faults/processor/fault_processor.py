"""Test infrastructure: a processor that injects the fault each item names in its "fault" attribute.

Tries are counted in the function's /tmp (tempfile.gettempdir()), which this project's emulator
keeps across invocations and runtime restarts within one execution environment, as AWS keeps
/tmp while an environment stays warm. A new environment (a configuration change) starts afresh.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FAULTS = ("fail_first", "slow", "crash", "crash_until_fixed")


def process(item: dict[str, Any], record: dict[str, Any]) -> None:
    """Accept the item, after the fault it asks for: fail_first (k), slow (ms), crash (k),
    crash_until_fixed (until FAULTS_FIXED is set);
    then write one "effect" line, the processor's own count of the inserts it took effect for."""
    _inject(item.get("fault"), item, record)
    sys.stdout.write(json.dumps({"message": "effect", "pk": item.get("pk")}) + "\n")


def _inject(fault: object, item: dict[str, Any], record: dict[str, Any]) -> None:
    if fault is None:
        return
    if fault == "fail_first":
        tries, k = _count_try(record), int(item["k"])
        if tries <= k:
            raise RuntimeError(f"fail_first: try {tries} of {item['pk']!r} fails (k={k})")
    elif fault == "slow":
        time.sleep(int(item["ms"]) / 1000)
    elif fault == "crash":
        if _count_try(record) <= int(item.get("k", 1)):
            # The process dies as if killed (out of memory, a segfault): no exception, no
            # response. The lines written before it are out: the runtime's stdout is unbuffered.
            os._exit(1)
    elif fault == "crash_until_fixed":
        if not os.environ.get("FAULTS_FIXED"):  # the fix a redrive follows
            os._exit(1)
    else:
        raise ValueError(f"fault {fault!r} of {item.get('pk')!r} is not one of {FAULTS}")


def _count_try(record: dict[str, Any]) -> int:
    """Note one more try of this stream record; return how many there have been."""
    folder = Path(tempfile.gettempdir()) / "fault-tries"
    folder.mkdir(exist_ok=True)
    marker = folder / str(record["eventID"])
    tries = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(tries))
    return tries
