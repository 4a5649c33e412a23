# Benchmark stack: the module's filtered mapping and, on the same stream, an unfiltered mapping
# whose function skips non-INSERT records in code (the usual way without filters).

terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {}

variable "stream_source" {
  description = "The source both mappings read: dynamodb (the table's stream) or kinesis (a Kinesis data stream the table streams to)."
  type        = string
  default     = "dynamodb"
}

locals {
  kinesis = var.stream_source == "kinesis"
  suffix  = local.kinesis ? "-kinesis" : ""
  # A new Kinesis mapping may take a while to start polling: from the oldest record, none is missed.
  starting_position = local.kinesis ? "TRIM_HORIZON" : "LATEST"
  stream_reads = local.kinesis ? [
    "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards",
  ] : ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]
}

module "filtered" {
  source = "../.."

  name              = "bench-filtered${local.suffix}"
  table_name        = "bench-orders${local.suffix}"
  stream_source     = var.stream_source
  starting_position = local.starting_position

  # The benchmark destroys the stack.
  deletion_protection_enabled = false
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "unfiltered" {
  name               = "bench-unfiltered${local.suffix}"
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
}

data "aws_iam_policy_document" "unfiltered" {
  statement {
    actions   = local.stream_reads
    resources = [module.filtered.stream_arn]
  }

  statement {
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:*:*:log-group:/aws/lambda/bench-unfiltered${local.suffix}:*"]
  }
}

resource "aws_iam_role_policy" "unfiltered" {
  role   = aws_iam_role.unfiltered.id
  policy = data.aws_iam_policy_document.unfiltered.json
}

resource "aws_lambda_function" "unfiltered" {
  function_name    = "bench-unfiltered${local.suffix}"
  role             = aws_iam_role.unfiltered.arn
  handler          = "insert_trigger.lambda_handler"
  runtime          = "python3.13"
  filename         = "${path.module}/../../lambda/insert_trigger.zip"
  source_code_hash = filebase64sha256("${path.module}/../../lambda/insert_trigger.zip")
  timeout          = 30

  depends_on = [aws_iam_role_policy.unfiltered]
}

resource "aws_lambda_event_source_mapping" "unfiltered" {
  event_source_arn        = module.filtered.stream_arn
  function_name           = aws_lambda_function.unfiltered.arn
  starting_position       = local.starting_position
  batch_size              = 100
  function_response_types = ["ReportBatchItemFailures"]
}

output "table_name" {
  value = module.filtered.table_name
}

output "stream_arn" {
  value = module.filtered.stream_arn
}

output "filtered" {
  value = {
    function_name = module.filtered.function_name
    log_group     = module.filtered.log_group_name
    mapping_uuid  = module.filtered.event_source_mapping_uuid
  }
}

output "unfiltered" {
  value = {
    function_name = aws_lambda_function.unfiltered.function_name
    log_group     = "/aws/lambda/${aws_lambda_function.unfiltered.function_name}"
    mapping_uuid  = aws_lambda_event_source_mapping.unfiltered.uuid
  }
}
