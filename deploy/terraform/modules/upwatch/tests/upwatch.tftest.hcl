# The whole deployment at production's sizes, applied against a mocked AWS provider: wiring,
# settings and secrets of the tasks. The stacks' own tests check each environment's sizes.
mock_provider "aws" {
  source = "../../mocks/aws"
}

variables {
  environment        = "prod"
  region             = "eu-west-1"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  vpc_cidr           = "10.30.0.0/16"
  tags               = { project = "upwatch", environment = "prod", "cost-center" = "upwatch" }
  domain_name        = "upwatch.example.com"
  route53_zone_id    = "Z0123456789ABCDEFGHIJ"
  image_tag          = "0123456789abcdef0123456789abcdef01234567"
  github_repository  = "example-org/upwatch"
  state_bucket_name  = "example-org-terraform-state"

  single_nat_gateway    = false
  log_retention_in_days = 90
  archive               = { log_expiration_days = 365, backup_expiration_days = 35 }
  database = {
    instance_count          = 2
    min_capacity            = 0.5
    max_capacity            = 16
    deletion_protection     = true
    backup_retention_period = 7
    skip_final_snapshot     = false
    monitoring_interval     = 60
  }
  secret_recovery_window_in_days    = 30
  waf                               = { rate_limit_per_ip = 3000, sensitive_rate_limit_per_ip = 1000 }
  load_balancer_deletion_protection = true
  api = {
    cpu                        = 512
    memory                     = 1024
    capacity_provider_strategy = [{ capacity_provider = "FARGATE", weight = 1, base = 2 }]
    desired_count              = 3
    min_capacity               = 3
    max_capacity               = 12
  }
  scheduler = {
    cpu                        = 256
    memory                     = 512
    capacity_provider_strategy = [{ capacity_provider = "FARGATE", weight = 1, base = 2 }]
    desired_count              = 2
    min_capacity               = 2
    max_capacity               = 2
  }
  worker = {
    cpu    = 1024
    memory = 2048
    capacity_provider_strategy = [
      { capacity_provider = "FARGATE", weight = 0, base = 2 },
      { capacity_provider = "FARGATE_SPOT", weight = 1 },
    ]
    desired_count = 3
    min_capacity  = 3
    max_capacity  = 30
  }
}

run "everything_is_wired" {
  command = apply

  assert {
    condition     = toset(output.scheduled_job_names) == toset(["backup", "rollup", "prune"])
    error_message = "backup, rollup and prune run on a schedule."
  }

  assert {
    condition     = toset(output.autoscaling_policy_names.api) == toset(["upwatch-prod-api-cpu", "upwatch-prod-api-requests-per-target"])
    error_message = "api scales on CPU and on requests per target."
  }

  assert {
    condition     = length(output.autoscaling_policy_names.worker) == 1 && contains(output.autoscaling_policy_names.worker, "upwatch-prod-worker-sqs-backlog-per-task")
    error_message = "worker scales on the SQS backlog per task."
  }

  assert {
    condition     = length(output.autoscaling_policy_names.scheduler) == 0
    error_message = "The scheduler runs a fixed number of tasks."
  }

  assert {
    condition     = length(output.alarm_names) == 6 + 4 * 3 + 2 * 4
    error_message = "The full alarm set: load balancer, database, each service and each queue."
  }

  assert {
    condition     = toset(keys(local.secrets)) == toset(["UPWATCH_SECRET_KEY", "UPWATCH_DATABASE_PASSWORD"]) && endswith(local.secrets.UPWATCH_DATABASE_PASSWORD, ":password::")
    error_message = "The key and the managed database password reach the tasks as secrets."
  }

  assert {
    condition     = local.environment_variables.UPWATCH_ALLOW_PRIVATE_TARGETS == "false" && local.environment_variables.UPWATCH_LOG_FORMAT == "json"
    error_message = "On AWS private targets are refused and logs are JSON."
  }

  assert {
    condition     = alltrue([for v in values(local.environment_variables) : !can(regex("secretsmanager|password=|:password", v))])
    error_message = "No secret in the plain environment."
  }

  assert {
    condition     = jsondecode(aws_ssm_parameter.deploy.value).migrate.command == ["upwatch", "db", "upgrade"]
    error_message = "The deploy workflow learns how to migrate."
  }

  assert {
    condition     = aws_secretsmanager_secret.secret_key.name == "upwatch-prod/secret-key" && aws_secretsmanager_secret.secret_key.recovery_window_in_days == 30
    error_message = "The application key's secret is named after the environment."
  }

  assert {
    condition     = output.url == "https://upwatch.example.com"
    error_message = "Served over HTTPS at the domain."
  }
}

run "sizes_follow_the_variables" {
  command = plan

  variables {
    environment        = "dev"
    single_nat_gateway = true
    database = {
      instance_count          = 1
      min_capacity            = 0.5
      max_capacity            = 2
      deletion_protection     = false
      backup_retention_period = 1
      skip_final_snapshot     = true
      monitoring_interval     = 0
    }
  }

  assert {
    condition     = length(module.network.nat_gateway_ids) == 1 && length(module.database.instance_ids) == 1
    error_message = "One NAT gateway and one Aurora instance when asked."
  }
}

run "the_scheduler_count_is_fixed" {
  command = plan

  variables {
    scheduler = {
      cpu                        = 256
      memory                     = 512
      capacity_provider_strategy = [{ capacity_provider = "FARGATE", weight = 1 }]
      desired_count              = 2
      min_capacity               = 1
      max_capacity               = 3
    }
  }

  expect_failures = [var.scheduler]
}
