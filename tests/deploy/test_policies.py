"""Policies of the AWS deployment, checked on deploy/terraform and shown to catch violations."""

import pytest

from tests.deploy import policies
from tests.deploy.tfconfig import (
    Config,
    deployment,
    load,
    modules,
    parse,
    stacks,
    taggable_types,
)

MODULES = modules()
STACKS = stacks()
# What each stack deploys: its call of modules/upwatch expanded with the stack's values.
DEPLOYMENTS = {name: deployment(stack) for name, stack in STACKS.items()}
ALL = {
    **{f"modules/{k}": v for k, v in MODULES.items()},
    **{f"stacks/{k}": v for k, v in STACKS.items()},
}


def test_the_tree_is_there() -> None:
    assert {"network", "database", "queues", "service", "load_balancer", "scheduled_job"} <= set(
        MODULES
    )
    assert {"monitoring", "registry", "static_site", "ci_oidc", "waf", "upwatch"} <= set(MODULES)
    assert set(STACKS) == {"dev", "staging", "prod"}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_stacks_are_thin_wrappers_of_the_upwatch_module(stack: str) -> None:
    assert {name: call["source"] for name, call in STACKS[stack].modules.items()} == {
        "upwatch": "../../modules/upwatch"
    }
    assert STACKS[stack].resources == []
    assert DEPLOYMENTS[stack].modules["database"]["tags"] == "${local.tags}"


################################################################################
# Database
################################################################################


def test_prod_aurora_is_highly_available_and_kept() -> None:
    assert policies.aurora(DEPLOYMENTS["prod"], min_instances=2, min_backup_days=7) == []


def test_staging_aurora_is_protected() -> None:
    assert policies.aurora(DEPLOYMENTS["staging"], min_instances=2, min_backup_days=7) == []


def test_the_database_module_encrypts_and_manages_the_password() -> None:
    assert policies.aurora_module(MODULES["database"]) == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            "instance_count = 1\n backup_retention_period = 7\n deletion_protection = true",
            "fewer than 2",
        ),
        (
            "instance_count = 2\n backup_retention_period = 3\n deletion_protection = true",
            "under 7",
        ),
        (
            "instance_count = 2\n backup_retention_period = 7\n deletion_protection = false",
            "deletion protection",
        ),
        ("instance_count = 2\n backup_retention_period = 7", "deletion protection"),
    ],
)
def test_aurora_policy_catches(args: str, problem: str) -> None:
    stack = parse(f'module "database" {{\n source = "../../modules/database"\n {args}\n}}')
    found = policies.aurora(stack, min_instances=2, min_backup_days=7)
    assert any(problem in p for p in found), found


def test_aurora_module_policy_catches_unencrypted_storage() -> None:
    text = MODULES["database"].texts[MODULES["database"].path / "main.tf"]
    broken = parse(
        text.replace("storage_encrypted                   = true", "storage_encrypted = false")
    )
    assert "Aurora storage is not encrypted with the KMS key" in policies.aurora_module(broken)


################################################################################
# Logs
################################################################################


def test_every_log_group_has_retention() -> None:
    assert policies.log_groups_without_retention(ALL.values()) == []


def test_log_group_policy_catches_missing_retention() -> None:
    config = parse('resource "aws_cloudwatch_log_group" "x" {\n name = "x"\n}')
    assert policies.log_groups_without_retention([config]) == [
        "snippet/main.tf: aws_cloudwatch_log_group.x has no retention_in_days"
    ]


################################################################################
# Load balancer
################################################################################


def test_the_load_balancer_serves_https_only() -> None:
    assert policies.plain_http_listeners(MODULES["load_balancer"]) == []
    assert policies.ssl_policy_default(MODULES["load_balancer"]) == []


@pytest.mark.parametrize(
    "listener",
    [
        """
        resource "aws_lb_listener" "http" {
          port     = 80
          protocol = "HTTP"
          default_action {
            type             = "forward"
            target_group_arn = aws_lb_target_group.this.arn
          }
        }
        """,
        """
        resource "aws_lb_listener" "http" {
          port     = 80
          protocol = "HTTP"
          default_action {
            type = "redirect"
            redirect {
              protocol    = "HTTP"
              port        = "8080"
              status_code = "HTTP_301"
            }
          }
        }
        """,
        """
        resource "aws_lb_listener" "https" {
          port       = 443
          protocol   = "HTTPS"
          ssl_policy = "ELBSecurityPolicy-2016-08"
        }
        """,
    ],
)
def test_listener_policy_catches(listener: str) -> None:
    assert policies.plain_http_listeners(parse(listener)) != []


def test_listener_policy_catches_a_rule_on_the_http_listener() -> None:
    text = MODULES["load_balancer"].texts[MODULES["load_balancer"].path / "main.tf"]
    broken = parse(
        text.replace(
            "listener_arn = aws_lb_listener.https.arn", "listener_arn = aws_lb_listener.http.arn"
        )
    )
    assert any("plain-HTTP listener" in p for p in policies.plain_http_listeners(broken))


################################################################################
# Tasks: secrets and public IPs
################################################################################


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_no_secret_in_a_task_environment(stack: str) -> None:
    assert policies.secrets_in_environment(DEPLOYMENTS[stack]) == []


def test_the_service_module_keeps_secrets_apart() -> None:
    assert policies.task_definition_keeps_secrets_apart(MODULES["service"]) == []


@pytest.mark.parametrize(
    "environment",
    [
        '{ UPWATCH_SECRET_KEY = "hunter2" }',
        "{ UPWATCH_DATABASE_URL = aws_secretsmanager_secret.db.arn }",
        'merge(local.env, { DB_PASSWORD = "x" })',
    ],
)
def test_environment_policy_catches(environment: str) -> None:
    stack = parse(
        'locals {\n env = { A = "b" }\n}\n'
        f'module "api" {{\n source = "../../modules/service"\n environment = {environment}\n}}'
    )
    assert policies.secrets_in_environment(stack) != []


def test_environment_policy_follows_locals() -> None:
    stack = parse(
        'locals {\n env = { UPWATCH_SECRET_KEY = "hunter2" }\n}\n'
        'module "api" {\n source = "../../modules/service"\n environment = merge(local.env, {})\n}'
    )
    assert policies.secrets_in_environment(stack) == [
        "local.env: UPWATCH_SECRET_KEY looks like a secret"
    ]


def test_no_task_gets_a_public_ip() -> None:
    assert policies.public_ips(ALL.values()) == []


@pytest.mark.parametrize(
    "snippet",
    [
        """
        resource "aws_ecs_service" "x" {
          network_configuration {
            subnets          = []
            assign_public_ip = true
          }
        }
        """,
        """
        resource "aws_ecs_service" "x" {
          network_configuration {
            subnets          = []
            assign_public_ip = var.public
          }
        }
        """,
        'module "api" {\n source = "../../modules/service"\n assign_public_ip = true\n}',
    ],
)
def test_public_ip_policy_catches(snippet: str) -> None:
    assert policies.public_ips([parse(snippet)]) != []


################################################################################
# Queues
################################################################################


def test_every_queue_has_a_dead_letter_queue() -> None:
    assert policies.queues_without_dlq(ALL.values()) == []


def test_dlq_policy_catches_a_queue_without_one() -> None:
    text = MODULES["queues"].texts[MODULES["queues"].path / "main.tf"]
    broken = text + '\nresource "aws_sqs_queue" "extra" {\n name = "extra"\n}\n'
    assert policies.queues_without_dlq([parse(broken)]) == [
        "snippet/main.tf: aws_sqs_queue.extra has no dead-letter queue"
    ]


################################################################################
# Alarms
################################################################################


def test_the_alarm_set_is_complete_and_wired() -> None:
    assert policies.alarms(MODULES["monitoring"]) == []


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_stacks_watch_every_service_and_queue(stack: str) -> None:
    assert policies.stack_watches_everything(DEPLOYMENTS[stack]) == []


def _monitoring_with(old: str, new: str) -> Config:
    monitoring = MODULES["monitoring"]
    text = monitoring.texts[monitoring.path / "main.tf"]
    assert old in text
    return parse(text.replace(old, new, 1))


def test_alarm_policy_catches_a_missing_alarm() -> None:
    broken = _monitoring_with('"${role}-cpu-peak" = {', '"${role}-cpu-top" = {')
    assert policies.alarms(broken) == ["alarm cpu-peak is missing"]
    broken = _monitoring_with('"aurora-acu-high" = {', '"aurora-capacity" = {')
    assert policies.alarms(broken) == ["alarm aurora-acu-high is missing"]


def test_alarm_policy_catches_definitions_no_alarm_is_created_from() -> None:
    broken = _monitoring_with("local.queue_alarms, ", "")
    assert policies.alarms(broken) == [
        "alarm dlq-not-empty is missing",
        "alarm oldest-message is missing",
    ]


def test_alarm_policy_catches_a_service_alarm_not_defined_per_service() -> None:
    broken = _monitoring_with(
        "for role, service in var.ecs_services", "for role, service in var.some_services"
    )
    assert "alarm cpu-peak is not defined once per element of var.ecs_services" in (
        policies.alarms(broken)
    )


def test_alarm_policy_catches_an_alarm_without_actions() -> None:
    monitoring = MODULES["monitoring"]
    text = monitoring.texts[monitoring.path / "main.tf"].replace(
        "  ok_actions          = local.actions\n", "", 1
    )
    assert any("no ok_actions" in p for p in policies.alarms(parse(text)))


################################################################################
# Tags
################################################################################


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_resources_carry_the_tags(module: str) -> None:
    assert policies.untagged_resources(MODULES[module], taggable_types()) == []


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_stacks_tag_everything(stack: str) -> None:
    assert policies.stack_tags(STACKS[stack], MODULES) == []
    assert policies.stack_tags(DEPLOYMENTS[stack], MODULES) == []


def test_every_resource_type_is_known_to_the_tag_fixture() -> None:
    """A type missing from the fixture would escape the tag check: regenerate the fixture."""
    used = {r.type for c in ALL.values() for r in c.resources}
    unknown = {t for t in used if not t.startswith("aws_")}
    assert unknown == set()
    assert "aws_lb" in taggable_types()
    assert "aws_route53_record" not in taggable_types()


def test_tag_policy_catches_a_resource_without_tags() -> None:
    config = parse('resource "aws_sqs_queue" "x" {\n name = "x"\n tags = { Name = "x" }\n}')
    assert policies.untagged_resources(config, taggable_types()) == [
        "snippet/main.tf: aws_sqs_queue.x does not carry var.tags"
    ]


def test_stack_tag_policy_catches_missing_default_tags() -> None:
    stack = parse(
        """
        locals {
          tags = { project = "upwatch", environment = "x" }
        }
        provider "aws" {
          region = "eu-west-1"
        }
        """
    )
    found = policies.stack_tags(stack, MODULES)
    assert any("local.tags lacks" in p for p in found)
    assert any("no default_tags" in p for p in found)


################################################################################
# IAM
################################################################################


@pytest.mark.parametrize("where", sorted(ALL))
def test_no_policy_allows_everything(where: str) -> None:
    assert policies.wildcard_iam(ALL[where]) == []


@pytest.mark.parametrize(
    "snippet",
    [
        """
        data "aws_iam_policy_document" "x" {
          statement {
            actions   = ["*"]
            resources = ["*"]
          }
        }
        """,
        """
        resource "aws_iam_policy" "x" {
          policy = jsonencode({
            Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
          })
        }
        """,
        """
        resource "aws_iam_role_policy_attachment" "x" {
          policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
        }
        """,
    ],
)
def test_iam_policy_catches(snippet: str) -> None:
    assert policies.wildcard_iam(parse(snippet)) != []


################################################################################
# Environments
################################################################################


def _module(stack: str, name: str) -> dict[str, object]:
    return DEPLOYMENTS[stack].modules[name]


def test_dev_is_cheap_and_prod_is_highly_available() -> None:
    assert _module("dev", "network")["single_nat_gateway"] is True
    assert _module("dev", "database")["instance_count"] == 1
    assert _module("dev", "database")["min_capacity"] == 0.5
    assert policies.capacity_providers(_module("dev", "worker")["capacity_provider_strategy"]) == {
        "FARGATE_SPOT"
    }
    assert _module("prod", "network")["single_nat_gateway"] is False
    assert _module("prod", "scheduler")["desired_count"] == 2
    assert _module("prod", "scheduler")["min_capacity"] == 2


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_scaling_policies(stack: str) -> None:
    api = _module(stack, "api")
    assert api["autoscaling_cpu_target"] == 80
    assert api["autoscaling_request_count"]["target_per_minute"] == 600  # type: ignore[index]
    worker = _module(stack, "worker")
    assert "FARGATE_SPOT" in policies.capacity_providers(worker["capacity_provider_strategy"])
    assert "queue_names" in worker["autoscaling_sqs_backlog"]  # type: ignore[operator]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_worker_keeps_an_on_demand_base(stack: str) -> None:
    strategy = _module(stack, "worker")["capacity_provider_strategy"]
    assert isinstance(strategy, list)
    assert any(s["capacity_provider"] == "FARGATE" and s.get("base", 0) >= 1 for s in strategy)


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_waf_protects_the_load_balancer(stack: str) -> None:
    lb = _module(stack, "load_balancer")
    assert lb["associate_web_acl"] is True
    assert "module.waf.web_acl_arn" in str(lb["web_acl_arn"])


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_load_balancer_is_deletion_protected(stack: str) -> None:
    assert _module(stack, "load_balancer")["enable_deletion_protection"] is True


def test_stacks_wire_the_same_modules() -> None:
    wiring = {
        name: {m: set(call) for m, call in stack.modules.items()}
        for name, stack in DEPLOYMENTS.items()
    }
    assert set(wiring["dev"]) == set(wiring["staging"]) == set(wiring["prod"])
    assert {"network", "database", "api", "scheduler", "worker", "monitoring"} <= set(
        wiring["prod"]
    )


def test_registry_is_immutable_and_scanned() -> None:
    repo = MODULES["registry"].resource("aws_ecr_repository", "this").body
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"][0]["scan_on_push"] is True


def test_the_loader_reads_a_stack() -> None:
    config: Config = load(STACKS["prod"].path)
    assert config.modules["upwatch"]["environment"] == "prod"
    assert config.locals["tags"]["environment"] == "prod"


def test_a_deployment_resolves_the_stack_values() -> None:
    prod, dev = DEPLOYMENTS["prod"], DEPLOYMENTS["dev"]
    assert prod.modules["database"]["instance_count"] == 2
    assert dev.modules["database"]["instance_count"] == 1
    assert dev.modules["archive"]["force_destroy"] is True
    assert prod.modules["archive"]["force_destroy"] is False  # the variable's default
    assert prod.modules["network"]["cidr_block"] == "${var.vpc_cidr}"  # the stack's variable
    assert prod.locals["environment"] == "prod"
    assert [name for name, _ in prod.providers] == ["aws"]
