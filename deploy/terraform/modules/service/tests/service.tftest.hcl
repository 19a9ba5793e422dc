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
    defaults = { arn = "arn:aws:iam::123456789012:role/upwatch-test-role" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/upwatch-test" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/upwatch-test:1" }
  }
}

variables {
  cluster_arn          = "arn:aws:ecs:eu-west-1:123456789012:cluster/upwatch-test"
  cluster_name         = "upwatch-test"
  image                = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/upwatch:0123abc"
  image_repository_arn = "arn:aws:ecr:eu-west-1:123456789012:repository/upwatch"
  vpc_id               = "vpc-0123456789abcdef0"
  subnet_ids           = ["subnet-a", "subnet-b", "subnet-c"]
  log_kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  secrets = {
    UPWATCH_SECRET_KEY        = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:upwatch/test/secret-key-AbCdEf"
    UPWATCH_DATABASE_PASSWORD = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-123456:password::"
  }
  environment = { UPWATCH_LOG_FORMAT = "json", UPWATCH_ALLOW_PRIVATE_TARGETS = "false" }
  tags        = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "api_behind_the_load_balancer" {
  command = apply

  variables {
    name           = "upwatch-test-api"
    command        = ["upwatch", "api"]
    container_port = 8000
    load_balancer = {
      target_group_arn  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/upwatch-test/0123456789abcdef"
      security_group_id = "sg-alb"
    }
    min_capacity                  = 2
    max_capacity                  = 6
    desired_count                 = 2
    execute_command_kms_key_arn   = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    execute_command_log_group_arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/upwatch-test/exec"
    autoscaling_cpu_target        = 80
    autoscaling_request_count = {
      target_per_minute = 600
      resource_label    = "app/upwatch-test/0123456789abcdef/targetgroup/upwatch-test/0123456789abcdef"
    }
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "The root file system must be read-only."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "10001:10001"
    error_message = "The container must not run as root."
  }

  assert {
    condition     = contains([for m in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].mountPoints : m.containerPath], "/tmp")
    error_message = "/tmp must be a writable volume."
  }

  assert {
    condition     = toset([for s in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets : s.name]) == toset(["UPWATCH_SECRET_KEY", "UPWATCH_DATABASE_PASSWORD"])
    error_message = "Secrets are passed as secrets."
  }

  assert {
    condition     = alltrue([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : !can(regex("arn:aws:secretsmanager", e.value))])
    error_message = "No secret may appear in the environment."
  }

  assert {
    condition     = one(aws_ecs_service.this[0].network_configuration).assign_public_ip == false
    error_message = "Tasks never get a public IP."
  }

  assert {
    condition     = one(aws_ecs_service.this[0].deployment_circuit_breaker).enable && one(aws_ecs_service.this[0].deployment_circuit_breaker).rollback
    error_message = "Failed deployments roll back."
  }

  assert {
    condition     = aws_ecs_service.this[0].enable_execute_command
    error_message = "ECS Exec is on."
  }

  assert {
    condition     = toset(["EcsExec", "EcsExecSessionKey", "EcsExecAuditLog"]) == toset([for s in data.aws_iam_policy_document.task.statement : s.sid if startswith(s.sid, "EcsExec") && s.sid != "EcsExecFindLogGroup"])
    error_message = "The task role may open ECS Exec sessions, decrypt them and write their audit log."
  }

  assert {
    condition     = contains([for m in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].mountPoints : m.containerPath], "/var/lib/amazon/ssm")
    error_message = "With ECS Exec, the agent's directories are writable volumes."
  }

  assert {
    condition     = one(aws_appautoscaling_policy.cpu[0].target_tracking_scaling_policy_configuration).target_value == 80
    error_message = "api scales on CPU 80%."
  }

  assert {
    condition = (one(aws_appautoscaling_policy.requests[0].target_tracking_scaling_policy_configuration).target_value == 600
    && one(one(aws_appautoscaling_policy.requests[0].target_tracking_scaling_policy_configuration).predefined_metric_specification).predefined_metric_type == "ALBRequestCountPerTarget")
    error_message = "api scales on 600 requests per target per minute (10 req/s)."
  }

  assert {
    condition     = aws_appautoscaling_target.this[0].min_capacity == 2 && aws_appautoscaling_target.this[0].max_capacity == 6
    error_message = "The autoscaling range is the given one."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.load_balancer[0].referenced_security_group_id == "sg-alb" && aws_vpc_security_group_ingress_rule.load_balancer[0].from_port == 8000
    error_message = "Only the load balancer reaches the container port."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30 && aws_cloudwatch_log_group.this.kms_key_id == var.log_kms_key_arn
    error_message = "The log group has retention and is encrypted."
  }

  assert {
    condition     = aws_ecs_service.this[0].tags["cost-center"] == "platform" && aws_ecs_task_definition.this.tags["project"] == "upwatch"
    error_message = "Tags must reach the service and task definition."
  }
}

run "worker_on_spot_scaled_by_backlog" {
  command = apply

  variables {
    name    = "upwatch-test-worker"
    command = ["upwatch", "worker"]
    capacity_provider_strategy = [
      { capacity_provider = "FARGATE", weight = 0, base = 1 },
      { capacity_provider = "FARGATE_SPOT", weight = 1 },
    ]
    min_capacity = 1
    max_capacity = 10
    autoscaling_sqs_backlog = {
      queue_names     = ["upwatch-test-checks", "upwatch-test-pings"]
      target_per_task = 10
    }
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.load_balancer) == 0
    error_message = "A worker accepts no inbound traffic."
  }

  assert {
    condition     = toset([for s in aws_ecs_service.this[0].capacity_provider_strategy : "${s.capacity_provider}:${s.base}"]) == toset(["FARGATE:1", "FARGATE_SPOT:0"])
    error_message = "Spot with an on-demand base."
  }

  assert {
    condition     = [for m in one(one(aws_appautoscaling_policy.sqs_backlog[0].target_tracking_scaling_policy_configuration).customized_metric_specification).metrics : m.expression if m.return_data][0] == "(q0 + q1) / IF(tasks > 0, tasks, 1)"
    error_message = "Backlog per task is visible messages over running tasks."
  }

  assert {
    condition     = length(aws_appautoscaling_policy.cpu) == 0 && length(aws_appautoscaling_policy.requests) == 0
    error_message = "Only the backlog policy for the worker."
  }
}

run "task_definition_only_for_jobs" {
  command = apply

  variables {
    name           = "upwatch-test-jobs"
    command        = ["upwatch", "--help"]
    create_service = false
  }

  assert {
    condition     = length(aws_ecs_service.this) == 0 && length(aws_appautoscaling_target.this) == 0
    error_message = "No service without create_service."
  }

  assert {
    condition     = output.task_definition_family == "upwatch-test-jobs"
    error_message = "The task definition is still registered."
  }
}

run "refuses_a_secret_in_the_environment" {
  command = plan

  variables {
    name        = "upwatch-test-api"
    command     = ["upwatch", "api"]
    environment = { UPWATCH_SECRET_KEY = "hunter2" }
  }

  expect_failures = [var.environment]
}

run "refuses_root" {
  command = plan

  variables {
    name    = "upwatch-test-api"
    command = ["upwatch", "api"]
    user    = "0:0"
  }

  expect_failures = [var.user]
}
