# Upwatch on AWS: every module wired together. The stacks (stacks/dev, staging, prod) call this
# module once with their environment's sizes; what differs between environments is a variable here.

data "aws_caller_identity" "current" {}

locals {
  environment = var.environment
  name        = "upwatch-${local.environment}"
  account_id  = data.aws_caller_identity.current.account_id

  image    = "${module.registry.repository_url}:${var.image_tag}"
  app_port = 8000

  # Plain settings shared by every role. Secrets are never here: see local.secrets.
  environment_variables = {
    AWS_REGION                    = var.region
    AWS_DEFAULT_REGION            = var.region
    UPWATCH_LOG_FORMAT            = "json"
    UPWATCH_PUBLIC_URL            = module.load_balancer.url
    UPWATCH_ALLOW_PRIVATE_TARGETS = "false"
    UPWATCH_ALLOWED_TARGET_CIDRS  = join(",", var.allowed_target_cidrs)
    UPWATCH_DATABASE_URL          = "postgresql://${module.database.master_username}@${module.database.endpoint}:${module.database.port}/${module.database.database_name}?sslmode=require"
    UPWATCH_BROKER_URL            = "sqs://"
    UPWATCH_SQS_REGION            = var.region
    UPWATCH_SQS_QUEUE_PREFIX      = module.queues.queue_name_prefix
    UPWATCH_SQS_QUEUE_URL_PREFIX  = module.queues.queue_url_prefix
  }

  # Injected by ECS from Secrets Manager at start (the execution role reads them, nothing else).
  secrets = {
    UPWATCH_SECRET_KEY        = aws_secretsmanager_secret.secret_key.arn
    UPWATCH_DATABASE_PASSWORD = "${module.database.master_user_secret_arn}:password::"
  }

  # Outbound rules: HTTPS for AWS APIs and PostgreSQL inside the VPC; workers probe anything.
  egress_app = {
    https    = { description = "HTTPS: AWS APIs, ECR, notification endpoints", ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ipv4 = "0.0.0.0/0" }
    postgres = { description = "PostgreSQL in the VPC", ip_protocol = "tcp", from_port = 5432, to_port = 5432, cidr_ipv4 = var.vpc_cidr }
  }
  egress_worker = {
    tcp = { description = "Probes, notifications and AWS APIs on any TCP port", ip_protocol = "tcp", from_port = 1, to_port = 65535, cidr_ipv4 = "0.0.0.0/0" }
    dns = { description = "DNS probes", ip_protocol = "udp", from_port = 53, to_port = 53, cidr_ipv4 = "0.0.0.0/0" }
  }

  # The app addresses queues by URL (UPWATCH_SQS_QUEUE_URL_PREFIX): it never lists, creates or
  # looks them up. Dead-letter queues are included: workers move failed messages there, and
  # every role reads their depth for /metrics and `upwatch status`.
  queue_producer = {
    sid       = "SendToQueues"
    actions   = ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    resources = module.queues.all_queue_arns
  }
  queue_consumer = {
    sid       = "ConsumeQueues"
    actions   = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage"]
    resources = module.queues.all_queue_arns
  }
}

################################################################################
# Foundation: key, network, archive
################################################################################

module "kms" {
  source = "../kms"

  name = local.name
  tags = var.tags
}

module "network" {
  source = "../network"

  name                  = local.name
  cidr_block            = var.vpc_cidr
  availability_zones    = var.availability_zones
  single_nat_gateway    = var.single_nat_gateway
  log_retention_in_days = var.log_retention_in_days
  kms_key_arn           = module.kms.key_arn
  tags                  = var.tags
}

module "archive" {
  source = "../archive_bucket"

  bucket_name            = "${local.name}-archive-${local.account_id}"
  force_destroy          = var.force_destroy
  log_expiration_days    = var.archive.log_expiration_days
  backup_expiration_days = var.archive.backup_expiration_days
  tags                   = var.tags
}

################################################################################
# Data: PostgreSQL and queues
################################################################################

module "database" {
  source = "../database"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  availability_zones         = var.availability_zones
  allowed_security_group_ids = { api = module.api.security_group_id, scheduler = module.scheduler.security_group_id, worker = module.worker.security_group_id, jobs = module.jobs.security_group_id }
  instance_count             = var.database.instance_count
  min_capacity               = var.database.min_capacity
  max_capacity               = var.database.max_capacity
  deletion_protection        = var.database.deletion_protection
  backup_retention_period    = var.database.backup_retention_period
  skip_final_snapshot        = var.database.skip_final_snapshot
  monitoring_interval        = var.database.monitoring_interval
  log_retention_in_days      = var.log_retention_in_days
  kms_key_arn                = module.kms.key_arn
  tags                       = var.tags
}

module "queues" {
  source = "../queues"

  name = local.name
  tags = var.tags
}

# The application's signing and encryption key. Terraform creates the secret, never its value
# (which would land in the state): see docs/deploy-aws.md, "First deployment".
resource "aws_secretsmanager_secret" "secret_key" {
  # checkov:skip=CKV2_AWS_57: rotating UPWATCH_SECRET_KEY re-encrypts stored channel secrets; it is a runbook step, not a schedule.
  name                    = "${local.name}/secret-key"
  description             = "UPWATCH_SECRET_KEY of ${local.name}"
  kms_key_id              = module.kms.key_arn
  recovery_window_in_days = var.secret_recovery_window_in_days

  tags = var.tags
}

################################################################################
# Edge: WAF, load balancer, status pages
################################################################################

module "waf" {
  source = "../waf"

  name                        = local.name
  rate_limit_per_ip           = var.waf.rate_limit_per_ip
  sensitive_rate_limit_per_ip = var.waf.sensitive_rate_limit_per_ip
  log_retention_in_days       = var.log_retention_in_days
  kms_key_arn                 = module.kms.key_arn
  tags                        = var.tags
}

module "load_balancer" {
  source = "../load_balancer"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  public_subnet_ids          = module.network.public_subnet_ids
  domain_name                = var.domain_name
  route53_zone_id            = var.route53_zone_id
  target_port                = local.app_port
  access_logs_bucket         = module.archive.bucket_id
  access_logs_prefix         = "${module.archive.logs_prefix}/alb"
  associate_web_acl          = true
  web_acl_arn                = module.waf.web_acl_arn
  enable_deletion_protection = var.load_balancer_deletion_protection
  tags                       = var.tags
}

module "status_site" {
  source = "../static_site"

  name                = "${local.name}-status"
  bucket_name         = "${local.name}-status-${local.account_id}"
  aliases             = var.status_site_aliases
  acm_certificate_arn = var.status_site_certificate_arn
  force_destroy       = var.force_destroy
  tags                = var.tags
}

################################################################################
# Compute: cluster, api, scheduler, worker, jobs
################################################################################

module "registry" {
  source = "../registry"

  name         = "upwatch"
  force_delete = var.force_destroy
  kms_key_arn  = module.kms.key_arn
  tags         = var.tags
}

module "cluster" {
  source = "../ecs_cluster"

  name        = local.name
  kms_key_arn = module.kms.key_arn
  tags        = var.tags
}

module "api" {
  source = "../service"

  name                          = "${local.name}-api"
  cluster_arn                   = module.cluster.cluster_arn
  cluster_name                  = module.cluster.cluster_name
  image                         = local.image
  image_repository_arn          = module.registry.repository_arn
  command                       = ["upwatch", "api"]
  cpu                           = var.api.cpu
  memory                        = var.api.memory
  container_port                = local.app_port
  environment                   = merge(local.environment_variables, { UPWATCH_HOST = "0.0.0.0", UPWATCH_PORT = tostring(local.app_port) })
  secrets                       = local.secrets
  secrets_kms_key_arns          = [module.kms.key_arn]
  execute_command_kms_key_arn   = module.cluster.exec_kms_key_arn
  execute_command_log_group_arn = module.cluster.exec_log_group_arn
  vpc_id                        = module.network.vpc_id
  subnet_ids                    = module.network.private_subnet_ids
  egress_rules                  = local.egress_app
  load_balancer = {
    target_group_arn  = module.load_balancer.target_group_arn
    security_group_id = module.load_balancer.security_group_id
  }
  capacity_provider_strategy = var.api.capacity_provider_strategy
  desired_count              = var.api.desired_count
  min_capacity               = var.api.min_capacity
  max_capacity               = var.api.max_capacity
  autoscaling_cpu_target     = 80
  autoscaling_request_count = {
    target_per_minute = 600 # 10 requests per second per task
    resource_label    = module.load_balancer.request_count_resource_label
  }
  task_role_statements  = [local.queue_producer]
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = module.kms.key_arn
  tags                  = var.tags
}

module "scheduler" {
  source = "../service"

  name                          = "${local.name}-scheduler"
  cluster_arn                   = module.cluster.cluster_arn
  cluster_name                  = module.cluster.cluster_name
  image                         = local.image
  image_repository_arn          = module.registry.repository_arn
  command                       = ["upwatch", "scheduler"]
  cpu                           = var.scheduler.cpu
  memory                        = var.scheduler.memory
  environment                   = local.environment_variables
  secrets                       = local.secrets
  secrets_kms_key_arns          = [module.kms.key_arn]
  execute_command_kms_key_arn   = module.cluster.exec_kms_key_arn
  execute_command_log_group_arn = module.cluster.exec_log_group_arn
  vpc_id                        = module.network.vpc_id
  subnet_ids                    = module.network.private_subnet_ids
  egress_rules                  = local.egress_app
  capacity_provider_strategy    = var.scheduler.capacity_provider_strategy
  # No autoscaling: with two or more schedulers one leads (PostgreSQL advisory lock) and a task
  # or zone loss costs no schedule.
  desired_count         = var.scheduler.desired_count
  min_capacity          = var.scheduler.min_capacity
  max_capacity          = var.scheduler.max_capacity
  task_role_statements  = [local.queue_producer]
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = module.kms.key_arn
  tags                  = var.tags
}

module "worker" {
  source = "../service"

  name                          = "${local.name}-worker"
  cluster_arn                   = module.cluster.cluster_arn
  cluster_name                  = module.cluster.cluster_name
  image                         = local.image
  image_repository_arn          = module.registry.repository_arn
  command                       = ["upwatch", "worker"]
  cpu                           = var.worker.cpu
  memory                        = var.worker.memory
  environment                   = local.environment_variables
  secrets                       = local.secrets
  secrets_kms_key_arns          = [module.kms.key_arn]
  execute_command_kms_key_arn   = module.cluster.exec_kms_key_arn
  execute_command_log_group_arn = module.cluster.exec_log_group_arn
  vpc_id                        = module.network.vpc_id
  subnet_ids                    = module.network.private_subnet_ids
  egress_rules                  = local.egress_worker
  capacity_provider_strategy    = var.worker.capacity_provider_strategy
  desired_count                 = var.worker.desired_count
  min_capacity                  = var.worker.min_capacity
  max_capacity                  = var.worker.max_capacity
  autoscaling_sqs_backlog = {
    queue_names     = [module.queues.queue_names["checks"], module.queues.queue_names["pings"], module.queues.queue_names["notify"]]
    target_per_task = 20 # messages (each a batch of checks or pings) waiting per running task
  }
  stop_timeout          = 120
  task_role_statements  = [local.queue_consumer]
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = module.kms.key_arn
  tags                  = var.tags
}

# Task definition only: `upwatch db upgrade` before each deploy, and the scheduled jobs.
module "jobs" {
  source = "../service"

  name                          = "${local.name}-jobs"
  create_service                = false
  cluster_arn                   = module.cluster.cluster_arn
  cluster_name                  = module.cluster.cluster_name
  image                         = local.image
  image_repository_arn          = module.registry.repository_arn
  command                       = ["upwatch", "db", "upgrade"]
  cpu                           = 512
  memory                        = 1024
  environment                   = local.environment_variables
  secrets                       = local.secrets
  secrets_kms_key_arns          = [module.kms.key_arn]
  execute_command_kms_key_arn   = module.cluster.exec_kms_key_arn
  execute_command_log_group_arn = module.cluster.exec_log_group_arn
  vpc_id                        = module.network.vpc_id
  subnet_ids                    = module.network.private_subnet_ids
  egress_rules                  = local.egress_app
  task_role_statements = [
    local.queue_producer,
    {
      # upwatch backup uploads, then deletes its own backups beyond --keep; restore reads one.
      sid       = "ReadWriteBackups"
      actions   = ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
      resources = ["${module.archive.bucket_arn}/${module.archive.backups_prefix}*"]
    },
    {
      sid       = "ListBackups"
      actions   = ["s3:ListBucket"]
      resources = [module.archive.bucket_arn]
    },
  ]
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = module.kms.key_arn
  tags                  = var.tags
}

module "scheduled_jobs" {
  source = "../scheduled_job"

  name                = "${local.name}-jobs"
  cluster_arn         = module.cluster.cluster_arn
  task_definition_arn = module.jobs.task_definition_arn
  container_name      = module.jobs.container_name
  pass_role_arns      = [module.jobs.task_role_arn, module.jobs.execution_role_arn]
  subnet_ids          = module.network.private_subnet_ids
  security_group_ids  = [module.jobs.security_group_id]
  kms_key_arn         = module.kms.key_arn
  capacity_provider   = var.scheduled_jobs_capacity_provider
  jobs = {
    backup = {
      description         = "Daily logical backup to the archive bucket (kept backup_expiration_days)"
      schedule_expression = "cron(15 3 * * ? *)"
      command             = ["upwatch", "backup", "--to", module.archive.backups_url]
    }
    rollup = {
      description         = "Hourly and daily uptime and latency rollups"
      schedule_expression = "cron(5 * * * ? *)"
      command             = ["upwatch", "rollup"]
    }
    prune = {
      description         = "Drop raw results past their retention"
      schedule_expression = "cron(45 3 * * ? *)"
      command             = ["upwatch", "prune"]
    }
  }
  tags = var.tags
}

################################################################################
# Operations: alarms, CI/CD roles, deploy settings
################################################################################

module "monitoring" {
  source = "../monitoring"

  name                  = local.name
  kms_key_arn           = module.kms.key_arn
  alarm_email_addresses = var.alarm_email_addresses
  load_balancer = {
    arn_suffix              = module.load_balancer.arn_suffix
    target_group_arn_suffix = module.load_balancer.target_group_arn_suffix
  }
  ecs_services = {
    api       = { cluster_name = module.cluster.cluster_name, service_name = module.api.service_name }
    scheduler = { cluster_name = module.cluster.cluster_name, service_name = module.scheduler.service_name }
    worker    = { cluster_name = module.cluster.cluster_name, service_name = module.worker.service_name }
  }
  queues              = { for k, q in module.queues.queue_names : k => { queue_name = q, dlq_name = module.queues.dlq_names[k] } }
  database_cluster_id = module.database.cluster_id
  tags                = var.tags
}

module "ci" {
  source = "../ci_oidc"

  name                  = local.name
  github_repository     = var.github_repository
  create_oidc_provider  = var.create_github_oidc_provider
  oidc_provider_arn     = var.github_oidc_provider_arn
  deploy_environment    = local.environment
  terraform_environment = "${local.environment}-infra"
  ecr_repository_arn    = module.registry.repository_arn
  ecs_cluster_arn       = module.cluster.cluster_arn
  ecs_task_role_arns = flatten([
    for m in [module.api, module.scheduler, module.worker, module.jobs] : [m.task_role_arn, m.execution_role_arn]
  ])
  kms_key_arn       = module.kms.key_arn
  state_bucket_name = var.state_bucket_name
  state_key_prefix  = "upwatch/${local.environment}/"
  tags              = var.tags
}

# What the deploy workflow needs to roll out, read with one ssm:GetParameter.
resource "aws_ssm_parameter" "deploy" {
  # checkov:skip=CKV2_AWS_34: names and IDs for the deploy workflow, nothing secret.
  name        = "/${local.name}/deploy"
  description = "Rollout settings of ${local.name} for .github/workflows/deploy.yml"
  type        = "String"
  value = jsonencode({
    cluster   = module.cluster.cluster_name
    container = module.jobs.container_name
    services = {
      api       = { service = module.api.service_name, family = module.api.task_definition_family }
      scheduler = { service = module.scheduler.service_name, family = module.scheduler.task_definition_family }
      worker    = { service = module.worker.service_name, family = module.worker.task_definition_family }
    }
    migrate = {
      family          = module.jobs.task_definition_family
      command         = ["upwatch", "db", "upgrade"]
      subnets         = module.network.private_subnet_ids
      security_groups = [module.jobs.security_group_id]
    }
  })

  tags = var.tags
}
