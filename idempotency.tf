################################################################################
# Idempotency ledger
################################################################################

# With idempotency = true, the handler records each insert it processed in a ledger table, so
# that a retry, a replay after a timeout or a redrive does not process it again: the table
# created here, or the caller's own (idempotency_table_name). Entries are keyed by "id" (the
# record's eventID, or the table's name and idempotency_key_attributes) and expire through TTL
# on "expires_at".

locals {
  create_ledger = var.idempotency && var.idempotency_table_name == null
  ledger_name   = var.idempotency ? coalesce(var.idempotency_table_name, "${var.name}-idempotency") : null
  # An existing ledger is in the table's account and Region: its ARN is the table's with its name.
  ledger_arn = (
    local.create_ledger ? aws_dynamodb_table.ledger[0].arn :
    var.idempotency ? "${split(":table/", local.table_arn)[0]}:table/${var.idempotency_table_name}" : null
  )
  ledger_retention_days = coalesce(var.idempotency_retention_days, var.failure_retention_days + 1)
  # What the handler reads; with create_function = false, set these on your own function.
  ledger_environment = var.idempotency ? merge(
    {
      IDEMPOTENCY_TABLE          = local.ledger_name
      IDEMPOTENCY_RETENTION_DAYS = tostring(local.ledger_retention_days)
    },
    length(var.idempotency_key_attributes) > 0 ? { IDEMPOTENCY_KEY_ATTRIBUTES = join(",", var.idempotency_key_attributes) } : {},
  ) : {}
  # Exactly the item calls the handler makes: one read per 100 inserts, a claim and a done mark
  # per insert (UpdateItem), and the release of a claim whose processor raised (DeleteItem).
  ledger_actions = ["dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]
}

resource "aws_dynamodb_table" "ledger" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest always: with kms_key_arn when it is set, else with an AWS owned key; a customer managed key is the caller's choice.
  count = local.create_ledger ? 1 : 0

  name         = local.ledger_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  tags         = var.tags

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
