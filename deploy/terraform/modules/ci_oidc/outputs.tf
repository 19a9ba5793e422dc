output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider."
  value       = local.oidc_provider_arn
}

output "release_role_arn" {
  description = "Role of release.yml (push images); set it as the repository variable AWS_RELEASE_ROLE_ARN_<ENV>."
  value       = aws_iam_role.this["release"].arn
}

output "deploy_role_arn" {
  description = "Role of deploy.yml; set it as the environment variable AWS_DEPLOY_ROLE_ARN."
  value       = aws_iam_role.this["deploy"].arn
}

output "terraform_plan_role_arn" {
  description = "Role of terraform.yml's plan job; set it as the repository variable AWS_PLAN_ROLE_ARN_<ENV>."
  value       = aws_iam_role.this["terraform-plan"].arn
}

output "terraform_apply_role_arn" {
  description = "Role of terraform.yml's apply job; set it as the environment variable AWS_APPLY_ROLE_ARN."
  value       = aws_iam_role.this["terraform-apply"].arn
}
