# Addresses of the alarms before they became one for_each over local.alarm_definitions, so that an
# apply moves them instead of deleting and re-creating alarms of the same names (which can race).
# Keyed alarms are listed for the services and queues the stacks pass (api, scheduler, worker;
# checks, pings, notify, maintenance); a block whose old address is not in the state does nothing.

moved {
  from = aws_cloudwatch_metric_alarm.alb_5xx
  to   = aws_cloudwatch_metric_alarm.this["alb-5xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.alb_4xx
  to   = aws_cloudwatch_metric_alarm.this["alb-4xx"]
}

moved {
  from = aws_cloudwatch_metric_alarm.alb_healthy_hosts
  to   = aws_cloudwatch_metric_alarm.this["alb-no-healthy-host"]
}

moved {
  from = aws_cloudwatch_metric_alarm.alb_unhealthy_hosts
  to   = aws_cloudwatch_metric_alarm.this["alb-unhealthy-hosts"]
}

moved {
  from = aws_cloudwatch_metric_alarm.aurora_cpu
  to   = aws_cloudwatch_metric_alarm.this["aurora-cpu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.aurora_acu
  to   = aws_cloudwatch_metric_alarm.this["aurora-acu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_cpu_high["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-cpu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_cpu_high["scheduler"]
  to   = aws_cloudwatch_metric_alarm.this["scheduler-cpu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_cpu_high["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-cpu-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_cpu_peak["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-cpu-peak"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_cpu_peak["scheduler"]
  to   = aws_cloudwatch_metric_alarm.this["scheduler-cpu-peak"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_cpu_peak["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-cpu-peak"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_memory_high["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-memory-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_memory_high["scheduler"]
  to   = aws_cloudwatch_metric_alarm.this["scheduler-memory-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_memory_high["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-memory-high"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_running_tasks["api"]
  to   = aws_cloudwatch_metric_alarm.this["api-tasks-missing"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_running_tasks["scheduler"]
  to   = aws_cloudwatch_metric_alarm.this["scheduler-tasks-missing"]
}

moved {
  from = aws_cloudwatch_metric_alarm.ecs_running_tasks["worker"]
  to   = aws_cloudwatch_metric_alarm.this["worker-tasks-missing"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_dlq_depth["checks"]
  to   = aws_cloudwatch_metric_alarm.this["checks-dlq-not-empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_dlq_depth["pings"]
  to   = aws_cloudwatch_metric_alarm.this["pings-dlq-not-empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_dlq_depth["notify"]
  to   = aws_cloudwatch_metric_alarm.this["notify-dlq-not-empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_dlq_depth["maintenance"]
  to   = aws_cloudwatch_metric_alarm.this["maintenance-dlq-not-empty"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_oldest_message["checks"]
  to   = aws_cloudwatch_metric_alarm.this["checks-oldest-message"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_oldest_message["pings"]
  to   = aws_cloudwatch_metric_alarm.this["pings-oldest-message"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_oldest_message["notify"]
  to   = aws_cloudwatch_metric_alarm.this["notify-oldest-message"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sqs_oldest_message["maintenance"]
  to   = aws_cloudwatch_metric_alarm.this["maintenance-oldest-message"]
}
