variable "name" {
  description = "Name of the function and of the resources around it."
  type        = string
  default     = "customers-insert-trigger"
}

variable "table_name" {
  description = "Name of the table the example creates to stand for an existing one."
  type        = string
  default     = "customers"
}

variable "failure_bucket_force_destroy" {
  description = "Let terraform destroy delete the failure bucket while it holds failed batches (the tests set it)."
  type        = bool
  default     = false
}
