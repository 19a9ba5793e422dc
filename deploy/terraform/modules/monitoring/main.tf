data "aws_caller_identity" "current" {}

locals {
  actions = [aws_sns_topic.this.arn]

  load_balancer_dimensions = { LoadBalancer = var.load_balancer.arn_suffix }
  target_group_dimensions  = { LoadBalancer = var.load_balancer.arn_suffix, TargetGroup = var.load_balancer.target_group_arn_suffix }

  # Every alarm, by the suffix of its name (<name>-<key>). A definition either watches one metric
  # (namespace, metric_name, statistic, period, dimensions) or computes `expression` over `metrics`
  # (math over several metrics); alarm_definitions fills in the fields a definition leaves out.
  load_balancer_alarms = {
    "alb-5xx" = {
      description         = "More than ${var.alb_5xx_threshold} 5xx responses (load balancer + api) in 5 minutes. Look at the api logs and the deploy history; roll back if a deployment caused it."
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alb_5xx_threshold
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      expression          = { id = "errors", expression = "FILL(elb, 0) + FILL(target, 0)", label = "5xx responses" }
      metrics = {
        elb    = { namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_ELB_5XX_Count", period = 300, stat = "Sum", dimensions = local.load_balancer_dimensions }
        target = { namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_Target_5XX_Count", period = 300, stat = "Sum", dimensions = local.target_group_dimensions }
      }
    }
    "alb-4xx" = {
      description         = "More than ${var.alb_4xx_threshold} 4xx responses in 5 minutes: a client misconfigured at scale, a scan, or a broken release of the dashboard. Look at the access logs and the WAF log."
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.alb_4xx_threshold
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      expression          = { id = "errors", expression = "FILL(elb, 0) + FILL(target, 0)", label = "4xx responses" }
      metrics = {
        elb    = { namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_ELB_4XX_Count", period = 300, stat = "Sum", dimensions = local.load_balancer_dimensions }
        target = { namespace = "AWS/ApplicationELB", metric_name = "HTTPCode_Target_4XX_Count", period = 300, stat = "Sum", dimensions = local.target_group_dimensions }
      }
    }
    "alb-no-healthy-host" = {
      description         = "No healthy api task behind the load balancer for 2 minutes: Upwatch is down for its users and ping intake stops."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "HealthyHostCount"
      dimensions          = local.target_group_dimensions
      statistic           = "Minimum"
      period              = 60
      evaluation_periods  = 2
      comparison_operator = "LessThanThreshold"
      threshold           = 1
      treat_missing_data  = "breaching"
    }
    "alb-unhealthy-hosts" = {
      description         = "An api task failed its health checks for 5 minutes."
      namespace           = "AWS/ApplicationELB"
      metric_name         = "UnHealthyHostCount"
      dimensions          = local.target_group_dimensions
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      comparison_operator = "GreaterThanThreshold"
      threshold           = 0
      treat_missing_data  = "notBreaching"
    }
  }

  service_alarms = merge([for role, service in var.ecs_services : {
    "${role}-cpu-high" = {
      description         = "${role}: average CPU above ${var.ecs_cpu_high_threshold}% for 15 minutes although autoscaling should have added tasks. Check max_capacity."
      namespace           = "AWS/ECS"
      metric_name         = "CPUUtilization"
      dimensions          = { ClusterName = service.cluster_name, ServiceName = service.service_name }
      statistic           = "Average"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.ecs_cpu_high_threshold
      treat_missing_data  = "notBreaching"
    }
    "${role}-cpu-peak" = {
      description         = "${role}: a task reached ${var.ecs_cpu_peak_threshold}% CPU within a minute (CPU peak). Probes of a saturated runner start late and are recorded as not run."
      namespace           = "AWS/ECS"
      metric_name         = "CPUUtilization"
      dimensions          = { ClusterName = service.cluster_name, ServiceName = service.service_name }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 1
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.ecs_cpu_peak_threshold
      treat_missing_data  = "notBreaching"
    }
    "${role}-memory-high" = {
      description         = "${role}: average memory above ${var.ecs_memory_high_threshold}% for 15 minutes: tasks may be killed for running out of memory."
      namespace           = "AWS/ECS"
      metric_name         = "MemoryUtilization"
      dimensions          = { ClusterName = service.cluster_name, ServiceName = service.service_name }
      statistic           = "Average"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.ecs_memory_high_threshold
      treat_missing_data  = "notBreaching"
    }
    "${role}-tasks-missing" = {
      description         = "${role}: fewer tasks running than desired for 5 minutes (crash loop, failed deployment, no Spot capacity, or a missing secret)."
      comparison_operator = "GreaterThanThreshold"
      threshold           = 0
      evaluation_periods  = 5
      datapoints_to_alarm = 5
      treat_missing_data  = "breaching"
      expression          = { id = "missing", expression = "desired - running", label = "Desired minus running tasks" }
      metrics = {
        desired = { namespace = "ECS/ContainerInsights", metric_name = "DesiredTaskCount", period = 60, stat = "Average", dimensions = { ClusterName = service.cluster_name, ServiceName = service.service_name } }
        running = { namespace = "ECS/ContainerInsights", metric_name = "RunningTaskCount", period = 60, stat = "Average", dimensions = { ClusterName = service.cluster_name, ServiceName = service.service_name } }
      }
    }
  }]...)

  queue_alarms = merge([for key, queue in var.queues : {
    "${key}-dlq-not-empty" = {
      description         = "${key}: messages in the dead-letter queue ${queue.dlq_name}: tasks failed ${key == "pings" ? "and pings wait there" : "repeatedly"}. Read the worker logs, fix, then redrive the DLQ."
      namespace           = "AWS/SQS"
      metric_name         = "ApproximateNumberOfMessagesVisible"
      dimensions          = { QueueName = queue.dlq_name }
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 1
      comparison_operator = "GreaterThanThreshold"
      threshold           = 0
      treat_missing_data  = "notBreaching"
    }
    "${key}-oldest-message" = {
      description         = "${key}: the oldest message waited more than ${var.queue_oldest_message_age_threshold} s: workers fall behind or are down."
      namespace           = "AWS/SQS"
      metric_name         = "ApproximateAgeOfOldestMessage"
      dimensions          = { QueueName = queue.queue_name }
      statistic           = "Maximum"
      period              = 60
      evaluation_periods  = 5
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.queue_oldest_message_age_threshold
      treat_missing_data  = "notBreaching"
    }
  }]...)

  database_alarms = {
    "aurora-cpu-high" = {
      description         = "Aurora CPU above ${var.database_cpu_threshold}% for 15 minutes. Look at Performance Insights for the top statements."
      namespace           = "AWS/RDS"
      metric_name         = "CPUUtilization"
      dimensions          = { DBClusterIdentifier = var.database_cluster_id }
      statistic           = "Average"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.database_cpu_threshold
      treat_missing_data  = "notBreaching"
    }
    "aurora-acu-high" = {
      description         = "Aurora uses more than ${var.database_acu_threshold}% of its maximum capacity for 15 minutes: raise max_capacity before it saturates."
      namespace           = "AWS/RDS"
      metric_name         = "ACUUtilization"
      dimensions          = { DBClusterIdentifier = var.database_cluster_id }
      statistic           = "Average"
      period              = 300
      evaluation_periods  = 3
      comparison_operator = "GreaterThanThreshold"
      threshold           = var.database_acu_threshold
      treat_missing_data  = "notBreaching"
    }
  }

  # One shape for every definition: single-metric fields null for math alarms, and the reverse.
  alarm_defaults = {
    namespace           = null
    metric_name         = null
    dimensions          = null
    statistic           = null
    period              = null
    datapoints_to_alarm = null
    expression          = null
    metrics             = {}
  }
  alarm_definitions = {
    for key, alarm in merge(local.load_balancer_alarms, local.service_alarms, local.queue_alarms, local.database_alarms) :
    key => merge(local.alarm_defaults, alarm)
  }
}

################################################################################
# Topic
################################################################################

resource "aws_sns_topic" "this" {
  name              = "${var.name}-alarms"
  display_name      = "Upwatch ${var.name} alarms"
  kms_master_key_id = var.kms_key_arn

  tags = merge(var.tags, { Name = "${var.name}-alarms" })
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "DenyPlainHTTP"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

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

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# Alarms: load balancer, ECS services, queues, database (see local.alarm_definitions)
################################################################################

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarm_definitions

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions

  dynamic "metric_query" {
    for_each = each.value.expression == null ? [] : [each.value.expression]

    content {
      id          = metric_query.value.id
      expression  = metric_query.value.expression
      label       = metric_query.value.label
      return_data = true
    }
  }

  dynamic "metric_query" {
    for_each = each.value.metrics

    content {
      id = metric_query.key

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric_name
        period      = metric_query.value.period
        stat        = metric_query.value.stat
        dimensions  = metric_query.value.dimensions
      }
    }
  }

  tags = var.tags
}
