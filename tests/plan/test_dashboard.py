"""create_dashboard: one dashboard whose every widget names a metric and dimension that exist.

The dashboard's body waits for the mapping's UUID and the alarms' ARNs, known only after apply;
the module builds it from local.dashboard_template, where those are placeholders. The plan has
no local values, and the body is unknown in it: the template is read through `terraform console`
on the module itself (one call a scenario, with that scenario's inputs), the rest from the plan.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from typing import TYPE_CHECKING, Any

import pytest

from support import REPO
from support.tfplan import ATTACH_INPUTS, PLANNED, Plan, scenario

if TYPE_CHECKING:
    from collections.abc import Callable

    import tftest


def _handler_metric_names() -> set[str]:
    # The handler's own table (lambda/insert_trigger/emf.py), loaded alone: standard library only.
    spec = importlib.util.spec_from_file_location("emf", REPO / "lambda/insert_trigger/emf.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name for _, name, _ in module.METRICS}


# (namespace, dimension) -> the metrics published under it.
KNOWN_METRICS: dict[tuple[str, str], set[str]] = {
    # AWS Lambda developer guide, "Types of metrics for Lambda functions": invocation,
    # performance and concurrency metrics, by FunctionName.
    ("AWS/Lambda", "FunctionName"): {
        *("Invocations", "Errors", "Throttles", "DeadLetterErrors", "DestinationDeliveryFailures"),
        *("Duration", "IteratorAge", "ConcurrentExecutions", "RecursiveInvocationsDropped"),
    },
    # Same page, event source mapping metrics of the EventCount group that a stream mapping
    # publishes, by EventSourceMappingUUID (DeletedEventCount is SQS only).
    ("AWS/Lambda", "EventSourceMappingUUID"): {
        *("PolledEventCount", "FilteredOutEventCount", "InvokedEventCount"),
        *("FailedInvokeEventCount", "DroppedEventCount", "OnFailureDestinationDeliveredEventCount"),
    },
    # The handler's metrics (README, "Handler metrics").
    ("InsertTrigger", "FunctionName"): _handler_metric_names(),
}
ALARM_KINDS = ["iterator_age", "errors", "failed_records", "dropped_records"]

# The dashboard with alarms and handler metrics.
EVERYTHING = scenario(
    "dashboard-everything", create_dashboard=True, create_alarms=True, handler_metrics=True
)
# Your own function, no mapping metrics, no alarms, your function's handler metrics and the
# idempotency ledger.
ATTACH = scenario(
    "dashboard-attach",
    **ATTACH_INPUTS,
    create_dashboard=True,
    handler_metrics=True,
    metrics=[],
    idempotency=True,
)
# The dashboard alone (defaults otherwise: EventCount on, no alarms).
ALONE = scenario("dashboard-alone", create_dashboard=True)
DEFAULTS = scenario("defaults")


@pytest.fixture(scope="module")
def template(
    tf_fixture: tftest.TerraformTest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], dict[str, Any]]:
    """local.dashboard_template for a planned scenario's inputs, parsed: widgets, placeholders."""
    folder = tmp_path_factory.mktemp("dashboard-inputs")

    def read(name: str) -> dict[str, Any]:
        inputs = folder / f"{name}.tfvars.json"
        inputs.write_text(json.dumps(PLANNED[name].inputs))
        result = subprocess.run(
            ["terraform", "console", f"-var-file={inputs}"],
            cwd=tf_fixture.tfdir,
            input="local.dashboard_template\n",
            capture_output=True,
            text=True,
            check=True,
        )
        body: dict[str, Any] = json.loads(json.loads(result.stdout))
        return body

    return read


def metric_rows(widget: dict[str, Any]) -> list[list[Any]]:
    """The widget's metric rows: namespace, name, dimension, value (options aside)."""
    return [row for row in widget["properties"]["metrics"] if isinstance(row[0], str)]


def titles(body: dict[str, Any]) -> list[str]:
    """Each widget's title, in order."""
    return [widget["properties"]["title"] for widget in body["widgets"]]


def assert_every_metric_exists(body: dict[str, Any], function: str) -> None:
    """Each metric row names a known metric under a known namespace and dimension, with the
    function's name or the mapping's UUID as the value; each expression reads defined ids."""
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        title = widget["properties"]["title"]
        ids = set()
        for namespace, metric, dimension, value, *options in metric_rows(widget):
            assert metric in KNOWN_METRICS.get((namespace, dimension), set()), (title, metric)
            expected = function if dimension == "FunctionName" else "${mapping_uuid}"
            assert value == expected, (title, metric, value)
            ids |= {option["id"] for option in options if "id" in option}
        for row in widget["properties"]["metrics"]:
            if isinstance(row[0], dict) and "expression" in row[0]:
                read = set(re.findall(r"[a-z][A-Za-z0-9_]*", row[0]["expression"]))
                assert read <= ids, (title, row[0]["expression"], ids)
        assert widget["properties"]["region"] == "${region}", title


def handler_records(body: dict[str, Any]) -> list[str]:
    """The metric names of the handler's "what became of the records" widget."""
    (widget,) = [w for w in body["widgets"] if w["properties"]["title"].startswith("Handler: what")]
    return [row[1] for row in widget["properties"]["metrics"]]


def test_the_dashboard_shows_the_whole_path(
    planned: Callable[[str], Plan], template: Callable[[str], dict[str, Any]]
) -> None:
    # GIVEN the dashboard with alarms and handler metrics, WHEN planned
    result = planned(EVERYTHING)
    body = template(EVERYTHING)

    # THEN one dashboard, named as the function, its name and console URL as outputs
    assert "aws_cloudwatch_dashboard.this[0]" in result.addresses()
    assert result.resource("aws_cloudwatch_dashboard.this[0]")["dashboard_name"] == "orders-insert"
    assert result.output("dashboard_name") == "orders-insert"
    assert result.output("dashboard_url") == (
        "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1"
        "#dashboards/dashboard/orders-insert"
    )
    # AND the function gets HANDLER_METRICS=true
    function = result.resource("aws_lambda_function.this[0]")
    assert function["environment"] == [{"variables": {"HANDLER_METRICS": "true"}}]

    # AND the widgets, in order: lag, the filter's saving as a line and a number, the function,
    # the handler, the failures, the alarms
    assert titles(body) == [
        "Stream lag: age of the last record the function got (IteratorAge, ms)",
        "Records polled and filtered out (the filter's saving, % on the right)",
        "The filter's saving over the time range",
        "Invocations, errors and throttles",
        "Duration of an invocation (ms)",
        "Handler: what became of the records",
        "Handler: failed inserts and deadline stops",
        "Handler: time a batch takes (ms)",
        "Records sent to the failure destination, and dropped",
        "Alarms",
    ]
    assert_every_metric_exists(body, "orders-insert")
    # AND without the ledger, no AlreadyProcessed (the handler publishes none)
    assert handler_records(body) == ["InsertsProcessed", "RecordsSkipped", "RecordsLeftForRetry"]

    # AND the saving is one expression, the same in the line and the number
    saving = [
        row[0]["expression"]
        for widget in body["widgets"][1:3]
        for row in widget["properties"]["metrics"]
        if isinstance(row[0], dict)
    ]
    assert saving == ["100 * filtered / polled"] * 2
    assert body["widgets"][2]["properties"]["view"] == "singleValue"

    # AND the lag widget marks the alarm's threshold, 300 s by default
    lag = body["widgets"][0]["properties"]
    assert lag["annotations"]["horizontal"] == [{"label": "alarm threshold", "value": 300_000}]

    # AND the alarm widget names the four alarms the plan creates, by placeholder
    alarms = body["widgets"][-1]
    assert alarms["type"] == "alarm"
    assert sorted(alarms["properties"]["alarms"]) == sorted(
        f"${{alarm_arns.{kind}}}" for kind in ALARM_KINDS
    )
    assert {
        "aws_cloudwatch_metric_alarm.iterator_age[0]",
        "aws_cloudwatch_metric_alarm.errors[0]",
        'aws_cloudwatch_metric_alarm.mapping["failed_records"]',
        'aws_cloudwatch_metric_alarm.mapping["dropped_records"]',
    } <= result.addresses()

    # AND the widgets tile two a row without overlapping
    cells = [(w["x"], w["y"], w["width"], w["height"]) for w in body["widgets"]]
    assert all(x + width <= 24 for x, _, width, _ in cells)
    assert len({(x, y) for x, y, _, _ in cells}) == len(cells)


def test_in_attach_mode_it_watches_your_function(
    planned: Callable[[str], Plan], template: Callable[[str], dict[str, Any]]
) -> None:
    # GIVEN your own function, no mapping metrics, no alarms, your function's handler metrics
    # and the idempotency ledger, WHEN planned
    result = planned(ATTACH)
    body = template(ATTACH)

    # THEN the dashboard watches your function by name, the handler widgets included; without
    # EventCount the mapping's widgets are left out rather than shown empty, and no alarm widget
    assert "aws_cloudwatch_dashboard.this[0]" in result.addresses()
    assert titles(body) == [
        "Stream lag: age of the last record the function got (IteratorAge, ms)",
        "Invocations, errors and throttles",
        "Duration of an invocation (ms)",
        "Handler: what became of the records",
        "Handler: failed inserts and deadline stops",
        "Handler: time a batch takes (ms)",
    ]
    assert_every_metric_exists(body, "orders-handler")
    assert body["widgets"][0]["properties"]["annotations"] == {"horizontal": []}
    # AND with the ledger, the inserts it had as processed are shown beside the others
    assert handler_records(body) == [
        "InsertsProcessed",
        "RecordsSkipped",
        "RecordsLeftForRetry",
        "AlreadyProcessed",
    ]


def test_without_handler_metrics_there_are_no_handler_widgets(
    planned: Callable[[str], Plan], template: Callable[[str], dict[str, Any]]
) -> None:
    # GIVEN the dashboard alone (defaults otherwise: EventCount on, no alarms)
    result = planned(ALONE)
    body = template(ALONE)

    # THEN no handler widget and no variable on the function; the mapping's widgets are there
    assert not [title for title in titles(body) if title.startswith("Handler")]
    assert "Records sent to the failure destination, and dropped" in titles(body)
    assert result.resource("aws_lambda_function.this[0]")["environment"] == []
    assert_every_metric_exists(body, "orders-insert")


def test_no_dashboard_by_default(planned: Callable[[str], Plan]) -> None:
    result = planned(DEFAULTS)

    assert not [a for a in result.addresses() if a.startswith("aws_cloudwatch_dashboard")]
    assert result.output("dashboard_name") is None
    assert result.output("dashboard_url") is None


@pytest.mark.parametrize(
    "metric",
    [
        ("AWS/Lambda", "PolledEventCount", "FunctionName"),  # a mapping metric by function
        ("AWS/Lambda", "IteratorAge", "EventSourceMappingUUID"),  # a function metric by mapping
        ("AWS/Lambda", "FilteredEventCount", "EventSourceMappingUUID"),  # no such metric
        ("InsertTrigger", "AlreadyProcessed", "EventSourceMappingUUID"),  # wrong dimension
    ],
)
def test_the_check_refuses_a_metric_that_does_not_exist(metric: tuple[str, str, str]) -> None:
    # GIVEN a widget naming a metric under a namespace and dimension that do not publish it
    namespace, name, dimension = metric
    value = "orders-insert" if dimension == "FunctionName" else "${mapping_uuid}"
    widget = {
        "type": "metric",
        "properties": {
            "title": "t",
            "region": "${region}",
            "metrics": [[namespace, name, dimension, value]],
        },
    }

    # WHEN checked, THEN it fails
    with pytest.raises(AssertionError):
        assert_every_metric_exists({"widgets": [widget]}, "orders-insert")
