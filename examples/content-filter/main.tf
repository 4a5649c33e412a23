module "insert_trigger" {
  source = "../.."

  name       = var.name
  table_name = var.table_name

  # Only inserted orders whose status is NEW reach the function; this is AND-ed with the INSERT
  # filter in the mapping's single pattern.
  new_image_pattern = jsonencode({ status = { S = ["NEW"] } })

  # The module's handler package plus orders_processor.py (built by `make package`).
  package_path = "${path.module}/package.zip"
  environment_variables = {
    INSERT_PROCESSOR    = "orders_processor:process"
    ACCEPTED_CURRENCIES = var.accepted_currencies
  }

  # Few retries, so a refused order reaches the failure destination within seconds, not minutes.
  # A queue keeps only each failed batch's shard and sequence range: the redrive reads the records
  # back from the stream (24 hours), applying this mapping's filter; a bucket keeps the records.
  maximum_retry_attempts = 2
  # Orders written within a second share one invocation (and one failure record).
  maximum_batching_window_in_seconds = 1
  failure_destination                = var.failure_destination
  failure_bucket_force_destroy       = var.failure_bucket_force_destroy
  deletion_protection_enabled        = var.deletion_protection_enabled
}
