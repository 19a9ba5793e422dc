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
    condition     = length(module.upwatch.private_subnet_ids) == 3 && length(module.upwatch.nat_gateway_ids) == 3
    error_message = "Three zones, a NAT gateway in each."
  }

  assert {
    condition     = length(module.upwatch.database_instance_ids) == 2
    error_message = "Aurora has a writer and a reader."
  }

  assert {
    condition     = toset(module.upwatch.scheduled_job_names) == toset(["backup", "rollup", "prune"])
    error_message = "backup, rollup and prune run on a schedule."
  }

  assert {
    condition     = toset(module.upwatch.autoscaling_policy_names.api) == toset(["upwatch-prod-api-cpu", "upwatch-prod-api-requests-per-target"])
    error_message = "api scales on CPU and on requests per target."
  }

  assert {
    condition     = length(module.upwatch.autoscaling_policy_names.worker) == 1 && contains(module.upwatch.autoscaling_policy_names.worker, "upwatch-prod-worker-sqs-backlog-per-task")
    error_message = "worker scales on the SQS backlog per task."
  }

  assert {
    condition     = length(module.upwatch.autoscaling_policy_names.scheduler) == 0
    error_message = "The scheduler runs a fixed number of tasks."
  }

  assert {
    condition     = length(module.upwatch.alarm_names) == 6 + 4 * 3 + 2 * 4
    error_message = "The full alarm set: load balancer, database, each service and each queue."
  }

  assert {
    condition     = output.deploy_parameter_name == "/upwatch-prod/deploy" && output.cluster_name == "upwatch-prod"
    error_message = "The deploy workflow finds its settings and the cluster."
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
