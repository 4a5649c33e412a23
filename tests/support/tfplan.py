"""Reading Terraform plans of the module in tests: the Plan wrapper and value spelling helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from support import REPO

# The provider settings the plan tests link into the module's folder while they run.
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


def tf_value(value: Any) -> Any:
    """Spell a Python value the way `terraform -var` reads it (tftest passes str(value))."""
    return ("true" if value else "false") if isinstance(value, bool) else value


def terraform_message(error: Exception) -> str:
    """Terraform's error text with its box drawing and line wrapping removed, for matching."""
    text = " ".join(str(arg) for arg in error.args)
    text = text.replace("│", " ").replace("╷", " ").replace("╵", " ")
    return re.sub(r"\s+", " ", text)


@dataclass(frozen=True)
class Plan:
    """The values of one plan of the module, read from Terraform's JSON plan."""

    raw: Any

    def resource(self, address: str) -> dict[str, Any]:
        """Planned values of a resource, by address."""
        after: dict[str, Any] = self.raw.resource_changes[address]["change"]["after"]
        return after

    def data_resource(self, address: str) -> dict[str, Any]:
        """Known values of a data source read at apply time (its inputs are not known yet)."""
        change = self.raw.resource_changes[address]
        assert change["mode"] == "data", address
        after: dict[str, Any] = change["change"]["after"]
        return after

    def unknown(self, address: str) -> dict[str, Any]:
        """Which attributes of a resource are known only after apply."""
        change = self.raw.resource_changes[address]["change"]
        after_unknown: dict[str, Any] = change["after_unknown"]
        return after_unknown

    def addresses(self) -> set[str]:
        """Addresses of every managed resource the plan creates."""
        return {a for a, rc in self.raw.resource_changes.items() if rc["mode"] == "managed"}

    def output(self, name: str) -> Any:
        """A module output's value if known at plan time, else None."""
        outputs: dict[str, Any] = self.raw._raw["planned_values"].get("outputs", {})
        return outputs.get(name, {}).get("value")

    def module_config(self) -> dict[str, Any]:
        """The module's configuration as Terraform parsed it (expressions, not values)."""
        config: dict[str, Any] = self.raw.configuration["root_module"]
        return config


PlanFn = Callable[..., Plan]


def filters(mapping: dict[str, Any]) -> list[dict[str, Any]]:
    """The filters of a planned event source mapping."""
    (criteria,) = mapping["filter_criteria"]
    result: list[dict[str, Any]] = criteria["filter"]
    return result


def policy_statements(result: Plan) -> dict[str, tuple[list[str], list[str | None]]]:
    """The role's policy statements as planned: sid -> (actions, resources; None if unknown)."""
    document = result.data_resource("data.aws_iam_policy_document.this")
    return {s["sid"]: (s["actions"], s["resources"]) for s in document["statement"]}
