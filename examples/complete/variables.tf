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
