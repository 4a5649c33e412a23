variable "name" {
  description = "Name of your function and its role; also names the module's failure destination and its policy on the role."
  type        = string
  default     = "orders-handler"
}

variable "table_name" {
  description = "Name of the table the module creates."
  type        = string
  default     = "orders"
}

variable "failure_destination" {
  description = "Where inserts that ran out of retries are kept: sqs (their shard and sequence range) or s3 (the inserts themselves)."
  type        = string
  default     = "sqs"
}

variable "failure_bucket_force_destroy" {
  description = "Let terraform destroy delete the failure bucket while it holds failed batches (failure_destination = \"s3\"; the tests set it)."
  type        = bool
  default     = false
}

variable "deletion_protection_enabled" {
  description = "Protect the table from deletion, the module's default: a destroy fails until this is false and applied. The tests and make demo set false, since they destroy the example."
  type        = bool
  default     = true
}

variable "create_dashboard" {
  description = "Create the module's CloudWatch dashboard for the table, the mapping and your function."
  type        = bool
  default     = true
}
