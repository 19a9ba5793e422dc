mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_elb_service_account" {
    defaults = { arn = "arn:aws:iam::156460612806:root" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::upwatch-test-archive", id = "upwatch-test-archive" }
  }
}

variables {
  bucket_name = "upwatch-test-archive"
  tags        = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "private_versioned_encrypted_and_rotated" {
  command = apply

  assert {
    condition = (aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy
    && aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets)
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "The archive must be versioned."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The archive must be encrypted at rest."
  }

  assert {
    condition     = alltrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.status == "Enabled"])
    error_message = "Every lifecycle rule must be enabled."
  }

  assert {
    condition     = alltrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule : alltrue([for e in r.expiration : e.days >= 7])])
    error_message = "Nothing may expire before 7 days."
  }

  assert {
    condition     = output.backups_url == "s3://upwatch-test-archive/backups/"
    error_message = "backups_url is where upwatch backup writes."
  }

  assert {
    condition     = aws_s3_bucket.this.tags["project"] == "upwatch"
    error_message = "Tags must reach the bucket."
  }
}

run "rejects_backups_kept_under_a_week" {
  command = plan

  variables {
    backup_expiration_days = 3
  }

  expect_failures = [var.backup_expiration_days]
}
