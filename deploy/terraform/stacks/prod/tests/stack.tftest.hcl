# The whole production stack, applied against a mocked AWS provider: wiring, sizes and policies.
mock_provider "aws" {
  source = "../../mocks/aws"
}

variables {
  domain_name       = "upwatch.example.com"
  route53_zone_id   = "Z0123456789ABCDEFGHIJ"
  github_repository = "example-org/upwatch"
  state_bucket_name = "example-org-terraform-state"
  image_tag         = "0123456789abcdef0123456789abcdef01234567"
}

run "production_is_highly_available" {
  command = apply

  assert {
    condition     = length(module.network.private_subnet_ids) == 3 && length(module.network.nat_gateway_ids) == 3
    error_message = "Three zones, a NAT gateway in each."
  }

  assert {
    condition     = length(module.database.instance_ids) == 2
    error_message = "Aurora has a writer and a reader."
  }

  assert {
    condition     = toset([for k, _ in module.scheduled_jobs.schedule_arns : k]) == toset(["backup", "rollup", "prune"])
    error_message = "backup, rollup and prune run on a schedule."
  }

  assert {
    condition     = toset(module.api.autoscaling_policy_names) == toset(["upwatch-prod-api-cpu", "upwatch-prod-api-requests-per-target"])
    error_message = "api scales on CPU and on requests per target."
  }

  assert {
    condition     = length(module.worker.autoscaling_policy_names) == 1 && contains(module.worker.autoscaling_policy_names, "upwatch-prod-worker-sqs-backlog-per-task")
    error_message = "worker scales on the SQS backlog per task."
  }

  assert {
    condition     = length(module.scheduler.autoscaling_policy_names) == 0
    error_message = "The scheduler runs a fixed two tasks."
  }

  assert {
    condition     = length(module.monitoring.alarm_names) == 6 + 4 * 3 + 2 * 4
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
    condition     = local.tags == { project = "upwatch", environment = "prod", "cost-center" = "upwatch" }
    error_message = "Every resource is tagged with project, environment and cost-center."
  }

  assert {
    condition     = output.url == "https://upwatch.example.com"
    error_message = "Served over HTTPS at the domain."
  }
}
