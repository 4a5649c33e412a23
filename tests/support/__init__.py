"""Test infrastructure shared by the tests, `make demo` and `make bench` (never shipped)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Where the fault suite (tests/e2e/test_faults.py) writes its table, for pytest's summary to show.
FAULT_TABLE = REPO / ".local" / "fault-table.md"
# And the fault suite with the idempotency ledger (tests/e2e/test_faults_idempotent.py).
IDEMPOTENT_FAULT_TABLE = REPO / ".local" / "fault-table-idempotency.md"
