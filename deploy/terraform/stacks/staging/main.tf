# Upwatch staging: production's shape (two database instances, two schedulers) at a smaller size,
# with one NAT gateway. Compare with stacks/prod side by side; the wiring is modules/upwatch.

locals {
  tags = {
    project       = "upwatch"
    environment   = "staging"
    "cost-center" = var.cost_center
  }
}

module "upwatch" {
  source = "../../modules/upwatch"

  environment        = "staging"
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
  log_retention_in_days = 30
  archive               = { log_expiration_days = 90, backup_expiration_days = 14 }
  database = {
    instance_count          = 2
    min_capacity            = 0.5
    max_capacity            = 4
    deletion_protection     = true
    backup_retention_period = 7
    skip_final_snapshot     = false
    monitoring_interval     = 60
  }
  secret_recovery_window_in_days    = 30
  waf                               = { rate_limit_per_ip = 2000, sensitive_rate_limit_per_ip = 600 }
  load_balancer_deletion_protection = true
  api = {
    cpu                        = 512
    memory                     = 1024
    capacity_provider_strategy = [{ capacity_provider = "FARGATE", weight = 1, base = 2 }]
    desired_count              = 2
    min_capacity               = 2
    max_capacity               = 4
  }
  # Two schedulers, one leads (PostgreSQL advisory lock): a task or zone loss costs no schedule.
  scheduler = {
    cpu                        = 256
    memory                     = 512
    capacity_provider_strategy = [{ capacity_provider = "FARGATE", weight = 1, base = 2 }]
    desired_count              = 2
    min_capacity               = 2
    max_capacity               = 2
  }
  worker = {
    cpu    = 512
    memory = 1024
    capacity_provider_strategy = [
      { capacity_provider = "FARGATE", weight = 0, base = 1 },
      { capacity_provider = "FARGATE_SPOT", weight = 1 },
    ]
    desired_count = 2
    min_capacity  = 2
    max_capacity  = 6
  }
}
