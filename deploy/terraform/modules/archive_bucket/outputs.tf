output "bucket_id" {
  description = "Name of the archive bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the archive bucket."
  value       = aws_s3_bucket.this.arn
}

output "logs_prefix" {
  description = "Key prefix for access logs (without the trailing '/'), e.g. for the load balancer's access_logs block."
  value       = trimsuffix(var.logs_prefix, "/")
}

output "backups_prefix" {
  description = "Key prefix of database backups (with the trailing '/')."
  value       = var.backups_prefix
}

output "backups_url" {
  description = "Where `upwatch backup --to` writes: s3://<bucket>/<backups prefix>."
  value       = "s3://${aws_s3_bucket.this.id}/${var.backups_prefix}"
}
