################################################################################
# Dashboard
################################################################################

# One CloudWatch dashboard for the whole path: the stream's lag, what the filter saved, the
# function, the handler's own metrics (handler_metrics), what went to the failure destination or
# was dropped, and the alarms. Widgets on the mapping's metrics need metrics = ["EventCount"].

data "aws_region" "current" {}

locals {
  # The mapping's UUID and the alarms' ARNs are known only after apply, the region once the
  # provider is configured: the widgets name them by placeholders ($${...}) that templatestring
  # fills in, so the template, every widget, is known from the inputs alone (the tests read it).
  dashboard_mapping_counts = contains(var.metrics, "EventCount")
  dashboard_alarms         = var.create_alarms ? concat(["iterator_age", "errors"], keys(local.mapping_alarms)) : []

  dashboard_metric_widgets = concat(
    [
      {
        title       = "Stream lag: age of the last record the function got (IteratorAge, ms)"
        stat        = "Maximum"
        metrics     = [["AWS/Lambda", "IteratorAge", "FunctionName", local.function_name]]
        annotations = { horizontal = [for alarm in local.dashboard_alarms : { label = "alarm threshold", value = var.iterator_age_alarm_threshold_seconds * 1000 } if alarm == "iterator_age"] }
      },
    ],
    [for widget in [
      {
        title = "Records polled and filtered out (the filter's saving, % on the right)"
        stat  = "Sum"
        metrics = [
          ["AWS/Lambda", "PolledEventCount", "EventSourceMappingUUID", "$${mapping_uuid}", { id = "polled", label = "polled" }],
          ["AWS/Lambda", "FilteredOutEventCount", "EventSourceMappingUUID", "$${mapping_uuid}", { id = "filtered", label = "filtered out" }],
          [{ id = "saving", expression = "100 * filtered / polled", label = "filtered out, % of polled", yAxis = "right" }],
        ]
      },
      {
        title                = "The filter's saving over the time range"
        stat                 = "Sum"
        view                 = "singleValue"
        setPeriodToTimeRange = true
        metrics = [
          ["AWS/Lambda", "PolledEventCount", "EventSourceMappingUUID", "$${mapping_uuid}", { id = "polled", label = "records polled" }],
          ["AWS/Lambda", "FilteredOutEventCount", "EventSourceMappingUUID", "$${mapping_uuid}", { id = "filtered", label = "filtered out (no invocation)" }],
          [{ id = "saving", expression = "100 * filtered / polled", label = "filtered out, %" }],
        ]
      },
    ] : widget if local.dashboard_mapping_counts],
    [
      {
        title = "Invocations, errors and throttles"
        stat  = "Sum"
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", local.function_name],
          ["AWS/Lambda", "Errors", "FunctionName", local.function_name],
          ["AWS/Lambda", "Throttles", "FunctionName", local.function_name],
        ]
      },
      {
        title = "Duration of an invocation (ms)"
        metrics = [
          ["AWS/Lambda", "Duration", "FunctionName", local.function_name, { stat = "Average", label = "average" }],
          ["AWS/Lambda", "Duration", "FunctionName", local.function_name, { stat = "Maximum", label = "maximum" }],
        ]
      },
    ],
    [for widget in [
      {
        title = "Handler: what became of the records"
        stat  = "Sum"
        # AlreadyProcessed is published only by a handler with the idempotency ledger.
        metrics = concat(
          [
            ["InsertTrigger", "InsertsProcessed", "FunctionName", local.function_name],
            ["InsertTrigger", "RecordsSkipped", "FunctionName", local.function_name],
            ["InsertTrigger", "RecordsLeftForRetry", "FunctionName", local.function_name],
          ],
          var.idempotency ? [["InsertTrigger", "AlreadyProcessed", "FunctionName", local.function_name]] : [],
        )
      },
      {
        title = "Handler: failed inserts and deadline stops"
        stat  = "Sum"
        metrics = [
          ["InsertTrigger", "InsertsFailed", "FunctionName", local.function_name],
          ["InsertTrigger", "DeadlineStops", "FunctionName", local.function_name],
        ]
      },
      {
        title = "Handler: time a batch takes (ms)"
        metrics = [
          ["InsertTrigger", "BatchDuration", "FunctionName", local.function_name, { stat = "Average", label = "average" }],
          ["InsertTrigger", "BatchDuration", "FunctionName", local.function_name, { stat = "Maximum", label = "maximum" }],
        ]
      },
    ] : widget if var.handler_metrics],
    [for widget in [
      {
        title = "Records sent to the failure destination, and dropped"
        stat  = "Sum"
        metrics = [
          ["AWS/Lambda", "OnFailureDestinationDeliveredEventCount", "EventSourceMappingUUID", "$${mapping_uuid}", { label = "sent to the failure destination" }],
          ["AWS/Lambda", "DroppedEventCount", "EventSourceMappingUUID", "$${mapping_uuid}", { label = "dropped (not kept anywhere)" }],
        ]
      },
    ] : widget if local.dashboard_mapping_counts],
  )

  dashboard_widgets = concat(
    [for properties in local.dashboard_metric_widgets : {
      type       = "metric"
      properties = merge({ region = "$${region}", period = 60, view = "timeSeries" }, properties)
    }],
    [for widget in [{
      type       = "alarm"
      properties = { title = "Alarms", alarms = [for kind in local.dashboard_alarms : "$${alarm_arns.${kind}}"] }
    }] : widget if var.create_alarms],
  )

  # Two widgets a row, each half the width (24 columns) and 6 rows high.
  dashboard_template = jsonencode({
    widgets = [for index, widget in local.dashboard_widgets : merge(widget, {
      x = index % 2 * 12, y = floor(index / 2) * 6, width = 12, height = 6
    })]
  })

  dashboard_alarm_arns = merge(
    { for alarm in aws_cloudwatch_metric_alarm.iterator_age : "iterator_age" => alarm.arn },
    { for alarm in aws_cloudwatch_metric_alarm.errors : "errors" => alarm.arn },
    { for kind, alarm in aws_cloudwatch_metric_alarm.mapping : kind => alarm.arn },
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = templatestring(local.dashboard_template, {
    region       = data.aws_region.current.name
    mapping_uuid = aws_lambda_event_source_mapping.this.uuid
    alarm_arns   = local.dashboard_alarm_arns
  })
}
