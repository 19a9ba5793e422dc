output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the load balancer (point domain_name here when Route 53 is not used)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the load balancer's DNS name (for alias records)."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer (the api tasks admit it)."
  value       = aws_security_group.this.id
}

output "target_group_arn" {
  description = "ARN of the api target group (available once the HTTPS listener forwards to it, as ECS requires)."
  value       = aws_lb_target_group.this.arn

  depends_on = [aws_lb_listener.https]
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch dimension TargetGroup)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "request_count_resource_label" {
  description = "Resource label for ALBRequestCountPerTarget scaling: <lb arn suffix>/<target group arn suffix>."
  value       = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.this.arn_suffix}"
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "certificate_arn" {
  description = "ARN of the certificate served."
  value       = local.certificate_arn
}

output "certificate_validation_records" {
  description = "DNS records to create by hand when route53_zone_id is null."
  value = local.create_certificate ? [for o in aws_acm_certificate.this[0].domain_validation_options : {
    name  = o.resource_record_name
    type  = o.resource_record_type
    value = o.resource_record_value
  }] : []
}

output "url" {
  description = "Public URL of Upwatch."
  value       = "https://${var.domain_name}"
}
