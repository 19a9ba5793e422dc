################################################################################
# Identity
################################################################################

variable "name" {
  description = "Name of the service, task definition family and everything around it, e.g. upwatch-prod-api."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter (at most 51)."
  }
}

variable "create_service" {
  description = "Create the ECS service. false keeps only the task definition, roles, security group and log group: for one-off and scheduled tasks."
  type        = bool
  default     = true
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:", var.cluster_arn))
    error_message = "cluster_arn must be the ARN of an ECS cluster."
  }
}

variable "cluster_name" {
  description = "Name of the ECS cluster (for the autoscaling resource id and Container Insights metrics)."
  type        = string
}

################################################################################
# Container
################################################################################

variable "container_name" {
  description = "Name of the one container in the task."
  type        = string
  default     = "upwatch"
}

variable "image" {
  description = "Container image, <repository url>:<tag>. The deploy workflow registers new revisions with the commit's image; this is the image of the revision Terraform registers."
  type        = string
}

variable "image_repository_arn" {
  description = "ARN of the ECR repository the image comes from (the execution role may pull from it only)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:", var.image_repository_arn))
    error_message = "image_repository_arn must be the ARN of an ECR repository."
  }
}

variable "command" {
  description = "Command of the container, e.g. [\"upwatch\", \"api\"]: one image, the command picks the role."
  type        = list(string)

  validation {
    condition     = length(var.command) > 0
    error_message = "command must not be empty."
  }
}

variable "user" {
  description = "uid:gid the container runs as; never root."
  type        = string
  default     = "10001:10001"

  validation {
    condition     = can(regex("^[0-9]+:[0-9]+$", var.user)) && !startswith(var.user, "0:")
    error_message = "user must be a numeric uid:gid other than root."
  }
}

variable "cpu" {
  description = "CPU units of the task (1024 = one vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Memory of the task in MiB (must suit the cpu size, e.g. 512-2048 for 256 units)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the task: X86_64 or ARM64 (Graviton, cheaper; the image must be built for it)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "container_port" {
  description = "Port the container listens on; null for roles that serve nothing (scheduler, worker, jobs)."
  type        = number
  default     = null
}

variable "environment" {
  description = "Plain, non-secret environment variables. Anything secret goes in `secrets`."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, _ in var.environment : !can(regex("(?i)(password|passwd|secret|token|credential|private_key|api_key)", k))])
    error_message = "environment must not hold secrets (a name mentions a password, secret, token, credential or key): pass them in `secrets`."
  }
}

variable "secrets" {
  description = "Environment variables read from Secrets Manager or SSM Parameter Store at start: name => ARN (a Secrets Manager ARN may end in :<json key>::)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for _, v in var.secrets : can(regex("^arn:aws[a-z-]*:(secretsmanager|ssm):", v))])
    error_message = "Every secret must be a Secrets Manager or SSM parameter ARN."
  }
}

variable "secrets_kms_key_arns" {
  description = "KMS keys the secrets are encrypted with (the execution role may decrypt with them)."
  type        = list(string)
  default     = []
}

variable "health_check" {
  description = "Container health check (the command runs inside the container); null relies on the load balancer or on the process exiting."
  type = object({
    command      = list(string)
    interval     = optional(number, 30)
    timeout      = optional(number, 5)
    retries      = optional(number, 3)
    start_period = optional(number, 30)
  })
  default = null
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL: time to finish the batch in hand (at most 120 on Fargate)."
  type        = number
  default     = 60

  validation {
    condition     = var.stop_timeout >= 2 && var.stop_timeout <= 120
    error_message = "stop_timeout must be between 2 and 120."
  }
}

variable "nofile_limit" {
  description = "Open files limit: each in-flight probe holds a socket."
  type        = number
  default     = 65536
}

################################################################################
# Networking
################################################################################

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the tasks. Tasks never get a public IP."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "Give at least one subnet."
  }
}

variable "load_balancer" {
  description = "Target group the service registers in, and the load balancer's security group that may reach container_port."
  type = object({
    target_group_arn  = string
    security_group_id = string
  })
  default = null
}

variable "egress_rules" {
  description = "Outbound rules of the tasks' security group. The default lets them reach HTTPS (AWS APIs, ECR) and DNS; workers need wider rules to probe arbitrary ports."
  type = map(object({
    description = string
    ip_protocol = string
    from_port   = number
    to_port     = number
    cidr_ipv4   = string
  }))
  default = {
    https = { description = "HTTPS: AWS APIs, ECR, notification endpoints", ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ipv4 = "0.0.0.0/0" }
  }

  validation {
    condition     = alltrue([for r in var.egress_rules : contains(["tcp", "udp", "icmp"], r.ip_protocol)])
    error_message = "egress_rules must name tcp, udp or icmp (not all protocols)."
  }
}

################################################################################
# Service
################################################################################

variable "desired_count" {
  description = "Tasks when the service is created; afterwards the autoscaling target (min_capacity..max_capacity) owns the count."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0
    error_message = "desired_count must not be negative."
  }
}

variable "capacity_provider_strategy" {
  description = "Where tasks run: e.g. an on-demand FARGATE base plus FARGATE_SPOT for the rest."
  type = list(object({
    capacity_provider = string
    weight            = number
    base              = optional(number, 0)
  }))
  default = [{ capacity_provider = "FARGATE", weight = 1, base = 0 }]

  validation {
    condition     = length(var.capacity_provider_strategy) > 0 && alltrue([for s in var.capacity_provider_strategy : contains(["FARGATE", "FARGATE_SPOT"], s.capacity_provider)])
    error_message = "capacity_provider_strategy must use FARGATE and/or FARGATE_SPOT."
  }

  validation {
    condition     = length([for s in var.capacity_provider_strategy : s if s.base > 0]) <= 1
    error_message = "Only one capacity provider may have a base."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds the load balancer's health checks are ignored after a task starts."
  type        = number
  default     = 60
}

variable "deployment_minimum_healthy_percent" {
  description = "Lower bound of running tasks during a deployment, in percent of the desired count."
  type        = number
  default     = 100
}

variable "deployment_maximum_percent" {
  description = "Upper bound of running tasks during a deployment, in percent of the desired count."
  type        = number
  default     = 200
}

variable "execute_command_kms_key_arn" {
  description = "KMS key of the cluster's ECS Exec sessions (the task role may decrypt with it); null when the cluster sets none."
  type        = string
  default     = null
}

variable "execute_command_log_group_arn" {
  description = "Log group of the cluster's ECS Exec audit log (the task role may write to it); null when the cluster logs none."
  type        = string
  default     = null
}

variable "enable_execute_command" {
  description = "Allow `aws ecs execute-command` into the tasks (ECS Exec). Writable volumes are mounted where the agent writes, as the root file system stays read-only."
  type        = bool
  default     = true
}

################################################################################
# Autoscaling
################################################################################

variable "min_capacity" {
  description = "Fewest tasks autoscaling keeps."
  type        = number
  default     = 1

  validation {
    condition     = var.min_capacity >= 0
    error_message = "min_capacity must not be negative."
  }
}

variable "max_capacity" {
  description = "Most tasks autoscaling starts."
  type        = number
  default     = 1

  validation {
    condition     = var.max_capacity >= var.min_capacity
    error_message = "max_capacity must not be below min_capacity."
  }
}

variable "autoscaling_cpu_target" {
  description = "Target tracking on average CPU utilisation, in percent; null for none."
  type        = number
  default     = null

  validation {
    condition     = var.autoscaling_cpu_target == null || (coalesce(var.autoscaling_cpu_target, 50) >= 10 && coalesce(var.autoscaling_cpu_target, 50) <= 95)
    error_message = "autoscaling_cpu_target must be between 10 and 95."
  }
}

variable "autoscaling_memory_target" {
  description = "Target tracking on average memory utilisation, in percent; null for none."
  type        = number
  default     = null

  validation {
    condition     = var.autoscaling_memory_target == null || (coalesce(var.autoscaling_memory_target, 50) >= 10 && coalesce(var.autoscaling_memory_target, 50) <= 95)
    error_message = "autoscaling_memory_target must be between 10 and 95."
  }
}

variable "autoscaling_request_count" {
  description = "Target tracking on load balancer requests per target per minute (600 = 10 req/s); resource_label is <load balancer arn_suffix>/<target group arn_suffix>."
  type = object({
    target_per_minute = number
    resource_label    = string
  })
  default = null

  validation {
    condition     = var.autoscaling_request_count == null || try(var.autoscaling_request_count.target_per_minute > 0, false)
    error_message = "target_per_minute must be positive."
  }
}

variable "autoscaling_sqs_backlog" {
  description = "Target tracking on SQS backlog per task: visible messages of these queues divided by running tasks (metric math over Container Insights)."
  type = object({
    queue_names     = list(string)
    target_per_task = number
  })
  default = null

  validation {
    condition     = var.autoscaling_sqs_backlog == null || try(length(var.autoscaling_sqs_backlog.queue_names) > 0 && var.autoscaling_sqs_backlog.target_per_task > 0, false)
    error_message = "Give at least one queue and a positive backlog per task."
  }
}

variable "scale_in_cooldown" {
  description = "Seconds after a scale-in before the next one."
  type        = number
  default     = 300
}

variable "scale_out_cooldown" {
  description = "Seconds after a scale-out before the next one."
  type        = number
  default     = 60
}

################################################################################
# Permissions and logs
################################################################################

variable "task_role_statements" {
  description = "IAM statements of the task role (what the application may do in AWS). Wildcard actions are refused."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.task_role_statements : !contains(s.actions, "*") && !contains(s.resources, "*")])
    error_message = "task_role_statements must name actions and resources: no \"*\"."
  }
}

variable "log_retention_in_days" {
  description = "Days the service's log group keeps its events."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a value CloudWatch Logs accepts."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key that encrypts the log group; null for CloudWatch's own encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
