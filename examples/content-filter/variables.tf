variable "name" {
  description = "Name of the function and of the resources around it."
  type        = string
  default     = "new-orders-insert-trigger"
}

variable "table_name" {
  description = "Name of the table the example creates."
  type        = string
  default     = "new-orders"
}

variable "accepted_currencies" {
  description = "Currencies the processor accepts, comma-separated; an order in another one is refused until you add its currency here and redrive it."
  type        = string
  default     = "EUR"
}

variable "failure_destination" {
  description = "Where refused orders are kept once retries run out: sqs (their shard and sequence range) or s3 (the orders themselves)."
  type        = string
  default     = "sqs"
}

variable "failure_bucket_force_destroy" {
  description = "Let terraform destroy delete the failure bucket while it holds failed batches (the tests set it)."
  type        = bool
  default     = false
}

variable "deletion_protection_enabled" {
  description = "Protect the table from deletion, the module's default: a destroy fails until this is false and applied. The tests and make demo set false, since they destroy the example."
  type        = bool
  default     = true
}
