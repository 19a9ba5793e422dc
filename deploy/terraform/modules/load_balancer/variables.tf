variable "name" {
  description = "Name of the load balancer and its target group (at most 28 characters), e.g. upwatch-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,27}$", var.name))
    error_message = "name must be 2-28 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and targets."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets the load balancer listens in (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two zones."
  }
}

variable "ingress_cidr_blocks" {
  description = "Who may connect to ports 80 and 443; the whole internet for a public status site and ping intake."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "domain_name" {
  description = "Host name served, e.g. upwatch.example.com; the certificate is issued for it."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of domain_name: when given, the certificate is validated and an alias record created there. null: validate and point DNS yourself."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "Existing ACM certificate for domain_name; null requests a new one (DNS-validated)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be null or the ARN of an ACM certificate."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3 and 1.2 with forward secrecy only)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = contains(["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06"], var.ssl_policy)
    error_message = "ssl_policy must be one of the TLS 1.3 policies (ELBSecurityPolicy-TLS13-1-2-2021-06 or stricter)."
  }
}

variable "target_port" {
  description = "Port the api containers listen on."
  type        = number
  default     = 8000
}

variable "health_check_path" {
  description = "Liveness path the target group checks. Not readiness: a database outage must not make ECS replace every task and stop ping intake."
  type        = string
  default     = "/health"
}

variable "deregistration_delay" {
  description = "Seconds a draining target keeps finishing its requests."
  type        = number
  default     = 30
}

variable "idle_timeout" {
  description = "Seconds an idle connection stays open."
  type        = number
  default     = 60
}

variable "blocked_paths" {
  description = "Paths answered with 404 at the load balancer (not for the internet, e.g. Prometheus metrics)."
  type        = list(string)
  default     = ["/metrics", "/metrics/*"]

  validation {
    condition     = length(var.blocked_paths) <= 5
    error_message = "A listener rule takes at most 5 path patterns."
  }
}

variable "enable_deletion_protection" {
  description = "Refuse to delete the load balancer."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket for access logs (SSE-S3, with a policy admitting ELB log delivery)."
  type        = string
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in that bucket."
  type        = string
  default     = "logs/alb"
}

variable "associate_web_acl" {
  description = "Associate web_acl_arn with the load balancer (a flag, so that the count is known before the ACL exists)."
  type        = bool
  default     = false
}

variable "web_acl_arn" {
  description = "WAF web ACL to associate with the load balancer when associate_web_acl is true."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:", var.web_acl_arn))
    error_message = "web_acl_arn must be the ARN of a WAFv2 web ACL."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
