################################################################################
# Upgrades: addresses that changed since an earlier release
################################################################################

# Since 0.1.0: the function, its role and its log group are optional (create_function).
# Terraform would move these to [0] by itself; written out, so every address change is in one place.
moved {
  from = aws_lambda_function.this
  to   = aws_lambda_function.this[0]
}

moved {
  from = aws_iam_role.this
  to   = aws_iam_role.this[0]
}

moved {
  from = aws_cloudwatch_log_group.this
  to   = aws_cloudwatch_log_group.this[0]
}

# Since 0.1.0: the failed-records alarm and dropped_records are one resource over the mapping's
# metrics. The same alarm (same name), updated in place to read the new metric.
moved {
  from = aws_cloudwatch_metric_alarm.failed_records[0]
  to   = aws_cloudwatch_metric_alarm.mapping["failed_records"]
}
