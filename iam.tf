################################################################################
# Permissions
################################################################################

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create_function ? 1 : 0

  name               = var.name
  description        = "Execution role of Lambda function ${var.name}: reads the stream of ${var.table_name}, writes its own logs and failure destination."
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags
}

locals {
  # What a mapping needs to read its stream (AWS Lambda developer guide: with-ddb, "Execution role
  # permissions"; services-kinesis-create); kinesis:ListStreams only serves the console. Through
  # an enhanced fan-out consumer (kinesis_consumer) Lambda also calls kinesis:SubscribeToShard, on
  # the consumer's ARN; that page lists no kinesis:DescribeStreamConsumer, so none is granted.
  stream_grants = var.stream_source == "kinesis" ? concat([
    {
      sid       = "ReadStream"
      actions   = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"]
      resources = [local.stream_arn]
    },
    ], [
    for arn in aws_kinesis_stream_consumer.this[*].arn :
    { sid = "SubscribeThroughConsumer", actions = ["kinesis:SubscribeToShard"], resources = [arn] }
    ]) : [
    { sid = "ReadStream", actions = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"], resources = [local.stream_arn] },
    { sid = "ListTableStreams", actions = ["dynamodb:ListStreams"], resources = ["${local.table_arn}/stream/*"] },
  ]
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = local.stream_grants
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  # A function of the caller's own already writes its logs with its own role's permissions.
  dynamic "statement" {
    for_each = aws_cloudwatch_log_group.this
    content {
      sid       = "WriteOwnLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${statement.value.arn}:*"]
    }
  }

  dynamic "statement" {
    for_each = local.failure_destination_grants
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = local.stream_kms == null ? [] : [local.stream_kms]
    content {
      sid       = "DecryptStream"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null && var.on_failure_destination_arn == null ? [var.kms_key_arn] : []
    content {
      sid       = "EncryptFailedRecords"
      actions   = local.failure_destination_kms_actions[var.failure_destination]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.idempotency ? [local.ledger_arn] : []
    content {
      sid       = "UseIdempotencyLedger"
      actions   = local.ledger_actions
      resources = [statement.value]
    }
  }

  # DynamoDB uses a customer managed key on the caller's behalf: reading needs Decrypt, writing
  # a new data key (GenerateDataKey, Encrypt), both the key's description.
  dynamic "statement" {
    for_each = var.idempotency && var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "UseIdempotencyLedgerKey"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  # X-Ray and VPC network interfaces have no resource-level permissions: AWS requires "*".
  dynamic "statement" {
    for_each = var.tracing_mode == "Active" ? [true] : []
    content {
      sid       = "WriteTraces"
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [true] : []
    content {
      sid = "AttachToVpc"
      actions = [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}

# On the caller's role (create_function = false), a policy of its own: destroying the module removes
# it and leaves the role as it was. Named after the module's name, so two modules attached to one
# function do not overwrite each other's policy.
resource "aws_iam_role_policy" "this" {
  name   = var.create_function ? "stream-logs-failures" : "insert-trigger-${var.name}"
  role   = local.role_name
  policy = data.aws_iam_policy_document.this.json
}
