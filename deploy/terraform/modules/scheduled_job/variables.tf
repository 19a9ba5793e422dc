variable "name" {
  description = "Name of the schedule group, role and schedules prefix, e.g. upwatch-prod-jobs."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter."
  }
}

variable "cluster_arn" {
  description = "ECS cluster the jobs run in."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:", var.cluster_arn))
    error_message = "cluster_arn must be the ARN of an ECS cluster."
  }
}

variable "task_definition_arn" {
  description = "Task definition the jobs run (its container's command is overridden per job). The newest revision of its family is run when task_definition_family is used by the deploy workflow."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[^:]+:[0-9]+:task-definition/", var.task_definition_arn))
    error_message = "task_definition_arn must be the ARN of a task definition."
  }
}

variable "container_name" {
  description = "Container whose command each job overrides."
  type        = string
  default     = "upwatch"
}

variable "pass_role_arns" {
  description = "Task and execution roles of the task definition, which the scheduler must pass to ECS."
  type        = list(string)

  validation {
    condition     = length(var.pass_role_arns) > 0 && alltrue([for a in var.pass_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]+:role/", a))])
    error_message = "pass_role_arns must be IAM role ARNs."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the job tasks."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the job tasks."
  type        = list(string)
}

variable "jobs" {
  description = "Jobs by name: an EventBridge Scheduler expression (cron(...) or rate(...), in schedule_timezone) and the container command."
  type = map(object({
    schedule_expression = string
    command             = list(string)
    description         = optional(string, "")
    enabled             = optional(bool, true)
  }))

  validation {
    condition     = length(var.jobs) > 0 && alltrue([for j in var.jobs : can(regex("^(cron|rate)\\(.+\\)$", j.schedule_expression)) && length(j.command) > 0])
    error_message = "Every job needs a cron(...) or rate(...) expression and a command."
  }
}

variable "schedule_timezone" {
  description = "Time zone of the cron expressions."
  type        = string
  default     = "UTC"
}

variable "capacity_provider" {
  description = "FARGATE, or FARGATE_SPOT for jobs that may be interrupted and rerun."
  type        = string
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.capacity_provider)
    error_message = "capacity_provider must be FARGATE or FARGATE_SPOT."
  }
}

variable "maximum_retry_attempts" {
  description = "Times the scheduler retries a RunTask call that failed (e.g. no capacity)."
  type        = number
  default     = 3

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185
    error_message = "maximum_retry_attempts must be between 0 and 185."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the schedules' payload (the container overrides)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
