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
    INSERT_PROCESSOR = "orders_processor:process"
  }

  # Few retries, so a refused order reaches the failure queue within seconds, not minutes.
  maximum_retry_attempts = 2
}
