output "service_name" {
  description = "Name of the ECS service (null without a service)."
  value       = try(aws_ecs_service.this[0].name, null)
}

output "service_id" {
  description = "ARN of the ECS service (null without a service)."
  value       = try(aws_ecs_service.this[0].id, null)
}

output "task_definition_arn" {
  description = "ARN of the task definition revision Terraform registered."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Family of the task definition (the deploy workflow registers new revisions in it)."
  value       = aws_ecs_task_definition.this.family
}

output "container_name" {
  description = "Name of the container (for container overrides)."
  value       = var.container_name
}

output "task_role_arn" {
  description = "ARN of the task role."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the task execution role."
  value       = aws_iam_role.execution.arn
}

output "security_group_id" {
  description = "Security group of the tasks."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "Log group of the tasks."
  value       = aws_cloudwatch_log_group.this.name
}

output "autoscaling_policy_names" {
  description = "Names of the target tracking policies."
  value = compact(concat(
    aws_appautoscaling_policy.cpu[*].name,
    aws_appautoscaling_policy.memory[*].name,
    aws_appautoscaling_policy.requests[*].name,
    aws_appautoscaling_policy.sqs_backlog[*].name,
  ))
}
