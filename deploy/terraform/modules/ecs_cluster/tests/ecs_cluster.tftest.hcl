mock_provider "aws" {
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/upwatch-test" }
  }
}

variables {
  name        = "upwatch-test"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  tags        = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "insights_spot_and_audited_exec" {
  command = apply

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights must be on."
  }

  assert {
    condition     = toset(aws_ecs_cluster_capacity_providers.this.capacity_providers) == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "Both Fargate and Fargate Spot are available."
  }

  assert {
    condition     = one(one(one(aws_ecs_cluster.this.configuration).execute_command_configuration).log_configuration).cloud_watch_log_group_name == "/ecs/upwatch-test/exec"
    error_message = "ECS Exec sessions are logged."
  }

  assert {
    condition     = aws_cloudwatch_log_group.exec.retention_in_days == 365
    error_message = "The exec audit log has retention."
  }

  assert {
    condition     = aws_ecs_cluster.this.tags["environment"] == "test"
    error_message = "Tags must reach the cluster."
  }
}

run "refuses_to_turn_insights_off" {
  command = plan

  variables {
    container_insights = "disabled"
  }

  expect_failures = [var.container_insights]
}
