output "cluster_arn" {
  description = "ARN of the cluster (available once its capacity providers are attached)."
  value       = aws_ecs_cluster.this.arn

  depends_on = [aws_ecs_cluster_capacity_providers.this]
}

output "cluster_name" {
  description = "Name of the cluster (available once its capacity providers are attached)."
  value       = aws_ecs_cluster_capacity_providers.this.cluster_name
}

output "exec_log_group_arn" {
  description = "ARN of the ECS Exec audit log group (the tasks' roles must be allowed to write to it)."
  value       = aws_cloudwatch_log_group.exec.arn
}

output "exec_kms_key_arn" {
  description = "KMS key of ECS Exec sessions (the tasks' roles must be allowed to decrypt with it)."
  value       = var.kms_key_arn
}

output "exec_log_group_name" {
  description = "Log group of the ECS Exec audit log."
  value       = aws_cloudwatch_log_group.exec.name
}
