# Upwatch dev: cheap. One NAT gateway, one small Aurora instance, Spot tasks, short retention,
# no deletion protection (the stack is torn down and rebuilt). Compare with stacks/prod side by side;
# the wiring is modules/upwatch.

locals {
  tags = {
    project       = "upwatch"
    environment   = "dev"
    "cost-center" = var.cost_center
  }
}

module "upwatch" {
  source = "../../modules/upwatch"

  environment        = "dev"
  region             = var.region
  availability_zones = var.availability_zones
  vpc_cidr           = var.vpc_cidr
  tags               = local.tags

  domain_name                 = var.domain_name
  route53_zone_id             = var.route53_zone_id
  image_tag                   = var.image_tag
  allowed_target_cidrs        = var.allowed_target_cidrs
  alarm_email_addresses       = var.alarm_email_addresses
  status_site_aliases         = var.status_site_aliases
  status_site_certificate_arn = var.status_site_certificate_arn
  github_repository           = var.github_repository
  create_github_oidc_provider = var.create_github_oidc_provider
  github_oidc_provider_arn    = var.github_oidc_provider_arn
  state_bucket_name           = var.state_bucket_name

  single_nat_gateway    = true
  log_retention_in_days = 14
  force_destroy         = true
  archive               = { log_expiration_days = 30, backup_expiration_days = 7 }
  database = {
    instance_count          = 1
    min_capacity            = 0.5
    max_capacity            = 2
    deletion_protection     = false
    backup_retention_period = 1
    skip_final_snapshot     = true
    monitoring_interval     = 0
  }
  secret_recovery_window_in_days    = 7
  waf                               = { rate_limit_per_ip = 2000, sensitive_rate_limit_per_ip = 600 }
  load_balancer_deletion_protection = false
  api = {
    cpu                        = 256
    memory                     = 512
    capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1, base = 0 }]
    desired_count              = 1
    min_capacity               = 1
    max_capacity               = 2
  }
  # One scheduler: a Spot interruption delays checks by the time ECS takes to replace it.
  scheduler = {
    cpu                        = 256
    memory                     = 512
    capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1, base = 0 }]
    desired_count              = 1
    min_capacity               = 1
    max_capacity               = 1
  }
  worker = {
    cpu                        = 256
    memory                     = 512
    capacity_provider_strategy = [{ capacity_provider = "FARGATE_SPOT", weight = 1, base = 0 }]
    desired_count              = 1
    min_capacity               = 1
    max_capacity               = 3
  }
  scheduled_jobs_capacity_provider = "FARGATE_SPOT"
}
