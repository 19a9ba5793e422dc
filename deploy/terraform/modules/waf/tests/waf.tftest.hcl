mock_provider "aws" {
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/upwatch-test/11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-upwatch-test" }
  }
}

variables {
  name        = "upwatch-test"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  tags        = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "managed_rules_and_rate_limits" {
  command = apply

  assert {
    condition = toset([for r in aws_wafv2_web_acl.this.rule : r.name]) == toset([
      "rate-limit-sensitive-paths", "rate-limit-per-ip",
      "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesCommonRuleSet",
    ])
    error_message = "The managed rule groups and both rate limits."
  }

  assert {
    condition     = one([for r in aws_wafv2_web_acl.this.rule : one(one(r.statement).rate_based_statement).limit if r.name == "rate-limit-sensitive-paths"]) < one([for r in aws_wafv2_web_acl.this.rule : one(one(r.statement).rate_based_statement).limit if r.name == "rate-limit-per-ip"])
    error_message = "Ping intake and login have the tighter limit."
  }

  assert {
    condition     = aws_wafv2_web_acl.this.scope == "REGIONAL" && length(one(aws_wafv2_web_acl.this.default_action).allow) == 1
    error_message = "A regional ACL (load balancer) allowing what no rule blocks."
  }

  assert {
    condition     = contains(aws_wafv2_web_acl_logging_configuration.this.log_destination_configs, aws_cloudwatch_log_group.this.arn) && startswith(aws_cloudwatch_log_group.this.name, "aws-waf-logs-")
    error_message = "The ACL logs into its log group."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The WAF log has retention."
  }

  assert {
    condition     = aws_wafv2_web_acl.this.tags["cost-center"] == "platform"
    error_message = "Tags must reach the ACL."
  }
}

run "refuses_a_tiny_rate_limit" {
  command = plan

  variables {
    rate_limit_per_ip = 5
  }

  expect_failures = [var.rate_limit_per_ip]
}
