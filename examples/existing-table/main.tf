# The table stands for one that another stack owns: in real use it is not in this configuration,
# and only its name is passed to the module. Its stream must carry the new image.
resource "aws_dynamodb_table" "customers" {
  name             = var.table_name
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "customer_id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "customer_id"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

module "insert_trigger" {
  source = "../.."

  name         = var.name
  create_table = false
  table_name   = aws_dynamodb_table.customers.name

  failure_bucket_force_destroy = var.failure_bucket_force_destroy
}
