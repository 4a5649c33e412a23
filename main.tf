# Values more than one concern reads. Each concern has its file: table.tf, function.tf, iam.tf,
# failure_destination.tf, mapping.tf (with the filter pattern it builds and checks), alarms.tf,
# idempotency.tf (the ledger), dashboard.tf; moved.tf records the addresses that changed since an
# earlier release.

locals {
  package_path = coalesce(var.package_path, "${path.module}/lambda/insert_trigger.zip")
  # The caller's variables, and the ledger's settings (idempotency.tf), which the module sets.
  # handler_metrics turns the handler's EMF metrics on (lambda/insert_trigger/emf.py).
  function_environment = merge(
    var.environment_variables,
    local.ledger_environment,
    var.handler_metrics ? { HANDLER_METRICS = "true" } : {},
  )

  table_arn = var.create_table ? aws_dynamodb_table.this[0].arn : data.aws_dynamodb_table.existing[0].arn
  table_kms = var.create_table ? var.table_kms_key_arn : try(data.aws_dynamodb_table.existing[0].server_side_encryption[0].kms_key_arn, null)
  # What the mapping reads (stream_source): the table's DynamoDB stream, or the Kinesis data stream
  # the table streams its changes to (kinesis.tf); and the key its records are encrypted with.
  stream_arn = var.stream_source == "kinesis" ? local.kinesis_stream_arn : (
    var.create_table ? aws_dynamodb_table.this[0].stream_arn : data.aws_dynamodb_table.existing[0].stream_arn
  )
  stream_kms = var.stream_source == "kinesis" ? var.kms_key_arn : local.table_kms

  # The failure destination: one the module creates (failure_destination), or the caller's own.
  create_failure_bucket = var.on_failure_destination_arn == null && var.failure_destination == "s3"
  create_failure_queue  = var.on_failure_destination_arn == null && var.failure_destination == "sqs"
  failure_destination_arn = (
    local.create_failure_bucket ? aws_s3_bucket.failures[0].arn :
    local.create_failure_queue ? aws_sqs_queue.failures[0].arn : var.on_failure_destination_arn
  )
  # The third field of an ARN is the service: s3, sqs or sns (checked by the variable's validation).
  failure_destination_service = coalesce(try(split(":", var.on_failure_destination_arn)[2], null), var.failure_destination)
  # What writing a failed batch takes, per kind of destination (AWS Lambda developer guide,
  # "Retain discarded batch records"): exactly these actions, on that destination only.
  failure_destination_grants = {
    s3 = [
      { sid = "ListFailureBucket", actions = ["s3:ListBucket"], resources = [local.failure_destination_arn] },
      { sid = "SendFailedRecords", actions = ["s3:PutObject"], resources = ["${local.failure_destination_arn}/*"] },
    ]
    sqs = [{ sid = "SendFailedRecords", actions = ["sqs:SendMessage"], resources = [local.failure_destination_arn] }]
    sns = [{ sid = "SendFailedRecords", actions = ["sns:Publish"], resources = [local.failure_destination_arn] }]
  }[local.failure_destination_service]
  # Writing to a destination the module encrypted with kms_key_arn: S3 needs a data key; SQS also
  # decrypts it.
  failure_destination_kms_actions = {
    s3  = ["kms:GenerateDataKey"]
    sqs = ["kms:Decrypt", "kms:GenerateDataKey"]
  }

  # A bucket name is 3-63 characters of a-z, 0-9, dots and hyphens, starting and ending with a
  # letter or digit, and never starts with "sthree-" or "amzn-s3-demo-". The prefix keeps up to
  # 27 characters of name, lower-cased, each run of other characters made one hyphen; AWS appends
  # 26 digits that make the name unique.
  failure_bucket_stem   = trim(replace(lower(var.name), "/[^a-z0-9]+/", "-"), "-")
  failure_bucket_guard  = local.failure_bucket_stem == "" || can(regex("^(sthree|amzn-s3-demo)", local.failure_bucket_stem)) ? "it-" : ""
  failure_bucket_prefix = "${trim(substr("${local.failure_bucket_guard}${local.failure_bucket_stem}", 0, 27), "-")}-failures-"

  # The function the mapping invokes: the module's own, or the caller's (create_function = false),
  # named as given or by ARN, possibly with a version or alias after the name.
  function_name   = var.create_function ? var.name : try(regex("^(?:arn:[^:]+:lambda:[^:]+:[0-9]+:function:)?([A-Za-z0-9_-]+)", var.function_name)[0], var.function_name)
  role_name       = var.create_function ? aws_iam_role.this[0].name : var.function_role_name
  log_group_name  = "/aws/lambda/${local.function_name}"
  redrive_command = "insert-trigger-redrive --function-name ${var.create_function ? var.name : var.function_name}"
}
