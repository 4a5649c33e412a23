output "function_name" {
  description = "Name of the function that runs for each inserted order."
  value       = module.insert_trigger.function_name
}

output "table_name" {
  description = "Name of the table to write to."
  value       = module.insert_trigger.table_name
}

output "stream_arn" {
  description = "The Kinesis data stream the table streams its changes to, which the mapping reads."
  value       = module.insert_trigger.stream_arn
}

output "filter_pattern" {
  description = "The single filter on the mapping, on the Kinesis records' data."
  value       = module.insert_trigger.filter_pattern
}

output "event_source_mapping_uuid" {
  description = "UUID of the mapping from the Kinesis data stream to the function."
  value       = module.insert_trigger.event_source_mapping_uuid
}

output "log_group_name" {
  description = "Where the function's lines go: one per processed insert."
  value       = module.insert_trigger.log_group_name
}

output "failure_bucket_name" {
  description = "The bucket that keeps each failed batch, its Kinesis records included (failure_destination = \"s3\")."
  value       = module.insert_trigger.failure_bucket_name
}

output "failure_queue_url" {
  description = "The queue that keeps each failed batch's shard and sequence range (failure_destination = \"sqs\")."
  value       = module.insert_trigger.failure_queue_url
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = module.insert_trigger.role_name
}

output "redrive_command" {
  description = "Sends the inserts kept on the failure bucket through the function again."
  value       = module.insert_trigger.redrive_command
}
