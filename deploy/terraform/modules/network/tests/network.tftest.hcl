mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc/upwatch-test/flow-logs" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/upwatch-test-vpc-flow-logs" }
  }
}

variables {
  name               = "upwatch-test"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  tags               = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "highly_available_by_default" {
  command = apply

  assert {
    condition     = length(aws_subnet.public) == 3 && length(aws_subnet.private) == 3
    error_message = "One public and one private subnet per availability zone."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3
    error_message = "Without single_nat_gateway every zone has its own NAT gateway."
  }

  assert {
    condition     = toset(aws_subnet.private[*].availability_zone) == toset(var.availability_zones)
    error_message = "Private subnets must cover every availability zone."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : !s.map_public_ip_on_launch])
    error_message = "Public subnets must not hand out public IPs."
  }

  assert {
    condition     = aws_subnet.public[0].cidr_block == "10.20.0.0/24" && aws_subnet.private[0].cidr_block == "10.20.16.0/20"
    error_message = "Subnet ranges follow the documented layout."
  }

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs.retention_in_days == 30
    error_message = "The VPC logs all flows into a log group with retention."
  }

  assert {
    condition     = aws_vpc.this.tags["environment"] == "test" && aws_nat_gateway.this[0].tags["cost-center"] == "platform"
    error_message = "Tags must reach the resources."
  }
}

run "single_nat_gateway_for_dev" {
  command = apply

  variables {
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_eip.nat) == 1
    error_message = "single_nat_gateway must create exactly one NAT gateway."
  }

  assert {
    condition     = length(distinct(aws_route.private_nat[*].nat_gateway_id)) == 1 && length(aws_route.private_nat) == 3
    error_message = "Every private subnet routes through the single NAT gateway."
  }
}

run "rejects_one_zone" {
  command = plan

  variables {
    availability_zones = ["eu-west-1a"]
  }

  expect_failures = [var.availability_zones]
}
