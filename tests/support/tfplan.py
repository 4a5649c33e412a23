"""Plan tests of the module: scenarios, the roots that plan them, the values read back.

A plan test names its inputs once, as a scenario (`scenario`, `refused`, `mocked`), at import.
The plan fixtures (tests/plan/conftest.py) write every scenario of a kind into one root module,
each a `module "<scenario>"` call of the checkout, and plan that root once: accepted inputs in one
plan read as JSON, refused inputs in one plan whose errors are told apart by the module call they
name, and IAM scoping in one `terraform test` run on a mocked provider, where ARNs are known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import REPO

# The provider settings the plan tests link into each root they plan.
PLAN_PROVIDER = REPO / "tests" / "plan" / "plan_test_provider.tf"
# Inputs every plan passes unless a test names them: the module's two required inputs.
REQUIRED_INPUTS = {"name": "orders-insert", "table_name": "orders"}
# Inputs that attach the module to a function of the caller's own, by name, with its role.
ATTACH_INPUTS: dict[str, Any] = {
    "create_function": False,
    "function_name": "orders-handler",
    "function_role_name": "orders-handler-role",
}
# What the module creates to keep failed batches by default (failure_destination = "s3").
FAILURE_BUCKET = {
    "aws_s3_bucket.failures[0]",
    "aws_s3_bucket_lifecycle_configuration.failures[0]",
    "aws_s3_bucket_ownership_controls.failures[0]",
    "aws_s3_bucket_policy.failures[0]",
    "aws_s3_bucket_public_access_block.failures[0]",
    "aws_s3_bucket_server_side_encryption_configuration.failures[0]",
}
# The folder, inside each root, that links to the module's files.
MODULE_FOLDER = "module"
# A Terraform identifier: what a scenario's name must be, since it names a module call.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def tf_value(value: Any) -> Any:
    """Spell a Python value the way `terraform -var` reads it (tftest passes str(value))."""
    return ("true" if value else "false") if isinstance(value, bool) else value


def terraform_message(error: Exception) -> str:
    """Terraform's error text with its box drawing and line wrapping removed, for matching."""
    text = " ".join(str(arg) for arg in error.args)
    text = text.replace("│", " ").replace("╷", " ").replace("╵", " ")
    return re.sub(r"\s+", " ", text)


def hcl(value: Any) -> str:
    """A Python value as an HCL expression: JSON is HCL, once template sequences are escaped."""
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def link_module(folder: Path) -> Path:
    """Fill folder with links to the module's files: not copies, so plans read the checkout."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in [*REPO.glob("*.tf"), REPO / "lambda"]:
        (folder / source.name).symlink_to(source)
    return folder


# ---------------------------------------------------------------------------------------------
# Scenarios, registered at import by the test files, planned together by tests/plan/conftest.py.


@dataclass(frozen=True)
class Scenario:
    """One module call: its inputs, or (for README blocks) the block's own text."""

    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    block: str | None = None

    def render(self) -> str:
        """The module call, its source pointed at the linked checkout."""
        if self.block is not None:
            return self.block
        arguments = "".join(f"  {k} = {hcl(v)}\n" for k, v in self.inputs.items())
        return f'module "{self.name}" {{\n  source = "./{MODULE_FOLDER}"\n{arguments}}}\n'


PLANNED: dict[str, Scenario] = {}  # accepted inputs: one plan, read as JSON
REFUSED: dict[str, Scenario] = {}  # refused inputs: one plan, its errors by module call
MOCKED: dict[str, tuple[Scenario, dict[str, Any]]] = {}  # terraform test: scenario, expected


def _register(registry: dict[str, Any], name: str, entry: Any) -> str:
    if not IDENTIFIER.fullmatch(name):
        raise ValueError(f"scenario {name!r}: not a Terraform identifier")
    if registry.get(name, entry) != entry:
        raise ValueError(f"scenario {name!r}: defined twice, differently")
    registry[name] = entry
    return name


def scenario(name: str, /, **inputs: Any) -> str:
    """Plan the module with these inputs (and REQUIRED_INPUTS) as module.<name>; returns name."""
    return _register(PLANNED, name, Scenario(name, REQUIRED_INPUTS | inputs))


def block_scenario(name: str, block: str) -> str:
    """Plan a module block as written (a README's), relabelled <name>, source at the checkout."""
    block, labels = re.subn(r'^module "[^"]+"', f'module "{name}"', block.strip(), count=1)
    block, sources = re.subn(
        r"^(\s*source\s*=\s*)\"[^\"]*\"", rf'\1"./{MODULE_FOLDER}"', block, count=1, flags=re.M
    )
    if (labels, sources) != (1, 1):
        raise ValueError(f"{name}: no module block with a source\n{block}")
    return _register(PLANNED, name, Scenario(name, block=block + "\n"))


def refused(name: str, /, **inputs: Any) -> str:
    """Inputs the module must refuse at plan time; their errors are read as module.<name>'s."""
    return _register(REFUSED, name, Scenario(name, REQUIRED_INPUTS | inputs))


def refused_rows(rows: Iterable[tuple[str, dict[str, Any], list[str]]]) -> dict[str, list[str]]:
    """Each row (scenario id, inputs, texts its error must hold) a refused scenario: id -> texts."""
    return {refused(name, **inputs): texts for name, inputs, texts in rows}


def unsaid(refusals: dict[str, str], name: str, texts: Iterable[str]) -> str:
    """What a refused scenario's error lacks of texts, and what Terraform said; "" if nothing."""
    message = refusals.get(name, "")
    missing = [text for text in texts if text not in message]
    return f"{name}: not said: {missing}; Terraform said: {message}" if missing else ""


def mocked(name: str, expected_statements: dict[str, Any], /, **inputs: Any) -> str:
    """The role policy's statements (sid -> (actions, resources)), planned on a mocked provider."""
    return _register(MOCKED, name, (Scenario(name, REQUIRED_INPUTS | inputs), expected_statements))


@dataclass(frozen=True)
class Root:
    """A root module's main.tf holding scenarios, and which lines each module call spans."""

    text: str
    lines: dict[str, range]

    @classmethod
    def of(cls, scenarios: Iterable[Scenario], outputs: bool = False) -> Root:
        """One module call per scenario; outputs: each call's outputs as a root output."""
        text, lines = "", {}
        for each in scenarios:
            call = each.render()
            start = text.count("\n") + 1
            text += call
            lines[each.name] = range(start, text.count("\n") + 1)
            if outputs:
                text += f'output "{each.name}" {{\n  value = module.{each.name}\n}}\n'
        return cls(text, lines)

    def caller(self, diagnostic: dict[str, Any]) -> str | None:
        """The scenario whose module call a diagnostic points at (None: a line in the module)."""
        where = diagnostic.get("range") or {}
        if where.get("filename") != "main.tf":
            return None
        line = where["start"]["line"]
        return next((name for name, span in self.lines.items() if line in span), None)


def diagnostics(output: str) -> list[dict[str, Any]]:
    """The error diagnostics in the machine-readable output of `terraform plan -json`."""
    return [
        m["diagnostic"]
        for m in json_lines(output)
        if m.get("type") == "diagnostic" and m["diagnostic"]["severity"] == "error"
    ]


def json_lines(output: str) -> list[dict[str, Any]]:
    """The JSON messages in the machine-readable output of a Terraform command."""
    return [json.loads(line) for line in output.splitlines() if line.strip().startswith("{")]


def error_text(diagnostic: dict[str, Any]) -> str:
    """A diagnostic as one line: summary, detail, then [the line it points at], flattened."""
    code = (diagnostic.get("snippet") or {}).get("code", "")
    return re.sub(r"\s+", " ", f"{diagnostic['summary']}: {diagnostic['detail']} [{code.strip()}]")


# ---------------------------------------------------------------------------------------------
# Reading a plan.


class Plan:
    """The values of one module call (module.<scenario>) in the JSON plan of its root."""

    def __init__(self, plan: dict[str, Any], scenario: str) -> None:
        self.changes = {rc["address"]: rc for rc in plan.get("resource_changes", [])}
        self.outputs: dict[str, Any] = plan.get("output_changes", {})
        self.scenario = scenario

    def _change(self, address: str) -> dict[str, Any]:
        key = f"module.{self.scenario}.{address}"
        if key not in self.changes:
            raise KeyError(f"{self.scenario}: {address} is not planned")
        change: dict[str, Any] = self.changes[key]
        return change

    def resource(self, address: str) -> dict[str, Any]:
        """Planned values of a resource, by address."""
        after: dict[str, Any] = self._change(address)["change"]["after"]
        return after

    def data_resource(self, address: str) -> dict[str, Any]:
        """Known values of a data source read at apply time (its inputs are not known yet)."""
        change = self._change(address)
        assert change["mode"] == "data", address
        after: dict[str, Any] = change["change"]["after"]
        return after

    def unknown(self, address: str) -> dict[str, Any]:
        """Which attributes of a resource are known only after apply."""
        after_unknown: dict[str, Any] = self._change(address)["change"]["after_unknown"]
        return after_unknown

    def addresses(self) -> set[str]:
        """Addresses of every managed resource the module call creates."""
        prefix = f"module.{self.scenario}."
        return {
            a.removeprefix(prefix)
            for a, rc in self.changes.items()
            if a.startswith(prefix) and rc["mode"] == "managed"
        }

    def output(self, name: str) -> Any:
        """A module output's value if known at plan time, else None."""
        change = self.outputs.get(self.scenario, {})
        return (change.get("after") or {}).get(name)

    def output_unknown(self, name: str) -> bool:
        """Whether a module output is known only after apply (output() gives None then too)."""
        change = self.outputs.get(self.scenario, {})
        return bool((change.get("after_unknown") or {}).get(name))


def filters(mapping: dict[str, Any]) -> list[dict[str, Any]]:
    """The filters of a planned event source mapping."""
    (criteria,) = mapping["filter_criteria"]
    result: list[dict[str, Any]] = criteria["filter"]
    return result


def policy_statements(result: Plan) -> dict[str, tuple[list[str], list[str | None]]]:
    """The role's policy statements as planned: sid -> (actions, resources; None if unknown)."""
    document = result.data_resource("data.aws_iam_policy_document.this")
    return {s["sid"]: (s["actions"], s["resources"]) for s in document["statement"]}


# ---------------------------------------------------------------------------------------------
# IAM scoping on a mocked provider (`terraform test`), where created resources have known ARNs.

ACCOUNT_ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"
MOCK_TABLE_ARN = ACCOUNT_ARN.format(service="dynamodb", resource="table/orders")
MOCK_STREAM_ARN = f"{MOCK_TABLE_ARN}/stream/2026-12-01T00:00:00.000"
MOCK_BUCKET_ARN = "arn:aws:s3:::orders-insert-failures-20261201000000000000000001"
MOCK_QUEUE_ARN = ACCOUNT_ARN.format(service="sqs", resource="orders-insert-failures")
MOCK_LOG_GROUP_ARN = ACCOUNT_ARN.format(
    service="logs", resource="log-group:/aws/lambda/orders-insert"
)
MOCK_LEDGER_ARN = ACCOUNT_ARN.format(service="dynamodb", resource="table/orders-insert-idempotency")
MOCK_KINESIS_STREAM_ARN = ACCOUNT_ARN.format(service="kinesis", resource="stream/orders-insert")
# A consumer's ARN is its stream's, its name and its creation time (kinesis_consumer).
MOCK_KINESIS_CONSUMER_ARN = f"{MOCK_KINESIS_STREAM_ARN}/consumer/orders-insert:1796083200"
# The computed values the mocked provider gives the resources whose ARNs the policy scopes to.
MOCK_DEFAULTS = {
    "mock_resource": {
        "aws_dynamodb_table": {"arn": MOCK_TABLE_ARN, "stream_arn": MOCK_STREAM_ARN},
        "aws_kinesis_stream": {"arn": MOCK_KINESIS_STREAM_ARN},
        "aws_kinesis_stream_consumer": {"arn": MOCK_KINESIS_CONSUMER_ARN},
        "aws_s3_bucket": {"arn": MOCK_BUCKET_ARN},
        "aws_sqs_queue": {"arn": MOCK_QUEUE_ARN},
        "aws_cloudwatch_log_group": {"arn": MOCK_LOG_GROUP_ARN},
    },
    # The provider still checks that a role policy is a JSON policy: any valid one will do.
    "mock_data": {"aws_iam_policy_document": {"json": '{"Version":"2012-10-17","Statement":[]}'}},
}
# Resources of a type above that need values of their own: the ledger is a table too, and a
# grant on the ledger must not pass for one on the table.
MOCK_OVERRIDES = {"aws_dynamodb_table.ledger": {"arn": MOCK_LEDGER_ARN}}
NO_WILDCARD = (
    "alltrue([for s in data.aws_iam_policy_document.this.statement :"
    ' alltrue([for a in s.actions : !strcontains(a, "*")])])'
)
STATEMENTS = (
    "{ for s in data.aws_iam_policy_document.this.statement :"
    " s.sid => [sort(s.actions), sort(s.resources)] }"
)


def hcl_object(values: dict[str, Any]) -> str:
    """A flat mapping as an HCL object on one line: { key = value, ... }."""
    return "{ " + ", ".join(f"{k} = {hcl(v)}" for k, v in values.items()) + " }"


def mocked_test_file(scenarios: Iterable[tuple[Scenario, dict[str, Any]]]) -> str:
    """A .tftest.hcl with one plan run per scenario, asserting its role policy's statements."""
    text = 'mock_provider "aws" {\n  override_during = plan\n'
    for kind, defaults in MOCK_DEFAULTS.items():
        for resource, values in defaults.items():
            text += f'  {kind} "{resource}" {{\n    defaults = {hcl_object(values)}\n  }}\n'
    for target, values in MOCK_OVERRIDES.items():
        text += f"  override_resource {{\n    target = {target}\n"
        text += f"    values = {hcl_object(values)}\n  }}\n"
    text += "}\n"
    for each, expected in scenarios:
        wanted = {sid: [sorted(a), sorted(r)] for sid, (a, r) in expected.items()}
        variables = "".join(f"    {k} = {hcl(v)}\n" for k, v in each.inputs.items())
        text += f"""
run "{each.name}" {{
  command = plan
  variables {{
{variables}  }}
  assert {{
    condition     = jsonencode({STATEMENTS}) == jsonencode(jsondecode({hcl(json.dumps(wanted))}))
    error_message = "{each.name}: the role's statements are ${{jsonencode({STATEMENTS})}}"
  }}
  assert {{
    condition     = {NO_WILDCARD}
    error_message = "{each.name}: a wildcard action"
  }}
}}
"""
    return text


def run_results(output: str) -> dict[str, dict[str, Any]]:
    """Each run's status and errors, from the output of `terraform test -json`."""
    status: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for message in json_lines(output):
        run = message.get("@testrun", "")
        if message.get("type") == "test_run" and message["test_run"]["progress"] == "complete":
            status[run] = message["test_run"]["status"]
        elif message.get("type") == "diagnostic":
            errors.setdefault(run, []).append(error_text(message["diagnostic"]))
    # Errors outside any run (the file itself) belong to every run.
    return {
        run: {"status": s, "errors": errors.get("", []) + errors.get(run, [])}
        for run, s in status.items()
    }
