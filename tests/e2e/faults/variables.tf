variable "name" {
  description = "Name of the function and of the resources around it."
  type        = string
}

variable "table_name" {
  description = "Name of the table the stack creates."
  type        = string
}

variable "package_path" {
  description = "The handler package plus fault_processor.py, built by the test into .local/."
  type        = string
}

variable "idempotency" {
  description = "Whether the function uses the module's idempotency ledger (the suite's second stack)."
  type        = bool
  default     = false
}

variable "timeout" {
  description = "The function's timeout in seconds: 3 makes a slow batch outlive it; the ledger's stack needs more for boto3's cold import on a busy emulator."
  type        = number
  default     = 3
}
