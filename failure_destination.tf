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
