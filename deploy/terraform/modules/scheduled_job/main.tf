data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # arn:aws:ecs:region:account:task-definition/family:revision -> the family (its newest revision,
  # which the schedules run) and any of its revisions (those the deploy workflow registers).
  task_definition_family     = regex("^(.*:task-definition/[^:]+)", var.task_definition_arn)[0]
  task_definition_family_arn = "${local.task_definition_family}:*"
  cluster_name               = element(split("/", var.cluster_arn), 1)
}

resource "aws_scheduler_schedule_group" "this" {
  name = var.name

  tags = merge(var.tags, { Name = var.name })
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["${aws_scheduler_schedule_group.this.arn}/*", "arn:${data.aws_partition.current.partition}:scheduler:${data.aws_region.current.name}:${local.account_id}:schedule/${var.name}/*"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-scheduler"
  description        = "EventBridge Scheduler starts the ${var.name} tasks"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "RunTheJobTaskDefinitionOnly"
    actions   = ["ecs:RunTask"]
    resources = [local.task_definition_family, local.task_definition_family_arn]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }

  statement {
    sid       = "TagTheTasks"
    actions   = ["ecs:TagResource"]
    resources = ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${local.account_id}:task/${local.cluster_name}/*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RunTask"]
    }
  }

  statement {
    sid       = "DecryptTheSchedules"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "PassTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns

    condition {
      test     = "StringLike"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "run-jobs"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_scheduler_schedule" "this" {
  for_each = var.jobs

  name        = "${var.name}-${each.key}"
  group_name  = aws_scheduler_schedule_group.this.name
  description = each.value.description
  state       = each.value.enabled ? "ENABLED" : "DISABLED"

  kms_key_arn                  = var.kms_key_arn
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = var.schedule_timezone

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.cluster_arn
    role_arn = aws_iam_role.this.arn

    ecs_parameters {
      # The family ARN without revision runs its newest ACTIVE revision: the image the deploy workflow rolled out last.
      task_definition_arn     = local.task_definition_family
      task_count              = 1
      enable_ecs_managed_tags = true
      propagate_tags          = "TASK_DEFINITION"
      tags                    = merge(var.tags, { job = each.key })

      capacity_provider_strategy {
        capacity_provider = var.capacity_provider
        weight            = 1
        base              = 0
      }

      network_configuration {
        subnets          = var.subnet_ids
        security_groups  = var.security_group_ids
        assign_public_ip = false
      }
    }

    input = jsonencode({
      containerOverrides = [{
        name    = var.container_name
        command = each.value.command
      }]
    })

    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = var.maximum_retry_attempts
    }
  }
}
