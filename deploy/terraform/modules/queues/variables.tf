variable "name" {
  description = "Prefix of the queue names: queue <name>-<key>, dead-letter queue <name>-<key>-dlq. Pass the outputs queue_name_prefix and queue_url_prefix to the app (UPWATCH_SQS_QUEUE_PREFIX, UPWATCH_SQS_QUEUE_URL_PREFIX)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.name))
    error_message = "name may hold letters, digits, '_' and '-' only (at most 40)."
  }
}

variable "queues" {
  description = "Celery queues by name. visibility_timeout_seconds must exceed the longest task on the queue, or SQS redelivers it while it still runs."
  type = map(object({
    visibility_timeout_seconds = optional(number, 300)
    message_retention_seconds  = optional(number, 345600)
    max_receive_count          = optional(number, 5)
    receive_wait_time_seconds  = optional(number, 20)
  }))
  default = {
    checks      = { visibility_timeout_seconds = 300 }
    pings       = { visibility_timeout_seconds = 120 }
    notify      = { visibility_timeout_seconds = 300 }
    maintenance = { visibility_timeout_seconds = 3600 }
  }

  validation {
    condition     = length(var.queues) > 0 && alltrue([for k, _ in var.queues : can(regex("^[a-z][a-z0-9-]{0,30}$", k))])
    error_message = "Give at least one queue; names are lowercase letters, digits and '-'."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.visibility_timeout_seconds >= 30 && q.visibility_timeout_seconds <= 43200])
    error_message = "visibility_timeout_seconds must be between 30 s and 12 h."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.max_receive_count >= 1 && q.max_receive_count <= 1000])
    error_message = "max_receive_count must be between 1 and 1000."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.message_retention_seconds >= 60 && q.message_retention_seconds <= 1209600])
    error_message = "message_retention_seconds must be between 60 s and 14 days."
  }

  validation {
    condition     = alltrue([for q in var.queues : q.receive_wait_time_seconds >= 0 && q.receive_wait_time_seconds <= 20])
    error_message = "receive_wait_time_seconds must be between 0 and 20."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long failed messages wait in a dead-letter queue (default and maximum 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 86400 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 1 and 14 days."
  }
}

variable "kms_key_arn" {
  description = "KMS key for server-side encryption; null uses SQS-managed encryption (SSE-SQS)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be null or the ARN of a KMS key."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
