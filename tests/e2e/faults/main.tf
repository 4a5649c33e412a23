# The fault suite's stack (tests/e2e/test_faults.py): the module with the fault processor, short
# limits so every retry path finishes in seconds. Each item picks its fault; the test changes
# DEADLINE_MARGIN_MS and INSERT_PROCESSOR between phases without re-applying.
module "insert_trigger" {
  source = "../../.."

  name         = var.name
  table_name   = var.table_name
  package_path = var.package_path
  idempotency  = var.idempotency

  environment_variables = {
    INSERT_PROCESSOR   = "fault_processor:process"
    DEADLINE_MARGIN_MS = "1000"
  }

  # A slow batch outlives 3 s; three tries per batch end a failing one within seconds.
  timeout                = var.timeout
  batch_size             = 10
  maximum_retry_attempts = 2
  # The test writes each phase in one transaction, which LocalStack hands over as one batch (the
  # test checks it); the window adds at most a second to a phase.
  maximum_batching_window_in_seconds = 1
  log_retention_in_days              = 1
  # The test destroys the stack.
  deletion_protection_enabled = false
}
