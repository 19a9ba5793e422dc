mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::upwatch-test-status", id = "upwatch-test-status", bucket_regional_domain_name = "upwatch-test-status.s3.eu-west-1.amazonaws.com" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/E123456789ABC" }
  }
}

variables {
  name        = "upwatch-test-status"
  bucket_name = "upwatch-test-status"
  tags        = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "private_bucket_behind_cloudfront" {
  command = apply

  assert {
    condition     = aws_s3_bucket_public_access_block.this.block_public_policy && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    error_message = "The bucket is not public: CloudFront reads it."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.origin).origin_access_control_id == aws_cloudfront_origin_access_control.this.id
    error_message = "CloudFront uses origin access control."
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.default_cache_behavior).viewer_protocol_policy == "redirect-to-https"
    error_message = "Viewers are redirected to HTTPS."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_root_object == "index.html"
    error_message = "The index is the root object."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.tags["cost-center"] == "platform" && aws_s3_bucket.this.tags["project"] == "upwatch"
    error_message = "Tags must reach the bucket and the distribution."
  }
}

run "custom_domain_uses_modern_tls" {
  command = apply

  variables {
    aliases             = ["status.example.com"]
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = one(aws_cloudfront_distribution.this.viewer_certificate).minimum_protocol_version == "TLSv1.2_2021"
    error_message = "A custom domain gets TLS 1.2 or newer."
  }
}

run "refuses_a_certificate_outside_us_east_1" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
  }

  expect_failures = [var.acm_certificate_arn]
}
