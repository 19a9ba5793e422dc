output "topic_arn" {
  description = "ARN of the alarm topic (subscribe chat, paging or mail to it)."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of every alarm."
  value       = values(aws_cloudwatch_metric_alarm.this)[*].alarm_name
}
