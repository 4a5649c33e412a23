"""The idempotency ledger in the plan: its table, the function's settings, the role the grants go
to, the output, and the refusals. The grants themselves, on known ARNs, are in test_iam.py
(ledger-off, ledger-created-kms, ledger-existing, attach-ledger-kms)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.tfplan import ATTACH_INPUTS, Plan, refused_rows, scenario, unsaid

KEY = "arn:aws:kms:us-east-1:123456789012:key/0000abcd-12ab-34cd-56ef-1234567890ab"
LEDGER = "aws_dynamodb_table.ledger[0]"
PROCESSOR = {"INSERT_PROCESSOR": "orders:handle"}

LEDGER_OFF = scenario("ledger-off", environment_variables=PROCESSOR)
LEDGER_CREATED = scenario(
    "ledger-created-kms",
    idempotency=True,
    kms_key_arn=KEY,
    failure_retention_days=30,
    environment_variables=PROCESSOR,
)
LEDGER_EXISTING = scenario(
    "ledger-existing",
    idempotency=True,
    idempotency_table_name="shared-ledger",
    idempotency_key_attributes=["pk", "sk", "version"],
    idempotency_retention_days=60,
)
ATTACH_LEDGER = scenario("attach-ledger-kms", **ATTACH_INPUTS, idempotency=True, kms_key_arn=KEY)


def environment(result: Plan) -> dict[str, str]:
    """The created function's environment variables as planned ({} without any)."""
    function = result.resource("aws_lambda_function.this[0]")
    blocks = function["environment"]
    return dict(blocks[0]["variables"]) if blocks else {}


def test_without_idempotency_there_is_no_ledger(planned: Callable[[str], Plan]) -> None:
    # GIVEN the defaults WHEN planned THEN no ledger, no setting, a null output (and no grant:
    # test_iam.py, ledger-off)
    result = planned(LEDGER_OFF)

    assert LEDGER not in result.addresses()
    assert environment(result) == PROCESSOR
    assert result.output("idempotency_table_name") is None


def test_the_ledger_is_on_demand_encrypted_expiring_and_recoverable(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN idempotency with a key and 30 days of failure retention
    result = planned(LEDGER_CREATED)

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
    assert environment(result) == PROCESSOR | {
        "IDEMPOTENCY_TABLE": "orders-insert-idempotency",
        "IDEMPOTENCY_RETENTION_DAYS": "31",
    }
    # AND (test_iam.py, ledger-created-kms) the role may make exactly the ledger's item calls on
    # its ARN, and use its key
    assert result.output("idempotency_table_name") == "orders-insert-idempotency"


def test_an_existing_ledger_keyed_by_item_attributes(planned: Callable[[str], Plan]) -> None:
    # GIVEN a ledger of the caller's own, keyed by the item's key and version, kept 60 days
    result = planned(LEDGER_EXISTING)

    # THEN no ledger is created, the function is pointed at that one (and the role may use it,
    # and no key: test_iam.py, ledger-existing)
    assert LEDGER not in result.addresses()
    assert environment(result) == {
        "IDEMPOTENCY_TABLE": "shared-ledger",
        "IDEMPOTENCY_RETENTION_DAYS": "60",
        "IDEMPOTENCY_KEY_ATTRIBUTES": "pk,sk,version",
    }
    assert result.output("idempotency_table_name") == "shared-ledger"


def test_in_attach_mode_the_callers_role_is_granted_the_ledger(
    planned: Callable[[str], Plan],
) -> None:
    # GIVEN a function of the caller's own and idempotency with a key
    result = planned(ATTACH_LEDGER)

    # THEN the ledger is created and the policy on the caller's role grants it (and its key:
    # test_iam.py, attach-ledger-kms); the caller sets IDEMPOTENCY_TABLE on their function from
    # the output
    assert LEDGER in result.addresses()
    assert result.resource("aws_iam_role_policy.this")["role"] == "orders-handler-role"
    assert result.output("idempotency_table_name") == "orders-insert-idempotency"


# (scenario id, inputs, the texts the error must contain). In a module call, Terraform leaves out
# the rules that read another input once a rule on an input alone has failed (seen with 1.11), so
# a row's bad inputs fail rules of one kind only.
REFUSED = refused_rows(
    [
        (
            # names DynamoDB or the handler refuse
            "ledger-input-forms",
            {
                "idempotency": True,
                "idempotency_table_name": "x",
                "idempotency_key_attributes": ["a,b"],
            },
            [
                "idempotency_table_name must be null or a DynamoDB table name: 3 to 255 characters",
                "idempotency_key_attributes must hold attribute names of 1 to 255 characters"
                " without a",
            ],
        ),
        (
            # ledger inputs while idempotency is off, and a retention shorter than the stream's day
            # plus failure_retention_days
            "ledger-inputs-without-idempotency",
            {
                "idempotency_table_name": "shared-ledger",
                "idempotency_key_attributes": ["pk"],
                "idempotency_retention_days": 14,
            },
            [
                "idempotency_table_name needs idempotency = true",
                "idempotency_key_attributes needs idempotency = true and a function the module"
                " creates",
                "idempotency_retention_days must be null or a whole number of days from",
            ],
        ),
        (
            # the ledger's variables set by hand, or a retention too short for a redrive of the last
            # failed batch (failure_retention_days 14 needs 15 or more)
            "ledger-settings-the-module-owns",
            {
                "idempotency": True,
                "environment_variables": {"IDEMPOTENCY_TABLE": "mine"},
                "idempotency_retention_days": 14.5,
            },
            [
                "environment_variables must not set IDEMPOTENCY_TABLE",
                "idempotency_retention_days must be null or a whole number of days from",
                "failure_retention_days + 1",
            ],
        ),
        (
            "ledger-key-attributes-in-attach-mode",
            ATTACH_INPUTS | {"idempotency": True, "idempotency_key_attributes": ["pk"]},
            ["idempotency_key_attributes needs idempotency = true and a function the module"],
        ),
    ]
)


@pytest.mark.parametrize("scenario", REFUSED)
def test_bad_ledger_input_is_refused_at_plan(refusals: dict[str, str], scenario: str) -> None:
    assert not (lacking := unsaid(refusals, scenario, REFUSED[scenario])), lacking
