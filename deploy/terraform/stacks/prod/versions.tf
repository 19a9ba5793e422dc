terraform {
  required_version = ">= 1.10, < 2.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
    }
  }

  # Bucket and region come from -backend-config (see backend.hcl.example and the README);
  # use_lockfile keeps a lock object next to the state: no DynamoDB table needed.
  backend "s3" {
    key          = "upwatch/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
