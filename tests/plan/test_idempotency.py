"""The idempotency ledger in the plan: its table, the function's settings, the role's grants in
both modes, the output, and the refusals."""

from __future__ import annotations

from collections.abc import Callable

from support.tfplan import ATTACH_INPUTS, Plan, PlanFn, policy_statements

KEY = "arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab"
LEDGER = "aws_dynamodb_table.ledger[0]"
LEDGER_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]
KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]


def environment(result: Plan) -> dict[str, str]:
    """The created function's environment variables as planned ({} without any)."""
    function = result.resource("aws_lambda_function.this[0]")
    blocks = function["environment"]
    return dict(blocks[0]["variables"]) if blocks else {}


def test_without_idempotency_there_is_no_ledger(plan: PlanFn) -> None:
    # GIVEN the defaults WHEN planned THEN no ledger, no setting, no grant, a null output
    result = plan(environment_variables={"INSERT_PROCESSOR": "orders:handle"})

    assert LEDGER not in result.addresses()
    assert environment(result) == {"INSERT_PROCESSOR": "orders:handle"}
    assert (
        not {"UseIdempotencyLedger", "UseIdempotencyLedgerKey"} & policy_statements(result).keys()
    )
    assert result.output("idempotency_table_name") is None


def test_the_ledger_is_on_demand_encrypted_expiring_and_recoverable(plan: PlanFn) -> None:
    # GIVEN idempotency with a key and 30 days of failure retention
    result = plan(
        idempotency=True,
        kms_key_arn=KEY,
        failure_retention_days=30,
        environment_variables={"INSERT_PROCESSOR": "orders:handle"},
    )

    # THEN the module's ledger is on demand, keyed by id, encrypted with the key, expires its
    # entries through TTL, and has point-in-time recovery on
    ledger = result.resource(LEDGER)
    assert ledger["name"] == "orders-insert-idempotency"
    assert ledger["billing_mode"] == "PAY_PER_REQUEST"
    assert ledger["hash_key"] == "id"
    assert ledger["attribute"] == [{"name": "id", "type": "S"}]
    assert ledger["ttl"] == [{"attribute_name": "expires_at", "enabled": True}]
    assert ledger["point_in_time_recovery"][0]["enabled"] is True
    assert ledger["server_side_encryption"] == [{"enabled": True, "kms_key_arn": KEY}]
    # AND the function is told its name and keeps entries the 30 days plus the stream's one
    assert environment(result) == {
        "INSERT_PROCESSOR": "orders:handle",
        "IDEMPOTENCY_TABLE": "orders-insert-idempotency",
        "IDEMPOTENCY_RETENTION_DAYS": "31",
    }
    # AND the role may make exactly the ledger's item calls, and use its key
    statements = policy_statements(result)
    assert statements["UseIdempotencyLedger"] == (LEDGER_ACTIONS, [None])  # the ledger's ARN
    assert statements["UseIdempotencyLedgerKey"] == (KEY_ACTIONS, [KEY])
    assert result.output("idempotency_table_name") == "orders-insert-idempotency"


def test_an_existing_ledger_keyed_by_item_attributes(plan: PlanFn) -> None:
    # GIVEN a ledger of the caller's own, keyed by the item's key and version, kept 60 days
    result = plan(
        idempotency=True,
        idempotency_table_name="shared-ledger",
        idempotency_key_attributes=["pk", "sk", "version"],
        idempotency_retention_days=60,
    )

    # THEN no ledger is created, the function is pointed at that one, the role may use it
    assert LEDGER not in result.addresses()
    assert environment(result) == {
        "IDEMPOTENCY_TABLE": "shared-ledger",
        "IDEMPOTENCY_RETENTION_DAYS": "60",
        "IDEMPOTENCY_KEY_ATTRIBUTES": "pk,sk,version",
    }
    statements = policy_statements(result)
    assert statements["UseIdempotencyLedger"][0] == LEDGER_ACTIONS
    assert "UseIdempotencyLedgerKey" not in statements  # no kms_key_arn: no key to grant
    assert result.output("idempotency_table_name") == "shared-ledger"


def test_in_attach_mode_the_callers_role_is_granted_the_ledger(plan: PlanFn) -> None:
    # GIVEN a function of the caller's own and idempotency with a key
    result = plan(**ATTACH_INPUTS, idempotency=True, kms_key_arn=KEY)

    # THEN the ledger is created and the policy on the caller's role grants it; the caller sets
    # IDEMPOTENCY_TABLE on their function from the output
    assert LEDGER in result.addresses()
    assert result.resource("aws_iam_role_policy.this")["role"] == "orders-handler-role"
    statements = policy_statements(result)
    assert statements["UseIdempotencyLedger"] == (LEDGER_ACTIONS, [None])
    assert statements["UseIdempotencyLedgerKey"] == (KEY_ACTIONS, [KEY])
    assert result.output("idempotency_table_name") == "orders-insert-idempotency"


def test_ledger_inputs_without_idempotency_are_refused(plan_error: Callable[..., str]) -> None:
    # GIVEN ledger inputs while idempotency is off, and a name DynamoDB refuses: one plan, as
    # Terraform reports every failing validation
    message = plan_error(
        idempotency_table_name="x",
        idempotency_key_attributes=["pk", "a,b"],
        idempotency_retention_days=14,
    )

    # THEN each is refused, naming the input and what it allows
    for expected in (
        "idempotency_table_name must be null or a DynamoDB table name: 3 to 255 characters",
        "idempotency_table_name needs idempotency = true",
        "idempotency_key_attributes must hold attribute names of 1 to 255 characters without a",
        "idempotency_key_attributes needs idempotency = true and a function the module creates",
        "idempotency_retention_days must be null or a whole number of days from",
    ):
        assert expected in message, f"not refused: {expected!r} in {message}"


def test_ledger_settings_the_module_owns_are_refused(plan_error: Callable[..., str]) -> None:
    # GIVEN idempotency, and the ledger's variables set by hand, or a retention too short for a
    # redrive of the last failed batch (failure_retention_days 14 needs 15 or more)
    message = plan_error(
        idempotency=True,
        environment_variables={"IDEMPOTENCY_TABLE": "mine"},
        idempotency_retention_days=14.5,
    )

    assert "environment_variables must not set IDEMPOTENCY_TABLE" in message, message
    assert "idempotency_retention_days must be null or a whole number of days from" in message
    assert "failure_retention_days + 1" in message


def test_key_attributes_in_attach_mode_are_refused(plan_error: Callable[..., str]) -> None:
    message = plan_error(**ATTACH_INPUTS, idempotency=True, idempotency_key_attributes=["pk"])

    assert "idempotency_key_attributes needs idempotency = true and a function the module" in (
        message
    )
