output "web_acl_arn" {
  description = "ARN of the web ACL (associate it with the load balancer)."
  value       = aws_wafv2_web_acl.this.arn
}

output "web_acl_id" {
  description = "ID of the web ACL."
  value       = aws_wafv2_web_acl.this.id
}

output "log_group_name" {
  description = "Log group of blocked and counted requests."
  value       = aws_cloudwatch_log_group.this.name
}
