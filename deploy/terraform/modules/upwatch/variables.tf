################################################################################
# Environment and account
################################################################################

variable "environment" {
  description = "Name of the environment (dev, staging, prod): resources are named upwatch-<environment>-..., and the CI roles are bound to the GitHub environments <environment> and <environment>-infra."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2 to 16 lower-case letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of the environment, given to the tasks as AWS_REGION and for SQS."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "availability_zones" {
  description = "Availability zones of the VPC's subnets and of the Aurora instances (three for a highly available environment)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "Give 2 to 4 distinct availability zones."
  }
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a CIDR block."
  }
}

variable "tags" {
  description = "Tags of every resource; must carry project, environment and cost-center (the stacks pass their provider default tags)."
  type        = map(string)

  validation {
    condition     = alltrue([for k in ["project", "environment", "cost-center"] : contains(keys(var.tags), k)])
    error_message = "tags must carry project, environment and cost-center."
  }
}

################################################################################
# Application
################################################################################

variable "domain_name" {
  description = "Host name Upwatch is served at, e.g. upwatch.example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lower-case host name."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of domain_name; null to validate the certificate and point DNS by hand."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Image tag (a commit SHA) of the task definitions Terraform registers. Deployments after the first go through the deploy workflow."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,128}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable tag (a commit SHA), not latest."
  }
}

variable "allowed_target_cidrs" {
  description = "Private ranges monitors may probe although private targets are refused on AWS (UPWATCH_ALLOWED_TARGET_CIDRS)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_target_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_target_cidrs must be CIDR blocks."
  }
}

variable "alarm_email_addresses" {
  description = "Addresses that receive the operational alarms."
  type        = list(string)
  default     = []
}

variable "status_site_aliases" {
  description = "Host names of the static status pages (needs status_site_certificate_arn, in us-east-1)."
  type        = list(string)
  default     = []
}

variable "status_site_certificate_arn" {
  description = "ACM certificate in us-east-1 for status_site_aliases."
  type        = string
  default     = null
}

################################################################################
# CI/CD
################################################################################

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the CI/CD roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when another stack in the same account did)."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "Existing GitHub OIDC provider when create_github_oidc_provider is false."
  type        = string
  default     = null
}

variable "state_bucket_name" {
  description = "S3 bucket holding the Terraform state (the CI roles may read and lock this environment's state under upwatch/<environment>/)."
  type        = string
}

################################################################################
# Sizes and safety: what differs between environments
################################################################################

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheap; a zone outage cuts the others off the internet) instead of one per zone."
  type        = bool
}

variable "log_retention_in_days" {
  description = "Retention of every CloudWatch log group: flow logs, database, WAF and the tasks."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ... 3653)."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the archive and status buckets with their objects and the registry with its images (for environments that are torn down and rebuilt)."
  type        = bool
  default     = false
}

variable "archive" {
  description = "Lifecycle of the archive bucket: days until load balancer access logs and upwatch backup dumps expire."
  type = object({
    log_expiration_days    = number
    backup_expiration_days = number
  })

  validation {
    condition     = var.archive.log_expiration_days >= 7 && var.archive.backup_expiration_days >= 7
    error_message = "Logs and backups are kept at least 7 days."
  }
}

variable "database" {
  description = "Aurora PostgreSQL Serverless v2: instances (writer, then readers in other zones), capacity in ACUs, protection and backups. monitoring_interval is Enhanced Monitoring's period in seconds, 0 to turn it off."
  type = object({
    instance_count          = number
    min_capacity            = number
    max_capacity            = number
    deletion_protection     = bool
    backup_retention_period = number
    skip_final_snapshot     = bool
    monitoring_interval     = number
  })

  validation {
    condition     = var.database.instance_count >= 1 && var.database.instance_count <= length(var.availability_zones)
    error_message = "database.instance_count must be between 1 and the number of availability zones."
  }

  validation {
    condition     = var.database.min_capacity >= 0 && var.database.min_capacity <= var.database.max_capacity && var.database.max_capacity <= 256
    error_message = "database capacity must satisfy 0 <= min_capacity <= max_capacity <= 256 ACUs."
  }

  validation {
    condition     = var.database.backup_retention_period >= 1 && var.database.backup_retention_period <= 35
    error_message = "database.backup_retention_period must be 1 to 35 days."
  }

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.database.monitoring_interval)
    error_message = "database.monitoring_interval must be 0, 1, 5, 10, 15, 30 or 60."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted UPWATCH_SECRET_KEY secret can still be restored."
  type        = number

  validation {
    condition     = var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30
    error_message = "secret_recovery_window_in_days must be 7 to 30."
  }
}

variable "waf" {
  description = "WAF rate limits per client IP in 5 minutes: every request, and the sensitive paths (ping intake and login)."
  type = object({
    rate_limit_per_ip           = number
    sensitive_rate_limit_per_ip = number
  })

  validation {
    condition     = var.waf.rate_limit_per_ip >= 100 && var.waf.sensitive_rate_limit_per_ip >= 100 && var.waf.sensitive_rate_limit_per_ip <= var.waf.rate_limit_per_ip
    error_message = "WAF rate limits must be at least 100 (AWS's minimum), the sensitive one no higher than the general one."
  }
}

variable "load_balancer_deletion_protection" {
  description = "Protect the load balancer against deletion."
  type        = bool
}

variable "api" {
  description = "The api service: task size (Fargate CPU units and MiB), where tasks run, and task counts (autoscaling between min_capacity and max_capacity on CPU and requests per task)."
  type = object({
    cpu    = number
    memory = number
    capacity_provider_strategy = list(object({
      capacity_provider = string
      weight            = number
      base              = optional(number, 0)
    }))
    desired_count = number
    min_capacity  = number
    max_capacity  = number
  })

  validation {
    condition     = var.api.min_capacity >= 1 && var.api.min_capacity <= var.api.desired_count && var.api.desired_count <= var.api.max_capacity
    error_message = "api needs 1 <= min_capacity <= desired_count <= max_capacity."
  }

  validation {
    condition     = alltrue([for s in var.api.capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], s.capacity_provider)])
    error_message = "api capacity providers must be FARGATE or FARGATE_SPOT."
  }
}

variable "scheduler" {
  description = "The scheduler service: task size, where tasks run, and a fixed task count (min_capacity = desired_count = max_capacity; two or more for a standby, one leads)."
  type = object({
    cpu    = number
    memory = number
    capacity_provider_strategy = list(object({
      capacity_provider = string
      weight            = number
      base              = optional(number, 0)
    }))
    desired_count = number
    min_capacity  = number
    max_capacity  = number
  })

  validation {
    condition     = var.scheduler.desired_count >= 1 && var.scheduler.min_capacity == var.scheduler.desired_count && var.scheduler.max_capacity == var.scheduler.desired_count
    error_message = "The scheduler runs a fixed count: 1 <= min_capacity = desired_count = max_capacity."
  }

  validation {
    condition     = alltrue([for s in var.scheduler.capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], s.capacity_provider)])
    error_message = "scheduler capacity providers must be FARGATE or FARGATE_SPOT."
  }
}

variable "worker" {
  description = "The worker service: task size, where tasks run (FARGATE_SPOT, with an on-demand FARGATE base where it matters), and task counts (autoscaling on the SQS backlog per task)."
  type = object({
    cpu    = number
    memory = number
    capacity_provider_strategy = list(object({
      capacity_provider = string
      weight            = number
      base              = optional(number, 0)
    }))
    desired_count = number
    min_capacity  = number
    max_capacity  = number
  })

  validation {
    condition     = var.worker.min_capacity >= 1 && var.worker.min_capacity <= var.worker.desired_count && var.worker.desired_count <= var.worker.max_capacity
    error_message = "worker needs 1 <= min_capacity <= desired_count <= max_capacity."
  }

  validation {
    condition     = alltrue([for s in var.worker.capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], s.capacity_provider)])
    error_message = "worker capacity providers must be FARGATE or FARGATE_SPOT."
  }
}

variable "scheduled_jobs_capacity_provider" {
  description = "Where the scheduled backup, rollup and prune tasks run."
  type        = string
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.scheduled_jobs_capacity_provider)
    error_message = "scheduled_jobs_capacity_provider must be FARGATE or FARGATE_SPOT."
  }
}
