# The full set: the module with its alarms (sent to an SNS topic), a KMS key of your own for the
# function's logs and the failure destination, a content filter and tags. failure_topic = true
# sends failed batches to an SNS topic of your own instead of the module's bucket.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.name
  log_group = "arn:aws:logs:${local.region}:${local.account}:log-group:/aws/lambda/${var.name}"
  # Built from the topic's name, which is known at plan time (its arn is not): the module decides
  # from on_failure_destination_arn whether to create a bucket, so it must be known when planning.
  failure_topic_arn = var.failure_topic ? "arn:aws:sns:${local.region}:${local.account}:${aws_sns_topic.failures[0].name}" : null
}

module "insert_trigger" {
  source = "../.."

  name       = var.name
  table_name = var.table_name
  tags       = var.tags

  # Only new orders reach the function: inserts whose status is NEW (AND-ed with the INSERT filter).
  new_image_pattern = jsonencode({ status = { S = ["NEW"] } })

  # The log group and the failure bucket are encrypted with the key below.
  kms_key_arn = aws_kms_key.this.arn

  # Alarms on the stream's lag, function errors and failed or dropped records, sent to the topic.
  create_alarms = true
  alarm_actions = [aws_sns_topic.alarms.arn]

  # Failed inserts go to the module's private bucket, encrypted with the key (kept on destroy while
  # it holds any), or with failure_topic = true to your own topic.
  on_failure_destination_arn   = var.failure_topic ? local.failure_topic_arn : null
  failure_bucket_force_destroy = var.failure_bucket_force_destroy
  deletion_protection_enabled  = var.deletion_protection_enabled
}

################################################################################
# Key
################################################################################

resource "aws_kms_key" "this" {
  description             = "Encrypts the logs, failed inserts and alarm notifications of ${var.name}."
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "key" {
  # AWS's default key policy statement: the account's IAM policies decide who else may use the key
  # (the module grants the function's role what writing the failure bucket needs).
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account}:root"]
    }
  }

  # CloudWatch Logs encrypts a log group with a key only if the key policy lets the service use it,
  # and only for this log group (the encryption context names it).
  statement {
    sid       = "LogsEncryptTheFunctionsLogGroup"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.log_group]
    }
  }

  # CloudWatch alarms publish to the encrypted alarm topic.
  statement {
    sid       = "AlarmsPublishToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

################################################################################
# Topics
################################################################################

# Subscribe whoever answers the alarms (email, chat, paging) to this topic.
resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

# Your own failure destination (failure_topic = true): each failed batch's shard and sequence range
# is published here; the stream keeps the records themselves for 24 hours.
resource "aws_sns_topic" "failures" {
  count = var.failure_topic ? 1 : 0

  name              = "${var.name}-failures"
  kms_master_key_id = "alias/aws/sns"
  tags              = var.tags
}
