mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:upwatch-test-alarms" }
  }
}

variables {
  name                  = "upwatch-test"
  kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  alarm_email_addresses = ["ops@example.com"]
  load_balancer         = { arn_suffix = "app/upwatch-test/0123", target_group_arn_suffix = "targetgroup/upwatch-test/4567" }
  ecs_services = {
    api       = { cluster_name = "upwatch-test", service_name = "upwatch-test-api" }
    scheduler = { cluster_name = "upwatch-test", service_name = "upwatch-test-scheduler" }
    worker    = { cluster_name = "upwatch-test", service_name = "upwatch-test-worker" }
  }
  queues = {
    checks      = { queue_name = "upwatch-test-checks", dlq_name = "upwatch-test-checks-dlq" }
    pings       = { queue_name = "upwatch-test-pings", dlq_name = "upwatch-test-pings-dlq" }
    notify      = { queue_name = "upwatch-test-notify", dlq_name = "upwatch-test-notify-dlq" }
    maintenance = { queue_name = "upwatch-test-maintenance", dlq_name = "upwatch-test-maintenance-dlq" }
  }
  database_cluster_id = "upwatch-test"
  tags                = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "the_alarm_set_reaches_the_topic" {
  command = apply

  assert {
    condition     = length(output.alarm_names) == 6 + 4 * 3 + 2 * 4
    error_message = "ALB (4), Aurora (2), four per service and two per queue."
  }

  assert {
    condition = toset(output.alarm_names) == toset(concat(
      [for a in ["alb-5xx", "alb-4xx", "alb-no-healthy-host", "alb-unhealthy-hosts", "aurora-cpu-high", "aurora-acu-high"] : "upwatch-test-${a}"],
      [for p in setproduct(["api", "scheduler", "worker"], ["cpu-high", "cpu-peak", "memory-high", "tasks-missing"]) : "upwatch-test-${p[0]}-${p[1]}"],
      [for p in setproduct(["checks", "pings", "notify", "maintenance"], ["dlq-not-empty", "oldest-message"]) : "upwatch-test-${p[0]}-${p[1]}"],
    ))
    error_message = "Every alarm of the set, named <name>-<alarm>."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : toset(a.alarm_actions) == toset([aws_sns_topic.this.arn]) && toset(a.ok_actions) == toset([aws_sns_topic.this.arn])])
    error_message = "Every alarm notifies the topic, on alarm and on recovery."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-no-healthy-host"].comparison_operator == "LessThanThreshold" && aws_cloudwatch_metric_alarm.this["alb-no-healthy-host"].threshold == 1
    error_message = "HealthyHostCount < 1."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["worker-cpu-peak"].statistic == "Maximum" && aws_cloudwatch_metric_alarm.this["worker-cpu-peak"].evaluation_periods == 1 && aws_cloudwatch_metric_alarm.this["worker-cpu-peak"].period == 60
    error_message = "A CPU peak is the maximum over a single one-minute period."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["api-cpu-high"].dimensions.ClusterName == "upwatch-test" && aws_cloudwatch_metric_alarm.this["api-cpu-high"].dimensions.ServiceName == "upwatch-test-api"
    error_message = "Service alarms watch their own service."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["pings-dlq-not-empty"].dimensions.QueueName == "upwatch-test-pings-dlq" && aws_cloudwatch_metric_alarm.this["pings-dlq-not-empty"].threshold == 0
    error_message = "Any message in a DLQ raises the alarm."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["checks-oldest-message"].dimensions.QueueName == "upwatch-test-checks"
    error_message = "The backlog alarm watches the queue itself."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["aurora-acu-high"].metric_name == "ACUUtilization" && aws_cloudwatch_metric_alarm.this["aurora-acu-high"].dimensions.DBClusterIdentifier == "upwatch-test"
    error_message = "Aurora capacity is watched."
  }

  assert {
    condition = (
      length(aws_cloudwatch_metric_alarm.this["alb-5xx"].metric_query) == 3 && aws_cloudwatch_metric_alarm.this["alb-5xx"].metric_name == null &&
      length(aws_cloudwatch_metric_alarm.this["worker-tasks-missing"].metric_query) == 3 && aws_cloudwatch_metric_alarm.this["worker-tasks-missing"].datapoints_to_alarm == 5
    )
    error_message = "Math alarms compute one expression over their metrics."
  }

  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == var.kms_key_arn
    error_message = "The topic is encrypted."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["alb-5xx"].tags["cost-center"] == "platform" && aws_sns_topic.this.tags["project"] == "upwatch"
    error_message = "Tags must reach the alarms and the topic."
  }
}
