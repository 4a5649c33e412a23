locals {
  package_path = coalesce(var.package_path, "${path.module}/lambda/insert_trigger.zip")

  # One pattern, never two filters: filters in a mapping are ORed, so "INSERT and status=NEW" as
  # two filters would let every INSERT and every update to a NEW item through.
  filter_pattern = jsonencode(merge(
    { eventName = ["INSERT"] },
    var.new_image_pattern == null ? {} : { dynamodb = { NewImage = jsondecode(var.new_image_pattern) } },
  ))

  table_arn  = var.create_table ? aws_dynamodb_table.this[0].arn : data.aws_dynamodb_table.existing[0].arn
  stream_arn = var.create_table ? aws_dynamodb_table.this[0].stream_arn : data.aws_dynamodb_table.existing[0].stream_arn
  table_kms  = var.create_table ? var.table_kms_key_arn : try(data.aws_dynamodb_table.existing[0].server_side_encryption[0].kms_key_arn, null)

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

################################################################################
# Table
################################################################################

resource "aws_dynamodb_table" "this" {
  count = var.create_table ? 1 : 0

  name             = var.table_name
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = var.table_hash_key
  range_key        = var.table_range_key
  stream_enabled   = true
  stream_view_type = var.stream_view_type
  tags             = var.tags

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
      condition     = self.stream_enabled && contains(["NEW_IMAGE", "NEW_AND_OLD_IMAGES"], coalesce(self.stream_view_type, "NONE"))
      error_message = "Table ${var.table_name} has its stream ${self.stream_enabled ? "on with view type ${self.stream_view_type}" : "off"}, but the handler needs the inserted item in each record. Turn the stream on with view type NEW_IMAGE or NEW_AND_OLD_IMAGES (aws dynamodb update-table --table-name ${var.table_name} --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE), or let the module create the table (create_table = true)."
    }
  }
}

################################################################################
# Function
################################################################################

# None of it with create_function = false: the mapping then invokes the caller's function, which
# the module neither reads nor changes; only a policy on its role is added (Permissions).

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's choice (log_retention_in_days, default 30 days); a one-year minimum would be a cost decision made for them.
  count = var.create_function ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Stream invocations are synchronous, so a function DLQ never receives them; failed records go to the mapping's on-failure destination.
  #checkov:skip=CKV_AWS_117:Running inside a VPC is optional (vpc_subnet_ids); the handler needs no network access of its own.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is optional (reserved_concurrent_executions); concurrency is already bounded by shards times parallelization_factor.
  #checkov:skip=CKV_AWS_173:Environment variables hold configuration, not secrets; Lambda encrypts them at rest with an AWS managed key.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the caller owns; the package is built reproducibly from source in this repo.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is optional (tracing_mode = "Active").
  count = var.create_function ? 1 : 0

  function_name                  = var.name
  description                    = "Runs for each item inserted into DynamoDB table ${var.table_name}."
  role                           = aws_iam_role.this[0].arn
  handler                        = "insert_trigger.lambda_handler"
  runtime                        = var.runtime
  architectures                  = var.architectures
  filename                       = local.package_path
  source_code_hash               = filebase64sha256(local.package_path)
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  layers                         = var.layers
  tags                           = var.tags

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []
    content {
      variables = environment.value
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this[0].name
  }

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "vpc_config" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [true] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  depends_on = [aws_iam_role_policy.this]
}

################################################################################
# Permissions
################################################################################

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create_function ? 1 : 0

  name               = var.name
  description        = "Execution role of Lambda function ${var.name}: reads the stream of ${var.table_name}, writes its own logs and failure destination."
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [local.stream_arn]
  }

  statement {
    sid       = "ListTableStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["${local.table_arn}/stream/*"]
  }

  # A function of the caller's own already writes its logs with its own role's permissions.
  dynamic "statement" {
    for_each = aws_cloudwatch_log_group.this
    content {
      sid       = "WriteOwnLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${statement.value.arn}:*"]
    }
  }

  dynamic "statement" {
    for_each = local.failure_destination_grants
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }

  dynamic "statement" {
    for_each = local.table_kms == null ? [] : [local.table_kms]
    content {
      sid       = "DecryptStream"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null && var.on_failure_destination_arn == null ? [var.kms_key_arn] : []
    content {
      sid       = "EncryptFailedRecords"
      actions   = local.failure_destination_kms_actions[var.failure_destination]
      resources = [statement.value]
    }
  }

  # X-Ray and VPC network interfaces have no resource-level permissions: AWS requires "*".
  dynamic "statement" {
    for_each = var.tracing_mode == "Active" ? [true] : []
    content {
      sid       = "WriteTraces"
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [true] : []
    content {
      sid = "AttachToVpc"
      actions = [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}

# On the caller's role (create_function = false), a policy of its own: destroying the module removes
# it and leaves the role as it was. Named after the module's name, so two modules attached to one
# function do not overwrite each other's policy.
resource "aws_iam_role_policy" "this" {
  name   = var.create_function ? "stream-logs-failures" : "insert-trigger-${var.name}"
  role   = local.role_name
  policy = data.aws_iam_policy_document.this.json
}

################################################################################
# Failure destination
################################################################################

resource "aws_s3_bucket" "failures" {
  #checkov:skip=CKV_AWS_18:Access logging needs a second bucket the caller owns; every write here comes from the mapping and is counted by its OnFailureDestinationDeliveredEventCount metric.
  #checkov:skip=CKV_AWS_21:Versioning would keep every failed batch the redrive removed as a noncurrent version, so the bucket would never be empty and a destroy without failure_bucket_force_destroy would always fail. Objects are written once and expire after failure_retention_days.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the caller; the failed records are also in the table that produced them.
  #checkov:skip=CKV_AWS_145:Encrypted with SSE-S3 by default and with kms_key_arn when it is set; a KMS key is the caller's choice.
  #checkov:skip=CKV2_AWS_62:Event notifications are the caller's choice; the failed-records alarm (create_alarms) tells a person when a batch lands here.
  count = local.create_failure_bucket ? 1 : 0

  bucket_prefix = local.failure_bucket_prefix
  force_destroy = var.failure_bucket_force_destroy
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = can(regex("^[a-z0-9][a-z0-9-]{1,35}-$", local.failure_bucket_prefix)) && !can(regex("^(sthree-|amzn-s3-demo-|xn--)", local.failure_bucket_prefix))
      error_message = "The failure bucket's name prefix \"${local.failure_bucket_prefix}\", derived from name \"${var.name}\", is not a valid S3 bucket name prefix (3-37 characters of a-z, 0-9 and hyphens, starting with a letter or digit). Choose another name, or set on_failure_destination_arn."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "failures" {
  count = local.create_failure_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.failures[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "failures" {
  count = local.create_failure_bucket ? 1 : 0

  bucket = aws_s3_bucket.failures[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "failures" {
  count = local.create_failure_bucket ? 1 : 0

  bucket = aws_s3_bucket.failures[0].id

  rule {
    bucket_key_enabled = var.kms_key_arn != null

    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "failures" {
  count = local.create_failure_bucket ? 1 : 0

  bucket = aws_s3_bucket.failures[0].id

  rule {
    id     = "expire-failed-batches"
    status = "Enabled"

    filter {}

    expiration {
      days = var.failure_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "failure_bucket" {
  count = local.create_failure_bucket ? 1 : 0

  # The one way to refuse plain HTTP for every caller and action is a Deny on all S3 actions.
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.failures[0].arn, "${aws_s3_bucket.failures[0].arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "failures" {
  count = local.create_failure_bucket ? 1 : 0

  bucket = aws_s3_bucket.failures[0].id
  policy = data.aws_iam_policy_document.failure_bucket[0].json

  # S3 refuses a bucket policy while the public access block is being written.
  depends_on = [aws_s3_bucket_public_access_block.failures]
}

resource "aws_sqs_queue" "failures" {
  count = local.create_failure_queue ? 1 : 0

  name                      = "${var.name}-failures"
  message_retention_seconds = var.failure_retention_days * 86400
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

################################################################################
# Event source mapping
################################################################################

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = local.stream_arn
  function_name                      = var.create_function ? aws_lambda_function.this[0].arn : var.function_name
  starting_position                  = var.starting_position
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds
  bisect_batch_on_function_error     = var.bisect_batch_on_function_error
  parallelization_factor             = var.parallelization_factor
  enabled                            = var.enabled
  function_response_types            = ["ReportBatchItemFailures"]
  kms_key_arn                        = var.filter_criteria_kms_key_arn
  tags                               = var.tags

  filter_criteria {
    filter {
      pattern = local.filter_pattern
    }
  }

  destination_config {
    on_failure {
      destination_arn = local.failure_destination_arn
    }
  }

  dynamic "metrics_config" {
    for_each = length(var.metrics) > 0 ? [var.metrics] : []
    content {
      metrics = metrics_config.value
    }
  }

  # The mapping is checked against the role when it is created: without the stream actions in
  # place, creation fails. The bucket is complete (private, encrypted) before anything lands in it.
  depends_on = [
    aws_iam_role_policy.this,
    aws_s3_bucket_lifecycle_configuration.failures,
    aws_s3_bucket_ownership_controls.failures,
    aws_s3_bucket_policy.failures,
    aws_s3_bucket_server_side_encryption_configuration.failures,
  ]
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "iterator_age" {
  count = var.create_alarms ? 1 : 0

  alarm_name          = "${var.name}-iterator-age"
  alarm_description   = "Records of ${var.table_name}'s stream wait more than ${var.iterator_age_alarm_threshold_seconds} s before ${local.function_name} gets them: the function is slow, failing or throttled."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = var.create_function ? aws_lambda_function.this[0].function_name : local.function_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.iterator_age_alarm_threshold_seconds * 1000
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create_alarms ? 1 : 0

  alarm_name          = "${var.name}-errors"
  alarm_description   = "${local.function_name} failed whole invocations (timeouts, crashes, import errors); records are being retried."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = var.create_function ? aws_lambda_function.this[0].function_name : local.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# The failure alarms read the mapping's own metrics (AWS/Lambda, dimension EventSourceMappingUUID,
# published when metrics includes EventCount), so they work with every kind of destination.
resource "aws_cloudwatch_metric_alarm" "failed_records" {
  count = var.create_alarms ? 1 : 0

  alarm_name          = "${var.name}-failed-records"
  alarm_description   = "Inserts of ${var.table_name} ran out of retries and were sent to ${local.failure_destination_arn}: fix the cause, then redrive them (${local.redrive_command})."
  namespace           = "AWS/Lambda"
  metric_name         = "OnFailureDestinationDeliveredEventCount"
  dimensions          = { EventSourceMappingUUID = aws_lambda_event_source_mapping.this.uuid }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dropped_records" {
  count = var.create_alarms ? 1 : 0

  alarm_name          = "${var.name}-dropped-records"
  alarm_description   = "Records of ${var.table_name} ran out of retries or age and could NOT be kept on ${local.failure_destination_arn} (AWS counts records sent to the destination separately): check the role's access to the destination."
  namespace           = "AWS/Lambda"
  metric_name         = "DroppedEventCount"
  dimensions          = { EventSourceMappingUUID = aws_lambda_event_source_mapping.this.uuid }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
