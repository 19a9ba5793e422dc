locals {
  sse_sqs = var.kms_key_arn == null

  # Every queue URL is this prefix followed by the queue's name (https://sqs.<region>.<domain>/<account>/).
  first_queue      = keys(aws_sqs_queue.this)[0]
  queue_url_prefix = trimsuffix(aws_sqs_queue.this[local.first_queue].url, aws_sqs_queue.this[local.first_queue].name)
}

resource "aws_sqs_queue" "dlq" {
  for_each = var.queues

  name                              = "${var.name}-${each.key}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : 3600

  tags = merge(var.tags, { Name = "${var.name}-${each.key}-dlq", queue = each.key })
}

resource "aws_sqs_queue" "this" {
  for_each = var.queues

  name                              = "${var.name}-${each.key}"
  visibility_timeout_seconds        = each.value.visibility_timeout_seconds
  message_retention_seconds         = each.value.message_retention_seconds
  receive_wait_time_seconds         = each.value.receive_wait_time_seconds
  sqs_managed_sse_enabled           = local.sse_sqs ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = local.sse_sqs ? null : 3600

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })

  tags = merge(var.tags, { Name = "${var.name}-${each.key}", queue = each.key })
}

# Only the matching queue may dead-letter into a DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = var.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

data "aws_iam_policy_document" "tls_only" {
  for_each = var.queues

  statement {
    sid       = "DenyPlainHTTP"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.this[each.key].arn, aws_sqs_queue.dlq[each.key].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = var.queues

  queue_url = aws_sqs_queue.this[each.key].id
  policy    = data.aws_iam_policy_document.tls_only[each.key].json
}

resource "aws_sqs_queue_policy" "dlq" {
  for_each = var.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  policy    = data.aws_iam_policy_document.tls_only[each.key].json
}
