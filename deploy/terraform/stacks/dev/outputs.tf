output "url" {
  description = "Public URL of Upwatch."
  value       = module.upwatch.url
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer (point domain_name at it when Route 53 is not used)."
  value       = module.upwatch.load_balancer_dns_name
}

output "certificate_validation_records" {
  description = "DNS records that validate the certificate when route53_zone_id is null."
  value       = module.upwatch.certificate_validation_records
}

output "ecr_repository_url" {
  description = "Where release.yml pushes images."
  value       = module.upwatch.ecr_repository_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = module.upwatch.cluster_name
}

output "service_names" {
  description = "ECS services by role."
  value       = module.upwatch.service_names
}

output "jobs_task_definition_family" {
  description = "Task definition family of migrations and scheduled jobs."
  value       = module.upwatch.jobs_task_definition_family
}

output "deploy_parameter_name" {
  description = "SSM parameter holding the deploy workflow's settings."
  value       = module.upwatch.deploy_parameter_name
}

output "database_endpoint" {
  description = "Aurora writer endpoint."
  value       = module.upwatch.database_endpoint
}

output "database_master_user_secret_arn" {
  description = "Secrets Manager secret of the database master user (managed by RDS)."
  value       = module.upwatch.database_master_user_secret_arn
}

output "secret_key_secret_arn" {
  description = "Secrets Manager secret of UPWATCH_SECRET_KEY (set its value once, see docs/deploy-aws.md)."
  value       = module.upwatch.secret_key_secret_arn
}

output "queue_urls" {
  description = "SQS queue URLs by Celery queue."
  value       = module.upwatch.queue_urls
}

output "alarm_topic_arn" {
  description = "SNS topic of the operational alarms."
  value       = module.upwatch.alarm_topic_arn
}

output "archive_bucket" {
  description = "Bucket of access logs and backups."
  value       = module.upwatch.archive_bucket
}

output "status_site_domain_name" {
  description = "CloudFront domain of the static status pages."
  value       = module.upwatch.status_site_domain_name
}

output "status_site_bucket" {
  description = "Bucket the static status pages are published to."
  value       = module.upwatch.status_site_bucket
}

output "nat_public_ips" {
  description = "Addresses probes come from (for allow lists of monitored services)."
  value       = module.upwatch.nat_public_ips
}

output "github_role_arns" {
  description = "Roles of the GitHub workflows: set them as repository and environment variables (see docs/deploy-aws.md)."
  value       = module.upwatch.github_role_arns
}
