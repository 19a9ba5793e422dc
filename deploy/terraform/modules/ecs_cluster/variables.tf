variable "name" {
  description = "Name of the cluster, e.g. upwatch-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter."
  }
}

variable "container_insights" {
  description = "Container Insights level: enabled, enhanced or disabled. The worker's backlog-per-task scaling reads its RunningTaskCount."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be enabled or enhanced: scaling and alarms depend on it."
  }
}

variable "default_capacity_provider_strategy" {
  description = "Strategy for tasks started without one (e.g. scheduled jobs)."
  type = list(object({
    capacity_provider = string
    weight            = number
    base              = optional(number, 0)
  }))
  default = [{ capacity_provider = "FARGATE", weight = 1, base = 0 }]

  validation {
    condition     = alltrue([for s in var.default_capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], s.capacity_provider)])
    error_message = "Use FARGATE and/or FARGATE_SPOT."
  }
}

variable "kms_key_arn" {
  description = "KMS key for ECS Exec sessions and their audit log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "exec_log_retention_in_days" {
  description = "Days the ECS Exec audit log (every command typed in a session) is kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.exec_log_retention_in_days)
    error_message = "exec_log_retention_in_days must be a value CloudWatch Logs accepts."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
