mock_provider "aws" {
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.20.0.0/16" }
  }
  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/upwatch-test/0123456789abcdef"
      arn_suffix = "app/upwatch-test/0123456789abcdef"
    }
  }
  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/upwatch-test/0123456789abcdef"
      arn_suffix = "targetgroup/upwatch-test/0123456789abcdef"
    }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/upwatch-test/0123456789abcdef/0123456789abcdef" }
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
}

variables {
  name               = "upwatch-test"
  vpc_id             = "vpc-0123456789abcdef0"
  public_subnet_ids  = ["subnet-a", "subnet-b", "subnet-c"]
  domain_name        = "upwatch.example.com"
  route53_zone_id    = "Z0123456789ABCDEFGHIJ"
  access_logs_bucket = "upwatch-test-archive"
  associate_web_acl  = true
  web_acl_arn        = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/upwatch-test/11111111-2222-3333-4444-555555555555"
  tags               = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "https_only_with_a_redirect" {
  command = apply

  assert {
    condition     = aws_lb_listener.http.protocol == "HTTP" && one(aws_lb_listener.http.default_action).type == "redirect"
    error_message = "Port 80 only redirects."
  }

  assert {
    condition     = one(one(aws_lb_listener.http.default_action).redirect).protocol == "HTTPS"
    error_message = "The redirect goes to HTTPS."
  }

  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    error_message = "HTTPS with the TLS 1.3 policy."
  }

  assert {
    condition     = aws_lb_listener.https.certificate_arn == "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    error_message = "The listener serves the validated certificate."
  }

  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && one(aws_lb.this.access_logs).enabled && aws_lb.this.enable_deletion_protection
    error_message = "Invalid headers dropped, access logs on, deletion protected."
  }

  assert {
    condition     = aws_lb_target_group.this.target_type == "ip" && one(aws_lb_target_group.this.health_check).path == "/health"
    error_message = "Fargate targets, checked on liveness."
  }

  assert {
    condition     = aws_route53_record.this[0].name == "upwatch.example.com" && length(aws_route53_record.validation) == 1
    error_message = "Alias and validation records in the zone."
  }

  assert {
    condition     = aws_wafv2_web_acl_association.this[0].resource_arn == aws_lb.this.arn
    error_message = "The web ACL protects the load balancer."
  }

  assert {
    condition     = contains(one(one(aws_lb_listener_rule.blocked[0].condition).path_pattern).values, "/metrics")
    error_message = "Metrics are not served to the internet."
  }

  assert {
    condition     = output.request_count_resource_label == "app/upwatch-test/0123456789abcdef/targetgroup/upwatch-test/0123456789abcdef"
    error_message = "The resource label for request-count scaling."
  }

  assert {
    condition     = aws_lb.this.tags["cost-center"] == "platform" && aws_lb_target_group.this.tags["project"] == "upwatch"
    error_message = "Tags must reach the load balancer."
  }
}

run "existing_certificate_without_route53" {
  command = apply

  variables {
    route53_zone_id = null
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/99999999-2222-3333-4444-555555555555"
  }

  assert {
    condition     = length(aws_acm_certificate.this) == 0 && length(aws_route53_record.this) == 0
    error_message = "No certificate and no record are created."
  }

  assert {
    condition     = aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "The given certificate is served."
  }
}

run "refuses_an_old_tls_policy" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}
