variable "name" {
  description = "Name of the function and of the resources around it."
  type        = string
  default     = "orders-insert-trigger"
}

variable "table_name" {
  description = "Name of the table the example creates."
  type        = string
  default     = "orders"
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

variable "failure_topic" {
  description = "Send failed batches to an SNS topic of your own, created here, instead of the module's bucket."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags on every resource the example creates."
  type        = map(string)
  default     = { project = "orders", managed-by = "terraform" }
}
