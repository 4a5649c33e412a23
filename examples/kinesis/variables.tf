variable "name" {
  description = "Name of the function, of its Kinesis data stream and of the resources around them."
  type        = string
  default     = "kinesis-orders-insert-trigger"
}

variable "table_name" {
  description = "Name of the table the example creates."
  type        = string
  default     = "kinesis-orders"
}

variable "kinesis_retention_hours" {
  description = "Hours the Kinesis data stream keeps the table's changes, 24 to 8760."
  type        = number
  default     = 24
}

variable "accepted_currencies" {
  description = "Currencies the processor accepts, comma-separated; an order in another one is refused until you add its currency here and redrive it."
  type        = string
  default     = "EUR"
}

variable "failure_destination" {
  description = "Where refused orders are kept once retries run out: s3 (the Kinesis records themselves) or sqs (their shard and sequence range, re-read from the stream while it keeps them)."
  type        = string
  default     = "s3"
}

variable "kinesis_consumer" {
  description = "Read the stream through an enhanced fan-out consumer of the function's own (dedicated throughput, charged per data read). Switching it replaces the mapping: see the README."
  type        = bool
  default     = false
}

variable "failure_bucket_force_destroy" {
  description = "Let terraform destroy delete the failure bucket while it holds failed batches (the tests set it)."
  type        = bool
  default     = false
}

variable "deletion_protection_enabled" {
  description = "Protect the table from deletion, the module's default: a destroy fails until this is false and applied. The tests set false, since they destroy the example."
  type        = bool
  default     = true
}
