output "queue_name_prefix" {
  description = "Prefix of the queue names (UPWATCH_SQS_QUEUE_PREFIX): queue <key> is <name>-<key>."
  value       = "${var.name}-"
}

output "queue_url_prefix" {
  description = "URL of the queues up to their names (UPWATCH_SQS_QUEUE_URL_PREFIX): queue <key> is at <this><name>-<key>, so the app needs neither sqs:ListQueues, sqs:CreateQueue nor sqs:GetQueueUrl."
  value       = local.queue_url_prefix
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
