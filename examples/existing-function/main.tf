# Your function: yours to build, deploy and own. It stands for one that another stack or pipeline
# owns; the module only needs its name and its execution role's name.
resource "aws_iam_role" "orders" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# The role's own permissions: writing the function's logs. The module adds the stream and the
# failure destination in a policy of its own, and removes only that one on destroy.
resource "aws_iam_role_policy" "logs" {
  name   = "logs"
  role   = aws_iam_role.orders.id
  policy = data.aws_iam_policy_document.logs.json
}

data "aws_iam_policy_document" "logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.orders.arn}:*"]
  }
}

resource "aws_cloudwatch_log_group" "orders" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = 14
}

# package.zip: the insert_trigger library plus function/orders_handler.py (built by `make package`).
resource "aws_lambda_function" "orders" {
  function_name    = var.name
  role             = aws_iam_role.orders.arn
  handler          = "orders_handler.lambda_handler"
  runtime          = "python3.13"
  filename         = "${path.module}/package.zip"
  source_code_hash = filebase64sha256("${path.module}/package.zip")
  timeout          = 30

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.orders.name
  }

  depends_on = [aws_iam_role_policy.logs]
}

# The module attached to it: the table, the insert-only mapping, the failure destination, and the
# role policy they need. No function, role or log group of its own.
module "insert_trigger" {
  source = "../.."

  name       = var.name
  table_name = var.table_name

  create_function    = false
  function_name      = aws_lambda_function.orders.function_name
  function_role_name = aws_iam_role.orders.name

  # A queue keeps each failed batch's shard and sequence range, and the redrive reads the records
  # back from the stream (24 hours); s3 keeps the records themselves.
  failure_destination          = var.failure_destination
  failure_bucket_force_destroy = var.failure_bucket_force_destroy
  deletion_protection_enabled  = var.deletion_protection_enabled

  # Your function emits the handler metrics itself (process_inserts(..., metrics=True)): this
  # only tells the dashboard to show them.
  handler_metrics  = true
  create_dashboard = var.create_dashboard
}
