mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/upwatch-test-jobs-scheduler" }
  }
  mock_resource "aws_scheduler_schedule_group" {
    defaults = { arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/upwatch-test-jobs" }
  }
}

variables {
  name                = "upwatch-test-jobs"
  cluster_arn         = "arn:aws:ecs:eu-west-1:123456789012:cluster/upwatch-test"
  task_definition_arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/upwatch-test-jobs:7"
  pass_role_arns      = ["arn:aws:iam::123456789012:role/upwatch-test-jobs-task", "arn:aws:iam::123456789012:role/upwatch-test-jobs-execution"]
  subnet_ids          = ["subnet-a", "subnet-b"]
  security_group_ids  = ["sg-jobs"]
  kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  jobs = {
    backup = { schedule_expression = "cron(15 3 * * ? *)", command = ["upwatch", "backup", "--to", "s3://upwatch-test-archive/backups/"] }
    rollup = { schedule_expression = "cron(5 * * * ? *)", command = ["upwatch", "rollup"] }
    prune  = { schedule_expression = "cron(45 3 * * ? *)", command = ["upwatch", "prune"] }
  }
  tags = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "jobs_run_as_ecs_tasks_with_overrides" {
  command = apply

  assert {
    condition     = toset(keys(aws_scheduler_schedule.this)) == toset(["backup", "rollup", "prune"])
    error_message = "One schedule per job."
  }

  assert {
    condition     = jsondecode(one(aws_scheduler_schedule.this["backup"].target).input).containerOverrides[0].command == ["upwatch", "backup", "--to", "s3://upwatch-test-archive/backups/"]
    error_message = "The job's command overrides the container's."
  }

  assert {
    condition     = one(one(aws_scheduler_schedule.this["rollup"].target).ecs_parameters).task_definition_arn == "arn:aws:ecs:eu-west-1:123456789012:task-definition/upwatch-test-jobs"
    error_message = "Jobs run the newest revision of the family."
  }

  assert {
    condition     = alltrue([for s in aws_scheduler_schedule.this : one(one(one(s.target).ecs_parameters).network_configuration).assign_public_ip == false])
    error_message = "Job tasks get no public IP."
  }

  assert {
    condition     = local.task_definition_family_arn == "arn:aws:ecs:eu-west-1:123456789012:task-definition/upwatch-test-jobs:*"
    error_message = "The role may run revisions of this family only."
  }

  assert {
    condition     = aws_scheduler_schedule_group.this.tags["cost-center"] == "platform" && aws_iam_role.this.tags["project"] == "upwatch"
    error_message = "Tags must reach the taggable resources."
  }
}

run "refuses_a_bad_expression" {
  command = plan

  variables {
    jobs = { backup = { schedule_expression = "every day", command = ["upwatch", "backup"] } }
  }

  expect_failures = [var.jobs]
}
