################################################################################
# Kinesis source (stream_source = "kinesis")
################################################################################

locals {
  create_kinesis_stream = var.stream_source == "kinesis" && var.kinesis_stream_arn == null
  kinesis_stream_arn    = local.create_kinesis_stream ? aws_kinesis_stream.this[0].arn : var.kinesis_stream_arn
  kinesis_consumer_arn  = try(aws_kinesis_stream_consumer.this[0].arn, null)
}

resource "aws_kinesis_stream" "this" {
  count = local.create_kinesis_stream ? 1 : 0

  name             = var.name
  retention_period = var.kinesis_retention_hours
  encryption_type  = "KMS"
  kms_key_id       = coalesce(var.kms_key_arn, "alias/aws/kinesis")
  tags             = var.tags

  # On demand: no shard count to size, and shards follow the table's write rate.
  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
}

# The table publishes each change to the stream; microseconds, so that ApproximateCreationDateTime
# orders two changes to an item within the same millisecond.
resource "aws_dynamodb_kinesis_streaming_destination" "this" {
  count = var.stream_source == "kinesis" ? 1 : 0

  stream_arn                               = local.kinesis_stream_arn
  table_name                               = var.create_table ? aws_dynamodb_table.this[0].name : data.aws_dynamodb_table.existing[0].name
  approximate_creation_date_time_precision = "MICROSECOND"
}

# Enhanced fan-out (kinesis_consumer): the mapping reads through a consumer of its own, which
# Kinesis pushes records to with a dedicated 2 MB/s per shard, instead of polling for a share of
# the stream's reads (AWS Lambda developer guide, with-kinesis, "Polling and batching streams").
resource "aws_kinesis_stream_consumer" "this" {
  count = var.kinesis_consumer ? 1 : 0

  name       = var.name
  stream_arn = local.kinesis_stream_arn
}
