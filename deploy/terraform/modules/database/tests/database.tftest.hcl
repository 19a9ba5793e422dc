mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_rds_cluster" {
    defaults = {
      arn                = "arn:aws:rds:eu-west-1:123456789012:cluster:upwatch-test"
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-123456", kms_key_id = "k", secret_status = "active" }]
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/upwatch-test-rds-monitoring" }
  }
}

variables {
  name                       = "upwatch-test"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-a", "subnet-b", "subnet-c"]
  availability_zones         = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  allowed_security_group_ids = { api = "sg-api", worker = "sg-worker" }
  kms_key_arn                = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  tags                       = { project = "upwatch", environment = "test", cost-center = "platform" }
}

run "production_defaults" {
  command = apply

  assert {
    condition     = aws_rds_cluster.this.engine == "aurora-postgresql" && one(aws_rds_cluster.this.serverlessv2_scaling_configuration).min_capacity == 0.5
    error_message = "Aurora PostgreSQL Serverless v2."
  }

  assert {
    condition     = length(aws_rds_cluster_instance.this) == 2 && aws_rds_cluster_instance.this[0].availability_zone != aws_rds_cluster_instance.this[1].availability_zone
    error_message = "Writer and reader must be in different zones."
  }

  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.this : i.instance_class == "db.serverless" && !i.publicly_accessible && i.performance_insights_enabled])
    error_message = "Instances are serverless, private and have Performance Insights."
  }

  assert {
    condition = (aws_rds_cluster.this.storage_encrypted && aws_rds_cluster.this.kms_key_id == var.kms_key_arn
      && aws_rds_cluster.this.deletion_protection && aws_rds_cluster.this.backup_retention_period >= 7
    && aws_rds_cluster.this.iam_database_authentication_enabled && aws_rds_cluster.this.manage_master_user_password)
    error_message = "Encrypted with the key, protected, 7-day backups, IAM auth and a managed master password."
  }

  assert {
    condition     = output.master_user_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-123456"
    error_message = "The managed secret's ARN is an output, for the tasks' secrets."
  }

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.this : r.referenced_security_group_id]) == toset(["sg-api", "sg-worker"]) && alltrue([for r in aws_vpc_security_group_ingress_rule.this : r.from_port == 5432 && r.cidr_ipv4 == null])
    error_message = "Only the given security groups may reach PostgreSQL."
  }

  assert {
    condition     = aws_cloudwatch_log_group.postgresql.retention_in_days == 30 && aws_rds_cluster_parameter_group.this.family == "aurora-postgresql16"
    error_message = "The PostgreSQL log group has retention; the parameter group matches the major version."
  }

  assert {
    condition     = aws_rds_cluster.this.tags["environment"] == "test" && aws_rds_cluster_instance.this[1].tags["cost-center"] == "platform"
    error_message = "Tags must reach the cluster and its instances."
  }
}

run "dev_is_one_small_instance" {
  command = apply

  variables {
    instance_count          = 1
    deletion_protection     = false
    skip_final_snapshot     = true
    backup_retention_period = 1
    monitoring_interval     = 0
  }

  assert {
    condition     = length(aws_rds_cluster_instance.this) == 1 && length(aws_iam_role.monitoring) == 0
    error_message = "One instance and no monitoring role."
  }
}

run "rejects_max_below_min" {
  command = plan

  variables {
    min_capacity = 4
    max_capacity = 2
  }

  expect_failures = [var.max_capacity]
}
