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
