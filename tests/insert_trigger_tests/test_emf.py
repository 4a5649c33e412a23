"""Handler metrics: with metrics on, the batch summary line is a valid EMF document.

tests/support/emf_check.py states the rules of AWS's "Specification: Embedded metric format".
A line that breaks the format is not an error anywhere: CloudWatch just extracts no metric from
it. So the broken lines at the end prove the check refuses each kind of mistake.
"""

from __future__ import annotations

import copy
import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from insert_trigger import emf, lambda_handler, process_inserts
from insert_trigger_tests.support import inserts, lines_with, load_event

from support.emf_check import MAX_EVENT_BYTES, emf_problems

if TYPE_CHECKING:
    from collections.abc import Callable

    from insert_trigger_tests.support import Recorder


def summary_line(output: str) -> str:
    """The raw text of the batch summary line, as CloudWatch Logs would receive it."""
    [line] = [text for text in output.splitlines() if '"message":"batch summary"' in text]
    return line


class Context:
    """The part of Lambda's context the handler reads: the clock and the function's name."""

    def __init__(self, remaining_ms: int) -> None:
        self.function_name = "orders-insert-trigger"
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left, fixed."""
        return self.remaining_ms


# --------------------------------------------------------------------------- the metrics


def test_with_metrics_on_the_summary_is_valid_emf_with_the_batch_counts(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN HANDLER_METRICS=true, as handler_metrics = true sets it, and a batch of four inserts,
    # an update and a delete whose third insert the processor refuses
    monkeypatch.setenv("HANDLER_METRICS", "true")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-insert-trigger")
    event = load_event("mixed_batch")
    event["Records"][3]["dynamodb"]["NewImage"]["fail"] = {"BOOL": True}

    # WHEN the handler runs it
    lambda_handler(event, None)

    # THEN the summary line is valid EMF
    line = summary_line(capsys.readouterr().out)
    assert emf_problems(line) == []

    # AND it names one metric per summary count, in the InsertTrigger namespace, by function
    summary = json.loads(line)
    [directive] = summary["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "InsertTrigger"
    assert directive["Dimensions"] == [["FunctionName"]]
    assert summary["FunctionName"] == "orders-insert-trigger"
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "InsertsProcessed": "Count",
        "RecordsSkipped": "Count",
        "InsertsFailed": "Count",
        "RecordsLeftForRetry": "Count",
        "DeadlineStops": "Count",
        "BatchDuration": "Milliseconds",
    }
    # AND each value is the summary's own count: 2 processed, 1 skipped, 1 failed, 3 left
    counts = {name: summary[name] for name in ("InsertsProcessed", "RecordsSkipped")}
    assert counts == {"InsertsProcessed": 2, "RecordsSkipped": 1}
    assert (summary["InsertsFailed"], summary["RecordsLeftForRetry"]) == (1, 3)
    assert summary["DeadlineStops"] == 0
    assert summary["BatchDuration"] == summary["duration_ms"] >= 0
    # AND the summary's own fields are still there, as without metrics
    assert (summary["processed"], summary["skipped"], summary["failed"]) == (2, 1, 1)


def test_without_metrics_the_summary_has_no_metric_members(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN no HANDLER_METRICS, WHEN a batch is handled
    lambda_handler(load_event("mixed_batch"), None)

    # THEN the summary carries none of the metric members: custom metrics are opt-in
    summary = json.loads(summary_line(capsys.readouterr().out))
    metric_members = {"_aws", "FunctionName", "duration_ms"} | {row[1] for row in emf.METRICS}
    assert metric_members & set(summary) == set()


@pytest.mark.parametrize("value", ["yes", "1", "on"])
def test_a_handler_metrics_value_that_is_not_true_or_false_is_reported(
    value: str,
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN HANDLER_METRICS set to a value that is neither true nor false
    monkeypatch.setenv("HANDLER_METRICS", value)

    # WHEN a batch is handled, THEN its inserts are processed all the same
    event = load_event("mixed_batch")
    assert lambda_handler(event, None) == {"batchItemFailures": []}
    assert len(recorder.calls) == len(inserts(event))

    # AND a warning names the variable and its value, and the summary carries no metrics
    output = capsys.readouterr().out
    [warning] = lines_with(output, "handler metrics off")
    assert warning["level"] == "WARNING"
    assert f"HANDLER_METRICS={value!r}" in warning["reason"]
    assert "_aws" not in json.loads(summary_line(output))


def test_process_inserts_emits_them_for_your_own_function_named_by_its_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN your own function's processor and a context with 10 ms left: the deadline stop
    # comes before the first insert
    seen: list[str] = []

    # WHEN process_inserts runs with metrics=True
    response = process_inserts(
        load_event("mixed_batch"),
        lambda item, record: seen.append(record["eventID"]),
        Context(remaining_ms=10),
        metrics=True,
    )

    # THEN nothing was processed, one stop counted, under the context's function name
    assert seen == []
    assert response["batchItemFailures"]
    line = summary_line(capsys.readouterr().out)
    assert emf_problems(line) == []
    summary = json.loads(line)
    assert (summary["DeadlineStops"], summary["InsertsProcessed"]) == (1, 0)
    assert summary["RecordsLeftForRetry"] == summary["left_for_retry"] == 6
    assert summary["FunctionName"] == "orders-insert-trigger"


def test_a_count_on_the_summary_becomes_a_metric_through_its_table_row() -> None:
    # GIVEN a summary that also counts inserts already processed (the idempotency ledger's)
    summary: dict[str, object] = {
        "processed": 3,
        "skipped": 0,
        "failed": 0,
        "left_for_retry": 0,
        "already_processed": 2,
        "stopped_for_deadline": False,
        "duration_ms": 1.5,
    }

    # WHEN its EMF members are built
    members = emf.embedded(summary, "orders-insert-trigger")

    # THEN every row of the table is a metric, AlreadyProcessed among them, and the line is EMF
    names = [metric["Name"] for metric in members["_aws"]["CloudWatchMetrics"][0]["Metrics"]]  # type: ignore[index]
    assert names == [name for _, name, _ in emf.METRICS]
    assert members["AlreadyProcessed"] == 2
    assert emf_problems(json.dumps({**summary, **members})) == []

    # AND without that count, AlreadyProcessed is not named, rather than sent as 0
    del summary["already_processed"]
    assert "AlreadyProcessed" not in emf.embedded(summary, "orders-insert-trigger")


# ------------------------------------------------------------- the check refuses broken lines


def _valid() -> dict[str, Any]:
    summary: dict[str, Any] = {"message": "batch summary", "processed": 1, "duration_ms": 2.0}
    return {**summary, **emf.embedded(summary, "orders-insert-trigger")}


def _directive(document: dict[str, Any]) -> dict[str, Any]:
    directive: dict[str, Any] = document["_aws"]["CloudWatchMetrics"][0]
    return directive


BROKEN: dict[str, Callable[[dict[str, Any]], object]] = {
    "no _aws block": lambda d: d.pop("_aws"),
    "no CloudWatchMetrics": lambda d: d["_aws"].pop("CloudWatchMetrics"),
    "no Timestamp": lambda d: d["_aws"].pop("Timestamp"),
    "Timestamp as text": lambda d: d["_aws"].update(Timestamp=str(d["_aws"]["Timestamp"])),
    "Timestamp in seconds": lambda d: d["_aws"].update(Timestamp=int(time.time())),
    "empty Namespace": lambda d: _directive(d).update(Namespace=""),
    "no Dimensions": lambda d: _directive(d).pop("Dimensions"),
    "a DimensionSet of 10 keys": lambda d: _directive(d).update(Dimensions=[["FunctionName"] * 10]),
    "dimension member missing": lambda d: d.pop("FunctionName"),
    "dimension member a number": lambda d: d.update(FunctionName=7),
    "dimension member nested": lambda d: d.update(FunctionName={"name": d["FunctionName"]}),
    "no Metrics": lambda d: _directive(d).pop("Metrics"),
    "101 metrics": lambda d: _directive(d).update(Metrics=[{"Name": "InsertsProcessed"}] * 101),
    "metric without Name": lambda d: _directive(d)["Metrics"][0].pop("Name"),
    "unit misspelt": lambda d: _directive(d)["Metrics"][0].update(Unit="Counts"),
    "metric member missing": lambda d: d.pop("InsertsProcessed"),
    "metric member as text": lambda d: d.update(InsertsProcessed="1"),
    "metric member a boolean": lambda d: d.update(InsertsProcessed=True),
    "metric array of 101 values": lambda d: d.update(InsertsProcessed=[1] * 101),
    "StorageResolution of 30": lambda d: _directive(d)["Metrics"][0].update(StorageResolution=30),
}


def test_the_check_accepts_the_unbroken_line() -> None:
    # The broken lines below are this line with one fault each.
    assert emf_problems(json.dumps(_valid())) == []


@pytest.mark.parametrize("fault", BROKEN)
def test_the_check_refuses_a_line_that_is_not_emf(fault: str) -> None:
    # GIVEN a valid EMF line broken in one way
    document = copy.deepcopy(_valid())
    BROKEN[fault](document)

    # WHEN checked, THEN it is refused
    assert emf_problems(json.dumps(document)) != [], fault


@pytest.mark.parametrize(
    "text",
    [
        "START " + json.dumps(_valid()),  # text before the object
        json.dumps(_valid()) + " trailing",  # text after it
        json.dumps([_valid()]),  # an array, not an object
        json.dumps({**_valid(), "padding": "x" * MAX_EVENT_BYTES}),  # over the event size
    ],
    ids=["text before", "text after", "array", "oversize"],
)
def test_the_check_refuses_a_line_that_is_not_one_json_object(text: str) -> None:
    assert emf_problems(text) != []


def test_the_real_summary_line_broken_is_refused(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the handler's own summary line with metrics on, which is valid
    monkeypatch.setenv("HANDLER_METRICS", "true")
    lambda_handler(load_event("mixed_batch"), None)
    summary = json.loads(summary_line(capsys.readouterr().out))
    assert emf_problems(json.dumps(summary)) == []

    # WHEN the value of any one of its metrics is written as text, THEN the check fails
    for metric in _directive(summary)["Metrics"]:
        broken = {**summary, metric["Name"]: str(summary[metric["Name"]])}
        assert emf_problems(json.dumps(broken)) != [], metric["Name"]
