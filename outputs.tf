output "function_name" {
  description = "Name of the Lambda function: the one the module created, or yours (function_name without ARN or qualifier)."
  value       = var.create_function ? aws_lambda_function.this[0].function_name : local.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function the mapping invokes (with create_function = false, as the mapping reports it, qualifier included)."
  value       = var.create_function ? aws_lambda_function.this[0].arn : aws_lambda_event_source_mapping.this.function_arn
}

output "role_name" {
  description = "Name of the function's execution role: the one the module created, or function_role_name."
  value       = local.role_name
}

output "role_arn" {
  description = "ARN of the execution role the module created; null with create_function = false, as the module does not look your role up (its ARN holds a path the name does not give)."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "event_source_mapping_uuid" {
  description = "UUID of the event source mapping from the stream to the function."
  value       = aws_lambda_event_source_mapping.this.uuid
}

output "filter_pattern" {
  description = "The single filter pattern on the mapping, exactly as sent to AWS: eventName INSERT, AND-ed with new_image_pattern when set; with stream_source = \"kinesis\", the same under data."
  value       = local.filter_pattern
}

output "table_name" {
  description = "Name of the table whose inserts trigger the function."
  value       = var.create_table ? aws_dynamodb_table.this[0].name : data.aws_dynamodb_table.existing[0].name
}

output "table_arn" {
  description = "ARN of the table."
  value       = local.table_arn
}

output "stream_arn" {
  description = "ARN of the stream the mapping reads: the table's DynamoDB stream, or with stream_source = \"kinesis\" the Kinesis data stream (the module's or kinesis_stream_arn). With kinesis_consumer = true the mapping reads that data stream through the consumer kinesis_consumer_arn, its event source."
  value       = local.stream_arn
}

output "kinesis_consumer_arn" {
  description = "ARN of the enhanced fan-out consumer the module registered on the Kinesis data stream (kinesis_consumer = true), the mapping's event source; null otherwise."
  value       = local.kinesis_consumer_arn
}

output "failure_destination_arn" {
  description = "ARN of the on-failure destination: the bucket or queue the module created, or on_failure_destination_arn."
  value       = local.failure_destination_arn
}

output "failure_bucket_name" {
  description = "Name of the failure bucket the module created; null with failure_destination = \"sqs\" or on_failure_destination_arn."
  value       = try(aws_s3_bucket.failures[0].bucket, null)
}

output "failure_queue_arn" {
  description = "ARN of the failure queue the module created; null with failure_destination = \"s3\" or on_failure_destination_arn."
  value       = try(aws_sqs_queue.failures[0].arn, null)
}

output "failure_queue_url" {
  description = "URL of the failure queue the module created; null with failure_destination = \"s3\" or on_failure_destination_arn."
  value       = try(aws_sqs_queue.failures[0].url, null)
}

output "redrive_command" {
  description = "The command that sends this function's failed inserts through it again once their cause is fixed (add --dry-run to only list them)."
  value       = local.redrive_command
}

output "idempotency_table_name" {
  description = "Name of the idempotency ledger the handler uses (the one the module created, or idempotency_table_name); null with idempotency = false. With create_function = false, set it on your function as IDEMPOTENCY_TABLE."
  value       = local.ledger_name
}

output "log_group_name" {
  description = "Name of the function's log group: the one the module created, or with create_function = false /aws/lambda/<function name>, Lambda's default (your function's logging_config may name another)."
  value       = var.create_function ? aws_cloudwatch_log_group.this[0].name : local.log_group_name
}

output "alarm_arns" {
  description = "ARNs of the alarms by kind (iterator_age, errors, failed_records, dropped_records); empty when create_alarms is false."
  value = {
    for k, v in {
      iterator_age    = try(aws_cloudwatch_metric_alarm.iterator_age[0].arn, null)
      errors          = try(aws_cloudwatch_metric_alarm.errors[0].arn, null)
      failed_records  = try(aws_cloudwatch_metric_alarm.mapping["failed_records"].arn, null)
      dropped_records = try(aws_cloudwatch_metric_alarm.mapping["dropped_records"].arn, null)
    } : k => v if v != null
  }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard; null when create_dashboard is false."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}

output "dashboard_url" {
  description = "Console address of the dashboard (the aws partition's console); null when create_dashboard is false."
  value       = try("https://console.aws.amazon.com/cloudwatch/home?region=${data.aws_region.current.name}#dashboards/dashboard/${aws_cloudwatch_dashboard.this[0].dashboard_name}", null)
}
