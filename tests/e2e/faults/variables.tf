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
