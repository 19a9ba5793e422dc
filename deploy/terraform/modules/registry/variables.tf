variable "name" {
  description = "Name of the repository, e.g. upwatch."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+([._/-][a-z0-9]+)*$", var.name))
    error_message = "name must be a valid ECR repository name."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the images."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key."
  }
}

variable "keep_tagged_images" {
  description = "Newest tagged images kept (the rollback window: a release per commit SHA)."
  type        = number
  default     = 50

  validation {
    condition     = var.keep_tagged_images >= 10
    error_message = "Keep at least 10 images to be able to roll back."
  }
}

variable "untagged_expiration_days" {
  description = "Days an untagged image (a layer of a failed push) is kept."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiration_days >= 1
    error_message = "untagged_expiration_days must be at least 1."
  }
}

variable "force_delete" {
  description = "Allow destroying the repository while it holds images (never in production)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
