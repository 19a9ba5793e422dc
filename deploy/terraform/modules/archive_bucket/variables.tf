variable "bucket_name" {
  description = "Globally unique name of the archive bucket (load balancer logs, CDN logs, database backups)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, '.' or '-')."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete a bucket that still holds objects (never in production)."
  type        = bool
  default     = false
}

variable "logs_prefix" {
  description = "Key prefix under which access logs are written."
  type        = string
  default     = "logs/"

  validation {
    condition     = can(regex("^[a-z0-9-]+/$", var.logs_prefix))
    error_message = "logs_prefix must be a single path segment ending in '/'."
  }
}

variable "backups_prefix" {
  description = "Key prefix under which `upwatch backup` writes database backups."
  type        = string
  default     = "backups/"

  validation {
    condition     = can(regex("^[a-z0-9-]+/$", var.backups_prefix))
    error_message = "backups_prefix must be a single path segment ending in '/'."
  }
}

variable "log_transition_days" {
  description = "Days after which access logs move to STANDARD_IA (at least 30, S3's minimum)."
  type        = number
  default     = 30

  validation {
    condition     = var.log_transition_days >= 30
    error_message = "log_transition_days must be at least 30."
  }
}

variable "log_expiration_days" {
  description = "Days access logs are kept (at least 7)."
  type        = number
  default     = 90

  validation {
    condition     = var.log_expiration_days >= 7
    error_message = "Logs are kept at least 7 days."
  }
}

variable "backup_expiration_days" {
  description = "Days database backups are kept (at least 7: a week of daily backups)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_expiration_days >= 7
    error_message = "Backups are kept at least 7 days."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted object version is kept (at least 7)."
  type        = number
  default     = 7

  validation {
    condition     = var.noncurrent_version_expiration_days >= 7
    error_message = "Old versions are kept at least 7 days."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
