output "schedule_group_name" {
  description = "Name of the schedule group."
  value       = aws_scheduler_schedule_group.this.name
}

output "schedule_arns" {
  description = "Schedule ARNs by job name."
  value       = { for k, s in aws_scheduler_schedule.this : k => s.arn }
}

output "role_arn" {
  description = "Role the scheduler assumes to run the jobs."
  value       = aws_iam_role.this.arn
}
