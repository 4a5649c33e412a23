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
locals {
  mapping_alarms = {
    failed_records = {
      metric      = "OnFailureDestinationDeliveredEventCount"
      description = "Inserts of ${var.table_name} ran out of retries and were sent to ${local.failure_destination_arn}: fix the cause, then redrive them (${local.redrive_command})."
    }
    dropped_records = {
      metric      = "DroppedEventCount"
      description = "Records of ${var.table_name} ran out of retries or age and could NOT be kept on ${local.failure_destination_arn} (AWS counts records sent to the destination separately): check the role's access to the destination."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "mapping" {
  for_each = var.create_alarms ? local.mapping_alarms : {}

  alarm_name          = "${var.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
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
