output "function_name" {
  description = "Name of your function, which the mapping invokes."
  value       = module.insert_trigger.function_name
}

output "function_arn" {
  description = "ARN of your function, as the mapping reports it."
  value       = module.insert_trigger.function_arn
}

output "role_name" {
  description = "Name of your function's role, which holds the module's policy while the module exists."
  value       = module.insert_trigger.role_name
}

output "table_name" {
  description = "Name of the table to write to."
  value       = module.insert_trigger.table_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the mapping from the stream to your function."
  value       = module.insert_trigger.event_source_mapping_uuid
}

output "log_group_name" {
  description = "Where your function's lines go: one per inserted order, and a summary per invocation."
  value       = module.insert_trigger.log_group_name
}

output "failure_destination_arn" {
  description = "Where inserts that ran out of retries are kept."
  value       = module.insert_trigger.failure_destination_arn
}

output "failure_queue_url" {
  description = "The queue that keeps each failed batch's shard and sequence range (failure_destination = \"sqs\")."
  value       = module.insert_trigger.failure_queue_url
}

output "failure_bucket_name" {
  description = "The bucket that keeps each failed batch, inserts included (failure_destination = \"s3\")."
  value       = module.insert_trigger.failure_bucket_name
}

output "redrive_command" {
  description = "Sends the inserts kept on the failure destination through your function again."
  value       = module.insert_trigger.redrive_command
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the whole path (create_dashboard)."
  value       = module.insert_trigger.dashboard_name
}

output "dashboard_url" {
  description = "Where to open that dashboard in the console."
  value       = module.insert_trigger.dashboard_url
}
