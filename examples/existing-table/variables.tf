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
