################################################################################
# Table
################################################################################

resource "aws_dynamodb_table" "this" {
  count = var.create_table ? 1 : 0

  name             = var.table_name
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = var.table_hash_key
  range_key        = var.table_range_key
  stream_enabled   = var.stream_source == "dynamodb" # with kinesis, the changes go to Kinesis (kinesis.tf)
  stream_view_type = var.stream_source == "dynamodb" ? var.stream_view_type : null
  tags             = var.tags

  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = var.table_hash_key
    type = var.table_hash_key_type
  }

  dynamic "attribute" {
    for_each = var.table_range_key == null ? [] : [var.table_range_key]
    content {
      name = attribute.value
      type = var.table_range_key_type
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.table_kms_key_arn
  }
}

data "aws_dynamodb_table" "existing" {
  count = var.create_table ? 0 : 1

  name = var.table_name

  lifecycle {
    postcondition {
      condition     = var.stream_source == "kinesis" || self.stream_enabled && contains(["NEW_IMAGE", "NEW_AND_OLD_IMAGES"], coalesce(self.stream_view_type, "NONE"))
      error_message = "Table ${var.table_name} has its stream ${self.stream_enabled ? "on with view type ${self.stream_view_type}" : "off"}, but the handler needs the inserted item in each record. Turn the stream on with view type NEW_IMAGE or NEW_AND_OLD_IMAGES (aws dynamodb update-table --table-name ${var.table_name} --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE), or let the module create the table (create_table = true), or read its changes from Kinesis (stream_source = \"kinesis\")."
    }
  }
}
