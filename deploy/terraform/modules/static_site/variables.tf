variable "name" {
  description = "Name of the site's resources, e.g. upwatch-prod-status."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}$", var.name))
    error_message = "name must be lowercase letters, digits or '-', starting with a letter."
  }
}

variable "bucket_name" {
  description = "Globally unique name of the bucket holding the published status pages."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "aliases" {
  description = "Host names served besides the CloudFront domain, e.g. [\"status.example.com\"] (requires acm_certificate_arn)."
  type        = list(string)
  default     = []
}

variable "acm_certificate_arn" {
  description = "Certificate for the aliases, issued in us-east-1 (a CloudFront requirement); null serves the cloudfront.net name only."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate in us-east-1."
  }
}

variable "web_acl_id" {
  description = "ARN of a CLOUDFRONT-scope WAF web ACL (created in us-east-1); null for none."
  type        = string
  default     = null
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe) is the cheapest."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "default_ttl" {
  description = "Seconds CloudFront caches a page when the object sets no Cache-Control (status pages change often)."
  type        = number
  default     = 60
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it holds pages."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of this module."
  type        = map(string)
  default     = {}
}
