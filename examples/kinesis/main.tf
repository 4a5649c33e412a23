module "insert_trigger" {
  source = "../.."

  name       = var.name
  table_name = var.table_name

  # The table streams its changes to a Kinesis data stream the module creates (on demand,
  # encrypted, 24 hours by default); the table itself gets no DynamoDB stream.
  stream_source           = "kinesis"
  kinesis_retention_hours = var.kinesis_retention_hours
  kinesis_consumer        = var.kinesis_consumer
  # A new mapping on Kinesis may take minutes to start polling: from the oldest record, nothing
  # written meanwhile is missed (AWS: "Polling and stream starting position").
  starting_position = "TRIM_HORIZON"

  # Only inserted orders whose status is NEW reach the function; on Kinesis the pattern applies
  # to data, the change DynamoDB wrote: {"data":{"dynamodb":{"NewImage":...},"eventName":["INSERT"]}}.
  new_image_pattern = jsonencode({ status = { S = ["NEW"] } })

  # The module's handler package plus the content-filter example's orders_processor.py
  # (built by `make package`).
  package_path = "${path.module}/package.zip"
  environment_variables = {
    INSERT_PROCESSOR    = "orders_processor:process"
    ACCEPTED_CURRENCIES = var.accepted_currencies
  }

  # Few retries, so a refused order reaches the failure destination within seconds, not minutes.
  # A bucket keeps the Kinesis records themselves; a queue keeps their shard and sequence range,
  # which the redrive re-reads from the stream. Either way it sends them back to the function.
  maximum_retry_attempts             = 2
  maximum_batching_window_in_seconds = 1
  failure_destination                = var.failure_destination
  failure_bucket_force_destroy       = var.failure_bucket_force_destroy
  deletion_protection_enabled        = var.deletion_protection_enabled
}
