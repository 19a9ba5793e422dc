variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "eu-west-1"
}

variable "allowed_account_ids" {
  description = "Accounts this stack may be applied to (guards against the wrong credentials); empty allows any."
  type        = list(string)
  default     = []
}

variable "availability_zones" {
  description = "Three availability zones of the region."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC."
  type        = string
  default     = "10.30.0.0/16"
}

variable "cost_center" {
  description = "Value of the cost-center tag on every resource."
  type        = string
  default     = "upwatch"
}

variable "domain_name" {
  description = "Host name Upwatch is served at, e.g. upwatch.example.com."
  type        = string
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

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows may assume the CI/CD roles."
  type        = string
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
  description = "S3 bucket holding the Terraform state (the CI roles may read and lock this stack's state)."
  type        = string
}

variable "alarm_email_addresses" {
  description = "Addresses that receive the operational alarms."
  type        = list(string)
  default     = []
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
