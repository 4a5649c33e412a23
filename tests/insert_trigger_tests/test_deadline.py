"""The deadline stop: before each INSERT, enough time must be left, else the batch stops there."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from insert_trigger import batch, lambda_handler, process_inserts
from insert_trigger.batch import HEADROOM_MS
from insert_trigger_tests.support import inserts, lines_with, load_event, log_lines

if TYPE_CHECKING:
    from collections.abc import Callable


class Clock:
    """A fake clock for the handler's timing and the context's deadline, moved by the processor."""

    def __init__(self, budget_ms: float) -> None:
        self.now = 0.0  # seconds
        self.deadline = budget_ms / 1000
        self.reads = 0

    def perf_counter(self) -> float:
        """Stands in for time.perf_counter in the handler."""
        return self.now

    def get_remaining_time_in_millis(self) -> int:
        """The context method Lambda provides: whole milliseconds left."""
        self.reads += 1
        return round((self.deadline - self.now) * 1000)

    def processor(self, durations_ms: list[float]) -> Callable[[dict[str, Any], Any], None]:
        """A processor whose n-th call takes durations_ms[n] (the last repeats) and is recorded."""
        self.calls: list[str] = []

        def process(item: dict[str, Any], record: dict[str, Any]) -> None:
            duration = durations_ms[min(len(self.calls), len(durations_ms) - 1)]
            self.now += duration / 1000
            self.calls.append(record["eventID"])

        return process


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], Clock]:
    """A Clock with the given budget, which the handler reads instead of time.perf_counter."""

    def make(budget_ms: float) -> Clock:
        fake = Clock(budget_ms)
        monkeypatch.setattr(batch, "perf_counter", fake.perf_counter)
        return fake

    return make


def long_batch(inserts_wanted: int = 10) -> dict[str, Any]:
    """A batch of inserts with an update between each, sequence numbers rising."""
    template = load_event("mixed_batch")["Records"]
    insert, update = template[0], template[2]
    records: list[dict[str, Any]] = []
    for n in range(inserts_wanted):
        for kind, source in (("INSERT", insert), ("MODIFY", update)):
            record = {**source, "eventID": f"{kind}-{n}", "dynamodb": dict(source["dynamodb"])}
            record["dynamodb"]["SequenceNumber"] = f"{len(records) + 1:021d}"
            records.append(record)
    return {"Records": records}


def test_a_fixed_margin_stops_the_batch_at_the_first_insert_it_does_not_fit(
    clock: Callable[[float], Clock],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN 2000 ms left, inserts that take 400 ms each, and a margin of 500 ms
    monkeypatch.setenv("DEADLINE_MARGIN_MS", "500")
    fake = clock(2000)
    event = long_batch(10)

    # WHEN the batch is processed
    response = process_inserts(event, fake.processor([400]), fake)

    # THEN four inserts ran (2000, 1600, 1200, 800 ms left before each), and the fifth is
    # reported for Lambda to resume from, with 400 ms left
    fifth = inserts(event)[4]
    assert fake.calls == [record["eventID"] for record in inserts(event)[:4]]
    assert response == {"batchItemFailures": [{"itemIdentifier": "000000000000000000009"}]}
    assert fifth["dynamodb"]["SequenceNumber"] == "000000000000000000009"

    # AND one warning says so, before the summary, which is the last line
    output = capsys.readouterr().out
    [stop] = lines_with(output, "stopped for the deadline")
    assert stop == {
        "level": "WARNING",
        "message": "stopped for the deadline",
        "sequence_number": "000000000000000000009",
        "processed": 4,
        "left_for_retry": 12,
        "time_left_ms": 400,
        "margin_ms": 500,
    }
    summary = log_lines(output)[-1]
    assert summary == {
        "level": "INFO",
        "message": "batch summary",
        "received": {"INSERT": 10, "MODIFY": 10},
        "processed": 4,
        "skipped": 4,
        "failed": 0,
        "left_for_retry": 12,
        "stopped_for_deadline": True,
    }
    assert log_lines(output)[-2] == stop
    assert summary["processed"] + summary["skipped"] + summary["left_for_retry"] == 20


def test_the_default_margin_is_the_slowest_insert_so_far_plus_headroom(
    clock: Callable[[float], Clock], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN 1000 ms left, inserts taking 50, 250, then 100 ms each, and no DEADLINE_MARGIN_MS
    fake = clock(1000)
    event = long_batch(10)

    # WHEN the batch is processed
    response = process_inserts(event, fake.processor([50, 250, 100]), fake)

    # THEN inserts run while 250 ms (the slowest so far) + the headroom still fits:
    # 1000, 950, 700, 600, 500 ms left before each; at 400 ms it stops
    assert HEADROOM_MS == 200  # the figures below are worked out for this headroom
    assert len(fake.calls) == 5
    [stop] = lines_with(capsys.readouterr().out, "stopped for the deadline")
    assert (stop["time_left_ms"], stop["margin_ms"]) == (400, 250 + HEADROOM_MS)
    assert response == {"batchItemFailures": [{"itemIdentifier": stop["sequence_number"]}]}
    assert stop["sequence_number"] == inserts(event)[5]["dynamodb"]["SequenceNumber"]


def test_the_first_insert_needs_only_the_headroom(
    clock: Callable[[float], Clock], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN less time left than the headroom, before any insert ran
    fake = clock(HEADROOM_MS - 1)

    # WHEN a batch starts, THEN its first insert is reported at once, nothing processed
    event = long_batch(2)
    response = process_inserts(event, fake.processor([1]), fake)
    assert response == {"batchItemFailures": [{"itemIdentifier": "000000000000000000001"}]}
    assert fake.calls == []
    assert lines_with(capsys.readouterr().out, "batch summary")[0]["left_for_retry"] == 4


def test_a_margin_of_zero_turns_the_stop_off(
    clock: Callable[[float], Clock],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN DEADLINE_MARGIN_MS=0 and a batch that runs past its deadline
    monkeypatch.setenv("DEADLINE_MARGIN_MS", "0")
    fake = clock(100)

    # WHEN processed, THEN every insert runs, and the context is never asked
    assert process_inserts(long_batch(5), fake.processor([100]), fake) == {"batchItemFailures": []}
    assert len(fake.calls) == 5
    assert fake.reads == 0
    assert lines_with(capsys.readouterr().out, "stopped for the deadline") == []


@pytest.mark.parametrize("context", [None, object()], ids=["no context", "no remaining time"])
def test_without_a_context_clock_there_is_no_deadline(
    context: object, clock: Callable[[float], Clock]
) -> None:
    # GIVEN no context, or one without get_remaining_time_in_millis, and inserts slower than
    # any margin: WHEN processed, THEN all of them run
    fake = clock(0)
    response = process_inserts(long_batch(3), fake.processor([10_000]), context)  # type: ignore[arg-type]
    assert response == {"batchItemFailures": []}
    assert len(fake.calls) == 3


def test_only_inserts_wait_for_the_clock(
    clock: Callable[[float], Clock], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN no time left at all, and a batch of updates and deletes only
    fake = clock(0)
    event = {
        "Records": [r for r in load_event("mixed_batch")["Records"] if r["eventName"] != "INSERT"]
    }

    # WHEN processed, THEN nothing is reported: skipping takes no time worth stopping for
    assert process_inserts(event, fake.processor([1]), fake) == {"batchItemFailures": []}
    assert fake.reads == 0
    assert lines_with(capsys.readouterr().out, "batch summary")[0]["stopped_for_deadline"] is False


@pytest.mark.parametrize("value", ["-1", "1.5", "500ms", "fast", "\u0661\u0660\u0660"])
def test_a_bad_margin_fails_the_first_insert_and_names_the_setting(
    value: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN DEADLINE_MARGIN_MS set to something that is no whole number of milliseconds
    monkeypatch.setenv("DEADLINE_MARGIN_MS", value)
    event = load_event("mixed_batch")

    # WHEN the handler runs (with or without a context), THEN the first insert fails, with an
    # error that names the setting, its value and what it accepts; nothing is processed
    assert lambda_handler(event, None) == {
        "batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]
    }
    output = capsys.readouterr().out
    [error] = lines_with(output, "insert failed")
    assert error["error"]["type"] == "MarginError"
    assert error["error"]["message"].startswith(f"DEADLINE_MARGIN_MS={value!r} is not a whole")
    assert "0 turns the deadline stop off" in error["error"]["message"]
    assert lines_with(output, "insert processed") == []


def test_a_margin_may_carry_spaces(
    clock: Callable[[float], Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN " 300 " (as a console may save it), WHEN 250 ms are left, THEN it stops at once
    monkeypatch.setenv("DEADLINE_MARGIN_MS", " 300 ")
    fake = clock(250)
    assert process_inserts(long_batch(1), fake.processor([1]), fake)["batchItemFailures"]
    assert fake.calls == []


def test_a_batch_that_would_time_out_returns_before_its_deadline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a real clock: 600 ms to go, and a processor that takes 40 ms an insert, so the
    # batch of 30 inserts needs 1200 ms
    deadline = time.monotonic() + 0.6

    class Context:
        last_read = 0.0

        def get_remaining_time_in_millis(self) -> int:
            self.last_read = time.monotonic()
            return int((deadline - self.last_read) * 1000)

    def slow(item: dict[str, Any], record: dict[str, Any]) -> None:
        time.sleep(0.04)

    # WHEN processed with the default margin
    context = Context()
    process_inserts(long_batch(30), slow, context)
    returned = time.monotonic()

    # THEN it returned before the deadline, with about the headroom to spare; and the stop
    # itself (from the last look at the clock: two log lines, the response) took a small part
    # of that headroom
    [stop] = lines_with(capsys.readouterr().out, "stopped for the deadline")
    assert 0 < stop["processed"] < 30
    stopping_ms = (returned - context.last_read) * 1000
    print(
        f"returned {(deadline - returned) * 1000:.1f} ms early; stopping took {stopping_ms:.3f} ms"
    )
    assert returned < deadline
    assert stopping_ms < HEADROOM_MS / 10
