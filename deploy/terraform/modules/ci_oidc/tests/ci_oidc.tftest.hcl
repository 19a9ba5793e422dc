mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/upwatch-test-github" }
  }
}

variables {
  name                  = "upwatch-test"
  github_repository     = "example-org/upwatch"
  deploy_environment    = "test"
  terraform_environment = "test-infra"
  ecr_repository_arn    = "arn:aws:ecr:eu-west-1:123456789012:repository/upwatch"
  ecs_cluster_arn       = "arn:aws:ecs:eu-west-1:123456789012:cluster/upwatch-test"
  ecs_task_role_arns    = ["arn:aws:iam::123456789012:role/upwatch-test-api-task", "arn:aws:iam::123456789012:role/upwatch-test-api-execution"]
  kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  state_bucket_name     = "example-terraform-state"
  state_key_prefix      = "upwatch/test/"
  tags                  = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "roles_trust_this_repository_only" {
  command = apply

  assert {
    condition     = toset(keys(aws_iam_role.this)) == toset(["release", "deploy", "terraform-plan", "terraform-apply"])
    error_message = "Four roles: release, deploy, terraform plan and apply."
  }

  assert {
    condition = alltrue(flatten([for d in data.aws_iam_policy_document.trust : [for s in d.statement : [
      for c in s.condition : alltrue([for v in c.values : startswith(v, "repo:example-org/upwatch:")]) if c.variable == "token.actions.githubusercontent.com:sub"
    ]]]))
    error_message = "Every trust policy names this repository in the sub claim."
  }

  assert {
    condition     = flatten([for c in one(data.aws_iam_policy_document.trust["deploy"].statement).condition : tolist(c.values) if c.variable == "token.actions.githubusercontent.com:sub"]) == ["repo:example-org/upwatch:environment:test"]
    error_message = "Only jobs of the protected environment may deploy."
  }

  assert {
    condition     = flatten([for c in one(data.aws_iam_policy_document.trust["release"].statement).condition : tolist(c.values) if c.variable == "token.actions.githubusercontent.com:sub"]) == ["repo:example-org/upwatch:ref:refs/heads/main"]
    error_message = "Only main may push images."
  }

  assert {
    condition = alltrue(flatten([for d in [data.aws_iam_policy_document.release, data.aws_iam_policy_document.deploy, data.aws_iam_policy_document.apply_iam, data.aws_iam_policy_document.state] : [
      for s in d.statement : !(contains(s.actions, "*") && contains(s.resources, "*"))
    ]]))
    error_message = "No policy allows * on *."
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.this) == 1 && aws_iam_openid_connect_provider.this[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The GitHub provider is created for STS."
  }

  assert {
    condition     = aws_iam_role.this["deploy"].tags["cost-center"] == "platform"
    error_message = "Tags must reach the roles."
  }
}

run "shared_account_reuses_the_provider" {
  command = apply

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.this) == 0 && output.oidc_provider_arn == var.oidc_provider_arn
    error_message = "An existing provider is used."
  }
}

run "refuses_administrator_access" {
  command = plan

  variables {
    terraform_apply_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
  }

  expect_failures = [var.terraform_apply_policy_arns]
}
