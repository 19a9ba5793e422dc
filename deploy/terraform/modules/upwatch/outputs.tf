output "url" {
  description = "Public URL of Upwatch."
  value       = module.load_balancer.url
}

output "load_balancer_dns_name" {
  description = "DNS name of the load balancer (point domain_name at it when Route 53 is not used)."
  value       = module.load_balancer.dns_name
}

output "certificate_validation_records" {
  description = "DNS records that validate the certificate when route53_zone_id is null."
  value       = module.load_balancer.certificate_validation_records
}

output "ecr_repository_url" {
  description = "Where release.yml pushes images."
  value       = module.registry.repository_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = module.cluster.cluster_name
}

output "service_names" {
  description = "ECS services by role."
  value = {
    api       = module.api.service_name
    scheduler = module.scheduler.service_name
    worker    = module.worker.service_name
  }
}

output "jobs_task_definition_family" {
  description = "Task definition family of migrations and scheduled jobs."
  value       = module.jobs.task_definition_family
}

output "deploy_parameter_name" {
  description = "SSM parameter holding the deploy workflow's settings."
  value       = aws_ssm_parameter.deploy.name
}

output "database_endpoint" {
  description = "Aurora writer endpoint."
  value       = module.database.endpoint
}

output "database_master_user_secret_arn" {
  description = "Secrets Manager secret of the database master user (managed by RDS)."
  value       = module.database.master_user_secret_arn
}

output "secret_key_secret_arn" {
  description = "Secrets Manager secret of UPWATCH_SECRET_KEY (set its value once, see docs/deploy-aws.md)."
  value       = aws_secretsmanager_secret.secret_key.arn
}

output "queue_urls" {
  description = "SQS queue URLs by Celery queue."
  value       = module.queues.queue_urls
}

output "alarm_topic_arn" {
  description = "SNS topic of the operational alarms."
  value       = module.monitoring.topic_arn
}

output "archive_bucket" {
  description = "Bucket of access logs and backups."
  value       = module.archive.bucket_id
}

output "status_site_domain_name" {
  description = "CloudFront domain of the static status pages."
  value       = module.status_site.domain_name
}

output "status_site_bucket" {
  description = "Bucket the static status pages are published to."
  value       = module.status_site.bucket_id
}

output "nat_public_ips" {
  description = "Addresses probes come from (for allow lists of monitored services)."
  value       = module.network.nat_public_ips
}

output "github_role_arns" {
  description = "Roles of the GitHub workflows: set them as repository and environment variables (see docs/deploy-aws.md)."
  value = {
    release         = module.ci.release_role_arn
    deploy          = module.ci.deploy_role_arn
    terraform_plan  = module.ci.terraform_plan_role_arn
    terraform_apply = module.ci.terraform_apply_role_arn
  }
}

output "private_subnet_ids" {
  description = "Private subnets of the tasks and the database, one per zone."
  value       = module.network.private_subnet_ids
}

output "nat_gateway_ids" {
  description = "NAT gateways: one, or one per zone."
  value       = module.network.nat_gateway_ids
}

output "database_instance_ids" {
  description = "Aurora instances: the writer, then the readers."
  value       = module.database.instance_ids
}

output "scheduled_job_names" {
  description = "Jobs EventBridge Scheduler runs as ECS tasks."
  value       = keys(module.scheduled_jobs.schedule_arns)
}

output "autoscaling_policy_names" {
  description = "Autoscaling policies by service role (none for the fixed-size scheduler)."
  value = {
    api       = module.api.autoscaling_policy_names
    scheduler = module.scheduler.autoscaling_policy_names
    worker    = module.worker.autoscaling_policy_names
  }
}

output "alarm_names" {
  description = "Names of every operational alarm."
  value       = module.monitoring.alarm_names
}
