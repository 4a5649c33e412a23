################################################################################
# Function
################################################################################

# None of it with create_function = false: the mapping then invokes the caller's function, which
# the module neither reads nor changes; only a policy on its role is added (Permissions).

locals {
  # handler_metrics turns the handler's EMF metrics on (lambda/insert_trigger/emf.py).
  environment_variables = merge(var.environment_variables, var.handler_metrics ? { HANDLER_METRICS = "true" } : {})
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's choice (log_retention_in_days, default 30 days); a one-year minimum would be a cost decision made for them.
  count = var.create_function ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Stream invocations are synchronous, so a function DLQ never receives them; failed records go to the mapping's on-failure destination.
  #checkov:skip=CKV_AWS_117:Running inside a VPC is optional (vpc_subnet_ids); the handler needs no network access of its own.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is optional (reserved_concurrent_executions); concurrency is already bounded by shards times parallelization_factor.
  #checkov:skip=CKV_AWS_173:Environment variables hold configuration, not secrets; Lambda encrypts them at rest with an AWS managed key.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the caller owns; the package is built reproducibly from source in this repo.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional (tracing_mode = "Active").
  count = var.create_function ? 1 : 0

  function_name                  = var.name
  description                    = "Runs for each item inserted into DynamoDB table ${var.table_name}."
  role                           = aws_iam_role.this[0].arn
  handler                        = "insert_trigger.lambda_handler"
  runtime                        = var.runtime
  architectures                  = var.architectures
  filename                       = local.package_path
  source_code_hash               = filebase64sha256(local.package_path)
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  layers                         = var.layers
  tags                           = var.tags

  dynamic "environment" {
    for_each = length(local.environment_variables) > 0 ? [local.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "vpc_config" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [true] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  depends_on = [aws_iam_role_policy.this]
}
