mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  # Every mocked queue gets this URL; the first queue by name ("checks") gives the URL prefix.
  mock_resource "aws_sqs_queue" {
    defaults = { url = "https://sqs.eu-west-1.amazonaws.com/123456789012/upwatch-test-checks" }
  }
}

variables {
  name = "upwatch-test"
  tags = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "every_queue_has_an_encrypted_dlq" {
  command = apply

  assert {
    condition     = toset(keys(aws_sqs_queue.this)) == toset(["checks", "pings", "notify", "maintenance"])
    error_message = "The four Celery queues exist by default."
  }

  assert {
    condition     = alltrue([for k, q in aws_sqs_queue.this : jsondecode(q.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq[k].arn])
    error_message = "Every queue dead-letters into its own DLQ."
  }

  assert {
    condition     = alltrue([for q in concat(values(aws_sqs_queue.this), values(aws_sqs_queue.dlq)) : q.sqs_managed_sse_enabled])
    error_message = "Every queue is encrypted."
  }

  assert {
    condition     = aws_sqs_queue.this["checks"].name == "upwatch-test-checks" && aws_sqs_queue.dlq["checks"].name == "upwatch-test-checks-dlq"
    error_message = "Queue names follow <name>-<key>, the Celery prefix convention."
  }

  assert {
    condition     = aws_sqs_queue.this["maintenance"].visibility_timeout_seconds == 3600
    error_message = "Long maintenance tasks get a long visibility timeout."
  }

  assert {
    condition     = aws_sqs_queue.this["pings"].tags["cost-center"] == "platform"
    error_message = "Tags must reach the queues."
  }
}

run "customer_managed_key" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = alltrue([for q in values(aws_sqs_queue.this) : q.kms_master_key_id == var.kms_key_arn])
    error_message = "A given key encrypts the queues."
  }
}

run "rejects_a_too_short_visibility_timeout" {
  command = plan

  variables {
    queues = { checks = { visibility_timeout_seconds = 5 } }
  }

  expect_failures = [var.queues]
}

run "the_app_finds_every_queue_at_its_url" {
  command = apply

  assert {
    condition     = output.queue_url_prefix == "https://sqs.eu-west-1.amazonaws.com/123456789012/"
    error_message = "The URL prefix is a queue's URL without its name."
  }

  assert {
    condition     = "${output.queue_url_prefix}${output.queue_name_prefix}checks" == aws_sqs_queue.this["checks"].url
    error_message = "URL prefix + name prefix + Celery queue name is the queue's URL."
  }
}
