variable "name" {
  description = "Name of the web ACL, e.g. upwatch-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,100}$", var.name))
    error_message = "name may hold letters, digits and '-' only."
  }
}

variable "rate_limit_per_ip" {
  description = "Requests one IP may make in evaluation_window_sec before it is blocked (all paths)."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit_per_ip >= 100 && var.rate_limit_per_ip <= 2000000000
    error_message = "rate_limit_per_ip must be at least 100."
  }
}

variable "sensitive_rate_limit_per_ip" {
  description = "Tighter limit for the expensive or abusable paths: ping intake and login."
  type        = number
  default     = 600

  validation {
    condition     = var.sensitive_rate_limit_per_ip >= 100
    error_message = "sensitive_rate_limit_per_ip must be at least 100."
  }
}

variable "sensitive_path_prefixes" {
  description = "Path prefixes the tighter rate limit applies to."
  type        = list(string)
  default     = ["/ping/", "/login", "/api/v1/auth"]

  validation {
    condition     = length(var.sensitive_path_prefixes) >= 1 && length(var.sensitive_path_prefixes) <= 10 && alltrue([for p in var.sensitive_path_prefixes : startswith(p, "/")])
    error_message = "Give 1 to 10 path prefixes starting with '/'."
  }
}

variable "evaluation_window_sec" {
  description = "Window of the rate-based rules in seconds (60, 120, 300 or 600)."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.evaluation_window_sec)
    error_message = "evaluation_window_sec must be 60, 120, 300 or 600."
  }
}

variable "log_retention_in_days" {
  description = "Days the WAF log group keeps its events (blocked and counted requests only)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the WAF log group."
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
