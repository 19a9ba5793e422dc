output "queue_name_prefix" {
  description = "Prefix to configure in Celery (queue_name_prefix) so that queue <key> maps to <name>-<key>."
  value       = "${var.name}-"
}

output "queue_names" {
  description = "Queue names by key."
  value       = { for k, q in aws_sqs_queue.this : k => q.name }
}

output "queue_arns" {
  description = "Queue ARNs by key."
  value       = { for k, q in aws_sqs_queue.this : k => q.arn }
}

output "queue_urls" {
  description = "Queue URLs by key."
  value       = { for k, q in aws_sqs_queue.this : k => q.url }
}

output "dlq_names" {
  description = "Dead-letter queue names by key."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.name }
}

output "dlq_arns" {
  description = "Dead-letter queue ARNs by key."
  value       = { for k, q in aws_sqs_queue.dlq : k => q.arn }
}

output "all_queue_arns" {
  description = "ARNs of every queue and dead-letter queue, for IAM policies."
  value       = concat(values(aws_sqs_queue.this)[*].arn, values(aws_sqs_queue.dlq)[*].arn)
}
