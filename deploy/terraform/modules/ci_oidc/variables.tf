variable "name" {
  description = "Name prefix of the roles, e.g. upwatch-prod. Terraform may manage IAM roles starting with it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter."
  }
}

variable "github_repository" {
  description = "The repository allowed to assume the roles, as owner/name (e.g. example-org/upwatch)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (an account holds one per URL: set false and pass oidc_provider_arn when another stack in the account made it)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]+:oidc-provider/token.actions.githubusercontent.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com provider."
  }
}

variable "release_refs" {
  description = "Git refs whose workflow runs may push images (the release role)."
  type        = list(string)
  default     = ["refs/heads/main"]
}

variable "deploy_environment" {
  description = "GitHub environment (with required reviewers) whose jobs may deploy: the deploy role."
  type        = string
}

variable "terraform_environment" {
  description = "GitHub environment (with required reviewers) whose jobs may apply Terraform: the terraform-apply role."
  type        = string
}

variable "ecr_repository_arn" {
  description = "Repository the release role pushes to."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:", var.ecr_repository_arn))
    error_message = "ecr_repository_arn must be the ARN of an ECR repository."
  }
}

variable "ecs_cluster_arn" {
  description = "Cluster the deploy role rolls out to."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:", var.ecs_cluster_arn))
    error_message = "ecs_cluster_arn must be the ARN of an ECS cluster."
  }
}

variable "ecs_task_role_arns" {
  description = "Task and execution roles of the task definitions the deploy role registers (it may pass these only)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key of the images (pushing layers encrypts with it)."
  type        = string
}

variable "state_bucket_name" {
  description = "S3 bucket of the Terraform state (the plan and apply roles read it and write its lock files)."
  type        = string
}

variable "state_key_prefix" {
  description = "Key prefix of this stack's state in the bucket, e.g. upwatch/prod/."
  type        = string
}

variable "terraform_apply_policy_arns" {
  description = "Managed policies of the terraform-apply role besides its scoped IAM permissions. PowerUserAccess covers every non-IAM resource of the stack; narrow it if your account is shared."
  type        = list(string)
  default     = ["arn:aws:iam::aws:policy/PowerUserAccess"]

  validation {
    condition     = !contains(var.terraform_apply_policy_arns, "arn:aws:iam::aws:policy/AdministratorAccess")
    error_message = "The apply role must not get AdministratorAccess."
  }
}

variable "max_session_duration" {
  description = "Longest session of the roles, in seconds."
  type        = number
  default     = 3600
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
