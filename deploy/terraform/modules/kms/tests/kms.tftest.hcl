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
}

variables {
  name = "upwatch-test"
  tags = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "key_rotates_and_lets_logs_and_alarms_use_it" {
  command = apply

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "The key must rotate."
  }

  assert {
    condition     = aws_kms_alias.this.name == "alias/upwatch-test"
    error_message = "The alias must be alias/<name>."
  }

  assert {
    condition = toset([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid]) == toset([
      "AccountAdministersTheKeyThroughIAM",
      "CloudWatchLogsEncryptsThisAccountsLogGroups",
      "CloudWatchAlarmsPublishToEncryptedTopics",
    ])
    error_message = "The key policy must admit the account, CloudWatch Logs and CloudWatch alarms."
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal != "*"])
    error_message = "No statement may grant the key to everyone."
  }

  assert {
    condition     = aws_kms_key.this.tags["cost-center"] == "platform"
    error_message = "The module's tags must reach the key."
  }
}

run "rejects_a_short_deletion_window" {
  command = plan

  variables {
    deletion_window_in_days = 3
  }

  expect_failures = [var.deletion_window_in_days]
}
