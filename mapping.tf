################################################################################
# Event source mapping
################################################################################

locals {
  # One pattern, never two filters: filters in a mapping are ORed, so "INSERT and status=NEW" as
  # two filters would let every INSERT and every update to a NEW item through.
  change_pattern = merge(
    { eventName = ["INSERT"] },
    var.new_image_pattern == null ? {} : { dynamodb = { NewImage = jsondecode(var.new_image_pattern) } },
  )
  # A Kinesis mapping filters only on data, the record's payload decoded from base64 JSON: there
  # the DynamoDB change has the same fields as a DynamoDB stream record.
  filter_pattern = var.stream_source == "kinesis" ? jsonencode({ data = local.change_pattern }) : jsonencode(local.change_pattern)
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = coalesce(local.kinesis_consumer_arn, local.stream_arn)
  function_name                      = var.create_function ? aws_lambda_function.this[0].arn : var.function_name
  starting_position                  = var.starting_position
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds
  bisect_batch_on_function_error     = var.bisect_batch_on_function_error
  parallelization_factor             = var.parallelization_factor
  enabled                            = var.enabled
  function_response_types            = ["ReportBatchItemFailures"]
  kms_key_arn                        = var.filter_criteria_kms_key_arn
  tags                               = var.tags

  filter_criteria {
    filter {
      pattern = local.filter_pattern
    }
  }

  destination_config {
    on_failure {
      destination_arn = local.failure_destination_arn
    }
  }

  dynamic "metrics_config" {
    for_each = length(var.metrics) > 0 ? [var.metrics] : []
    content {
      metrics = metrics_config.value
    }
  }

  lifecycle {
    # Checked here, where the pattern is built: a variable's validation cannot read the local.
    precondition {
      condition     = length(local.filter_pattern) <= 4096
      error_message = "new_image_pattern is too long: merged with the INSERT filter the pattern is ${length(local.filter_pattern)} characters, and must be at most 4096 characters, AWS's limit for one filter pattern."
    }
  }

  # The mapping is checked against the role when it is created: without the stream actions in
  # place, creation fails. The bucket is complete (private, encrypted) before anything lands in it.
  depends_on = [
    aws_iam_role_policy.this,
    aws_s3_bucket_lifecycle_configuration.failures,
    aws_s3_bucket_ownership_controls.failures,
    aws_s3_bucket_policy.failures,
    aws_s3_bucket_server_side_encryption_configuration.failures,
  ]
}
