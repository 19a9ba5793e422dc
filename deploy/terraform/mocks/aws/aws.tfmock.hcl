# Mock values of the AWS provider for the stacks' `terraform test` runs: realistic ARNs and IDs
# wherever a module validates them or the provider checks their format.

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_region" {
  defaults = { name = "eu-west-1" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_elb_service_account" {
  defaults = { arn = "arn:aws:iam::156460612806:root" }
}

mock_data "aws_vpc" {
  defaults = { cidr_block = "10.30.0.0/16" }
}

mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}

mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
}

mock_resource "aws_ecs_cluster" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/upwatch" }
}

mock_resource "aws_ecs_task_definition" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/upwatch-jobs:1" }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/upwatch"
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/upwatch"
  }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/upwatch-role" }
}

mock_resource "aws_iam_openid_connect_provider" {
  defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:upwatch/secret-key-AbCdEf" }
}

mock_resource "aws_rds_cluster" {
  defaults = {
    arn                = "arn:aws:rds:eu-west-1:123456789012:cluster:upwatch"
    endpoint           = "upwatch.cluster-abc.eu-west-1.rds.amazonaws.com"
    master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-123456", kms_key_id = "k", secret_status = "active" }]
  }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/upwatch/0123456789abcdef"
    arn_suffix = "app/upwatch/0123456789abcdef"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/upwatch/0123456789abcdef"
    arn_suffix = "targetgroup/upwatch/0123456789abcdef"
  }
}

mock_resource "aws_lb_listener" {
  defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/upwatch/0123456789abcdef/0123456789abcdef" }
}

mock_resource "aws_acm_certificate" {
  defaults = {
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    domain_validation_options = [{
      domain_name           = "upwatch.example.com"
      resource_record_name  = "_x.upwatch.example.com."
      resource_record_type  = "CNAME"
      resource_record_value = "_y.acm-validations.aws."
    }]
  }
}

mock_resource "aws_acm_certificate_validation" {
  defaults = { certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" }
}

mock_resource "aws_wafv2_web_acl" {
  defaults = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/upwatch/11111111-2222-3333-4444-555555555555" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:upwatch" }
}

mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:upwatch-alarms" }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn                         = "arn:aws:s3:::upwatch-bucket"
    id                          = "upwatch-bucket"
    bucket_regional_domain_name = "upwatch-bucket.s3.eu-west-1.amazonaws.com"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:upwatch-queue" }
}

mock_resource "aws_scheduler_schedule_group" {
  defaults = { arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/upwatch-jobs" }
}

mock_resource "aws_cloudfront_distribution" {
  defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/E123456789ABC" }
}
