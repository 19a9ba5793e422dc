variable "name" {
  description = "Name of the key; the alias is alias/<name>."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,200}$", var.name))
    error_message = "name may hold letters, digits, '/', '_' and '-' only."
  }
}

variable "description" {
  description = "What the key encrypts, shown in the KMS console."
  type        = string
  default     = "Upwatch: logs, alarms topic, database, secrets and images"
}

variable "deletion_window_in_days" {
  description = "Days a scheduled deletion waits before the key is gone (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
