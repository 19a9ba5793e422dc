output "topic_arn" {
  description = "ARN of the alarm topic (subscribe chat, paging or mail to it)."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of every alarm."
  value = concat(
    [
      aws_cloudwatch_metric_alarm.alb_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.alb_4xx.alarm_name,
      aws_cloudwatch_metric_alarm.alb_healthy_hosts.alarm_name,
      aws_cloudwatch_metric_alarm.alb_unhealthy_hosts.alarm_name,
      aws_cloudwatch_metric_alarm.aurora_cpu.alarm_name,
      aws_cloudwatch_metric_alarm.aurora_acu.alarm_name,
    ],
    values(aws_cloudwatch_metric_alarm.ecs_cpu_high)[*].alarm_name,
    values(aws_cloudwatch_metric_alarm.ecs_cpu_peak)[*].alarm_name,
    values(aws_cloudwatch_metric_alarm.ecs_memory_high)[*].alarm_name,
    values(aws_cloudwatch_metric_alarm.ecs_running_tasks)[*].alarm_name,
    values(aws_cloudwatch_metric_alarm.sqs_dlq_depth)[*].alarm_name,
    values(aws_cloudwatch_metric_alarm.sqs_oldest_message)[*].alarm_name,
  )
}
