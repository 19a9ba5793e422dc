mock_provider "aws" {}

variables {
  name        = "upwatch"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  tags        = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "immutable_scanned_and_pruned" {
  command = apply

  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "A commit SHA tag must never move."
  }

  assert {
    condition     = one(aws_ecr_repository.this.image_scanning_configuration).scan_on_push
    error_message = "Images are scanned on push."
  }

  assert {
    condition     = one(aws_ecr_repository.this.encryption_configuration).encryption_type == "KMS"
    error_message = "Images are encrypted with the key."
  }

  assert {
    condition     = [for r in jsondecode(aws_ecr_lifecycle_policy.this.policy).rules : r.selection.tagStatus] == ["untagged", "any"]
    error_message = "Untagged images expire, and only the newest images are kept."
  }

  assert {
    condition     = aws_ecr_repository.this.tags["cost-center"] == "platform"
    error_message = "Tags must reach the repository."
  }
}

run "keeps_a_rollback_window" {
  command = plan

  variables {
    keep_tagged_images = 2
  }

  expect_failures = [var.keep_tagged_images]
}
