output "function_name" {
  description = "Name of the function that runs for each inserted item."
  value       = module.insert_trigger.function_name
}

output "table_name" {
  description = "Name of the table to write to."
  value       = module.insert_trigger.table_name
}

output "filter_pattern" {
  description = "The single filter on the mapping."
  value       = module.insert_trigger.filter_pattern
}

output "event_source_mapping_uuid" {
  description = "UUID of the mapping from the stream to the function."
  value       = module.insert_trigger.event_source_mapping_uuid
}

output "log_group_name" {
  description = "Where the function's lines go: one per processed insert."
  value       = module.insert_trigger.log_group_name
}

output "failure_destination_arn" {
  description = "Where inserts that ran out of retries are kept."
  value       = module.insert_trigger.failure_destination_arn
}

output "failure_bucket_name" {
  description = "The bucket that keeps each failed batch, records included."
  value       = module.insert_trigger.failure_bucket_name
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = module.insert_trigger.role_name
}

output "redrive_command" {
  description = "Sends the inserts kept on the failure destination through the function again."
  value       = module.insert_trigger.redrive_command
}

output "alarm_arns" {
  description = "The alarms by kind; each notifies the alarm topic."
  value       = module.insert_trigger.alarm_arns
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify: subscribe to it."
  value       = aws_sns_topic.alarms.arn
}

output "kms_key_arn" {
  description = "The key that encrypts the logs, the failure bucket and the alarm topic."
  value       = aws_kms_key.this.arn
}

output "failure_topic_arn" {
  description = "Your failure topic, with failure_topic = true; null otherwise."
  value       = try(aws_sns_topic.failures[0].arn, null)
}
