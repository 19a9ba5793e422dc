variable "name" {
  description = "Cluster identifier and name prefix, e.g. upwatch-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC the database lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the DB subnet group (at least two availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Aurora needs subnets in at least two availability zones."
  }
}

variable "availability_zones" {
  description = "Zones the instances are placed in, round robin: the writer in the first, the first reader in the second, ..."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2
    error_message = "Give at least two availability zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (by a stable name, e.g. api) whose members may connect on the PostgreSQL port. Nothing else may."
  type        = map(string)
  default     = {}
}

variable "engine_version" {
  description = "Aurora PostgreSQL version (major.minor)."
  type        = string
  default     = "16.6"

  validation {
    condition     = can(regex("^1[3-9]\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must look like 16.6 (major 13 or newer)."
  }
}

variable "database_name" {
  description = "Name of the database created in the cluster."
  type        = string
  default     = "upwatch"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase identifier."
  }
}

variable "master_username" {
  description = "Master user; its password is generated and kept in Secrets Manager by RDS."
  type        = string
  default     = "upwatch"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.master_username)) && !contains(["admin", "postgres", "rdsadmin"], var.master_username)
    error_message = "master_username must be a lowercase identifier of at most 16 characters and not a reserved name."
  }
}

variable "instance_count" {
  description = "Instances in the cluster: 1 is a writer only; 2 or more adds readers in other zones (automatic failover)."
  type        = number
  default     = 2

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 15 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number from 1 to 15."
  }
}

variable "min_capacity" {
  description = "Smallest Serverless v2 capacity in ACUs (0.5 steps; 0 lets the cluster pause when idle)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.min_capacity >= 0 && var.min_capacity <= 256 && floor(var.min_capacity * 2) == var.min_capacity * 2
    error_message = "min_capacity must be between 0 and 256 in steps of 0.5."
  }
}

variable "max_capacity" {
  description = "Largest Serverless v2 capacity in ACUs."
  type        = number
  default     = 4

  validation {
    condition     = var.max_capacity >= 1 && var.max_capacity <= 256 && floor(var.max_capacity * 2) == var.max_capacity * 2 && var.max_capacity >= var.min_capacity
    error_message = "max_capacity must be between 1 and 256 in steps of 0.5, and not below min_capacity."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster (keep on in staging and production)."
  type        = bool
  default     = true
}

variable "backup_retention_period" {
  description = "Days automated backups are kept (7 or more in production)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 1 and 35 days."
  }
}

variable "preferred_backup_window" {
  description = "Daily UTC window of the automated backup."
  type        = string
  default     = "02:00-03:00"
}

variable "preferred_maintenance_window" {
  description = "Weekly UTC maintenance window (must not overlap the backup window)."
  type        = string
  default     = "sun:04:00-sun:05:00"
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (throw-away environments only)."
  type        = bool
  default     = false
}

variable "apply_immediately" {
  description = "Apply modifications now rather than in the maintenance window."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights, the master password secret and the log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "performance_insights_retention_period" {
  description = "Days Performance Insights keeps its data (7 is free; 31 x n or 731 cost extra)."
  type        = number
  default     = 7

  validation {
    condition     = var.performance_insights_retention_period == 7 || var.performance_insights_retention_period == 731 || (var.performance_insights_retention_period % 31 == 0 && var.performance_insights_retention_period <= 713)
    error_message = "performance_insights_retention_period must be 7, a multiple of 31 up to 713, or 731."
  }
}

variable "monitoring_interval" {
  description = "Seconds between Enhanced Monitoring samples (0 turns it off)."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be 0, 1, 5, 10, 15, 30 or 60."
  }
}

variable "log_retention_in_days" {
  description = "Days the PostgreSQL log group keeps its events."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts."
  }
}

variable "log_min_duration_statement_ms" {
  description = "Statements slower than this many milliseconds are logged (-1 turns it off)."
  type        = number
  default     = 1000
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
