"""Deployment policies over the parsed Terraform: each returns the problems it finds.

The tests run them on deploy/terraform (which must have none) and on small broken snippets
(on which each must find its problem), so that a policy cannot silently stop checking.
"""

import re
from collections.abc import Iterable

from tests.deploy.tfconfig import Config, blocks_of, module_of, references

SECRET_NAME = re.compile(r"(?i)(password|passwd|secret|token|credential|private_key|api_key)")
SECRET_VALUE = re.compile(r"(?i)(secretsmanager|:ssm:|:password::|password=)")
REQUIRED_TAGS = {"project", "environment", "cost-center"}
# The alarm set, by the suffix of the alarm name (<name>-<suffix>), and what an alarm is repeated
# for: None for one alarm, else the collection it is defined once per element of.
REQUIRED_ALARMS: dict[str, str | None] = {
    "alb-5xx": None,
    "alb-4xx": None,
    "alb-no-healthy-host": None,
    "alb-unhealthy-hosts": None,
    "cpu-high": "var.ecs_services",
    "cpu-peak": "var.ecs_services",
    "memory-high": "var.ecs_services",
    "tasks-missing": "var.ecs_services",
    "dlq-not-empty": "var.queues",
    "oldest-message": "var.queues",
    "aurora-cpu-high": None,
    "aurora-acu-high": None,
}


def _is_true(value: object) -> bool:
    return value is True or value == "true"


def _is_false(value: object) -> bool:
    return value is False or value == "false"


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    return None


def log_groups_without_retention(configs: Iterable[Config]) -> list[str]:
    return [
        f"{r.address} has no retention_in_days"
        for c in configs
        for r in c.resources_of("aws_cloudwatch_log_group")
        if r.body.get("retention_in_days") in (None, 0, "0")
    ]


def plain_http_listeners(config: Config) -> list[str]:
    """An HTTP listener may only redirect to HTTPS; HTTPS listeners need a TLS 1.3 policy."""
    problems = []
    http_listeners = set()
    for r in config.resources_of("aws_lb_listener"):
        protocol = str(r.body.get("protocol", "HTTP")).upper()
        if protocol == "HTTP":
            http_listeners.add(r.name)
            for action in blocks_of(r.body, "default_action"):
                redirects = blocks_of(action, "redirect")
                if action.get("type") != "redirect" or not redirects:
                    problems.append(f"{r.address} serves plain HTTP instead of redirecting")
                elif any(str(d.get("protocol")).upper() != "HTTPS" for d in redirects):
                    problems.append(f"{r.address} redirects somewhere other than HTTPS")
        elif protocol == "HTTPS":
            policy = str(r.body.get("ssl_policy", ""))
            if "TLS13" not in policy and "var.ssl_policy" not in policy:
                problems.append(f"{r.address} has no TLS 1.3 policy")
    for r in config.resources_of("aws_lb_listener_rule"):
        listener = str(r.body.get("listener_arn", ""))
        if any(f"aws_lb_listener.{name}." in listener for name in http_listeners):
            problems.append(f"{r.address} adds a rule to the plain-HTTP listener")
    return problems


def ssl_policy_default(config: Config) -> list[str]:
    default = config.variables.get("ssl_policy", {}).get("default")
    if default != "ELBSecurityPolicy-TLS13-1-2-2021-06":
        return [f"{config.name}: ssl_policy defaults to {default!r}"]
    return []


def _environment_expressions(stack: Config) -> list[tuple[str, object]]:
    """(where, value) of every environment given to a service module, locals resolved."""
    found: list[tuple[str, object]] = []
    for name, call in stack.modules.items():
        if module_of(call) != "service" or "environment" not in call:
            continue
        value = call["environment"]
        found.append((f"module.{name}.environment", value))
        for ref in references(value):
            if ref.startswith("local."):
                local = ref.split(".")[1]
                found.append((f"local.{local}", stack.locals.get(local)))
    return found


def secrets_in_environment(stack: Config) -> list[str]:
    """Plain environment variables of the tasks never hold, name or point at a secret."""
    problems = []
    for where, value in _environment_expressions(stack):
        if isinstance(value, dict):
            names = list(value)
            values = [str(v) for v in value.values()]
        else:
            text = str(value)
            names = re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", text)
            values = [text]
        problems += [f"{where}: {n} looks like a secret" for n in names if SECRET_NAME.search(n)]
        problems += [
            f"{where}: a value points at a secret" for v in values if SECRET_VALUE.search(v)
        ]
    return problems


def task_definition_keeps_secrets_apart(service: Config) -> list[str]:
    """The service module builds `environment` from var.environment, `secrets` from var.secrets."""
    problems = []
    container = str(service.locals.get("container_definition", ""))
    definition = service.locals.get("container_definition")
    if isinstance(definition, dict):
        if "var.secrets" in str(definition.get("environment", "")):
            problems.append("the container's environment is built from var.secrets")
        if "var.secrets" not in str(definition.get("secrets", "")):
            problems.append("the container's secrets do not come from var.secrets")
        if not _is_true(definition.get("readonlyRootFilesystem")):
            problems.append("the root file system is not read-only")
    else:
        problems.append(f"no container_definition local ({container[:40]!r})")
    validations = blocks_of(service.variables.get("environment", {}), "validation")
    if not any("password" in str(v.get("condition", "")) for v in validations):
        problems.append("var.environment does not refuse secret-looking names")
    return problems


def public_ips(configs: Iterable[Config]) -> list[str]:
    """Tasks (services and scheduled tasks) never get a public IP."""
    problems = []
    for c in configs:
        for r in c.resources_of("aws_ecs_service"):
            for net in blocks_of(r.body, "network_configuration") or [{}]:
                if not _is_false(net.get("assign_public_ip", False)):
                    problems.append(f"{r.address} may assign a public IP")
        for r in c.resources_of("aws_scheduler_schedule"):
            for target in blocks_of(r.body, "target"):
                for ecs in blocks_of(target, "ecs_parameters"):
                    for net in blocks_of(ecs, "network_configuration"):
                        if not _is_false(net.get("assign_public_ip", False)):
                            problems.append(f"{r.address} may assign a public IP")
        for name, call in c.modules.items():
            if "assign_public_ip" in call:
                problems.append(f"{c.name}: module.{name} sets assign_public_ip")
    return problems


def queues_without_dlq(configs: Iterable[Config]) -> list[str]:
    """Every SQS queue dead-letters somewhere, unless it is itself a dead-letter queue."""
    problems = []
    for c in configs:
        queues = c.resources_of("aws_sqs_queue")
        targets = " ".join(str(q.body.get("redrive_policy", "")) for q in queues)
        for q in queues:
            is_dlq = f"aws_sqs_queue.{q.name}[" in targets or f"aws_sqs_queue.{q.name}." in targets
            if is_dlq:
                continue
            if "deadLetterTargetArn" not in str(q.body.get("redrive_policy", "")):
                problems.append(f"{q.address} has no dead-letter queue")
    return problems


def alarm_definitions(monitoring: Config) -> dict[str, tuple[str, str | None]]:
    """Alarm definitions in the monitoring module's locals: suffix -> (local, repeated for).

    A local is either a map of definitions (key = name suffix, value with a comparison_operator),
    or a `for` expression over a collection building such a map with keys "${each}-<suffix>".
    """
    found: dict[str, tuple[str, str | None]] = {}
    for local, value in monitoring.locals.items():
        if isinstance(value, dict):
            for key, body in value.items():
                if isinstance(body, dict) and "comparison_operator" in body:
                    found[key] = (local, None)
        elif isinstance(value, str):
            loop = re.search(r"\bfor \w+, \w+ in (var\.\w+)", value)
            for match in re.finditer(r'"\$\{\w+\}-([a-z0-9-]+)" = \{', value):
                found[match.group(1)] = (local, loop.group(1) if loop else None)
    return found


def _locals_reached(config: Config, value: object) -> set[str]:
    """Every local a value refers to, directly or through other locals."""
    seen: set[str] = set()
    pending = [value]
    while pending:
        for ref in references(pending.pop()):
            name = ref.split(".")[1]
            if ref.startswith("local.") and name not in seen:
                seen.add(name)
                pending.append(config.locals.get(name))
    return seen


def alarms(monitoring: Config) -> list[str]:
    """The required alarm set is defined and created, and every alarm notifies the SNS topic on
    alarm and OK."""
    problems = []
    resources = monitoring.resources_of("aws_cloudwatch_metric_alarm")
    created: set[str] = set()
    for r in resources:
        created |= _locals_reached(monitoring, r.body.get("for_each"))
    definitions = alarm_definitions(monitoring)
    for suffix, repeated in sorted(REQUIRED_ALARMS.items()):
        if suffix not in definitions or definitions[suffix][0] not in created:
            problems.append(f"alarm {suffix} is missing")
        elif definitions[suffix][1] != repeated:
            problems.append(f"alarm {suffix} is not defined once per element of {repeated}")
    topic_locals = {
        k for k, v in monitoring.locals.items() if "aws_sns_topic." in str(v) and k != "tags"
    }
    for r in resources:
        for key in ("alarm_actions", "ok_actions"):
            value = str(r.body.get(key, ""))
            wired = "aws_sns_topic." in value or any(f"local.{k}" in value for k in topic_locals)
            if not wired:
                problems.append(f"{r.address} has no {key} to the SNS topic")
    return problems


def stack_watches_everything(stack: Config) -> list[str]:
    """The stack hands every service and every queue to the monitoring module."""
    calls = [c for c in stack.modules.values() if module_of(c) == "monitoring"]
    if len(calls) != 1:
        return [f"{stack.name}: {len(calls)} monitoring modules"]
    call = calls[0]
    problems = []
    services = call.get("ecs_services", {})
    if not isinstance(services, dict) or set(services) != {"api", "scheduler", "worker"}:
        problems.append(f"{stack.name}: monitoring does not watch api, scheduler and worker")
    if "module.queues.queue_names" not in str(call.get("queues", "")):
        problems.append(f"{stack.name}: monitoring does not watch every queue")
    return problems


def untagged_resources(config: Config, taggable: frozenset[str]) -> list[str]:
    """A module's taggable resources all carry var.tags (merged with their own)."""
    return [
        f"{r.address} does not carry var.tags"
        for r in config.resources
        if r.type in taggable and "var.tags" not in str(r.body.get("tags", ""))
    ]


def stack_tags(stack: Config, modules: dict[str, Config]) -> list[str]:
    """Provider default_tags carry project, environment and cost-center; modules get them too."""
    problems = []
    tags = stack.locals.get("tags")
    if not isinstance(tags, dict) or not set(tags) >= REQUIRED_TAGS:
        problems.append(f"{stack.name}: local.tags lacks {sorted(REQUIRED_TAGS)}")
    aws = [body for name, body in stack.providers if name == "aws"]
    if not aws:
        problems.append(f"{stack.name}: no aws provider")
    for body in aws:
        defaults = blocks_of(body, "default_tags")
        if not defaults or "local.tags" not in str(defaults[0].get("tags", "")):
            problems.append(f"{stack.name}: the aws provider has no default_tags = local.tags")
    for name, call in stack.modules.items():
        module = modules.get(module_of(call))
        if module and "tags" in module.variables and "local.tags" not in str(call.get("tags")):
            problems.append(f"{stack.name}: module.{name} is not given local.tags")
    return problems


def wildcard_iam(config: Config) -> list[str]:
    """No policy allows every action on every resource."""
    problems = []
    for d in config.data:
        if d.type != "aws_iam_policy_document":
            continue
        statements = blocks_of(d.body, "statement")
        for dynamic in blocks_of(d.body, "dynamic"):
            for content in dynamic.values():
                statements += blocks_of(content, "content")
        for s in statements:
            if str(s.get("effect", "Allow")) == "Deny":
                continue
            actions = s.get("actions", [])
            resources = s.get("resources", [])
            if {"*", "*:*"} & set(_strings(actions)) and "*" in _strings(resources):
                problems.append(f"{d.address} allows * on *")
    if re.search(r'Action\s*=\s*\[?\s*"\*"', config.text):
        problems.append(f"{config.name}: an inline policy allows the action *")
    for r in config.resources:
        if r.type.endswith("policy_attachment") and "AdministratorAccess" in str(
            r.body.get("policy_arn")
        ):
            problems.append(f"{r.address} attaches AdministratorAccess")
    for name, variable in config.variables.items():
        if "AdministratorAccess" in str(variable.get("default", "")):
            problems.append(f"{config.name}: var.{name} defaults to AdministratorAccess")
    return problems


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def aurora(stack: Config, *, min_instances: int, min_backup_days: int) -> list[str]:
    calls = [c for c in stack.modules.values() if module_of(c) == "database"]
    if len(calls) != 1:
        return [f"{stack.name}: {len(calls)} database modules"]
    call = calls[0]
    problems = []
    instances = _number(call.get("instance_count"))
    if instances is None or instances < min_instances:
        problems.append(
            f"{stack.name}: Aurora has {instances} instances, fewer than {min_instances}"
        )
    backups = _number(call.get("backup_retention_period"))
    if backups is None or backups < min_backup_days:
        problems.append(f"{stack.name}: backups kept {backups} days, under {min_backup_days}")
    if not _is_true(call.get("deletion_protection")):
        problems.append(f"{stack.name}: Aurora deletion protection is off")
    return problems


def aurora_module(database: Config) -> list[str]:
    cluster = database.resource("aws_rds_cluster", "this").body
    problems = []
    if not _is_true(cluster.get("storage_encrypted")) or not cluster.get("kms_key_id"):
        problems.append("Aurora storage is not encrypted with the KMS key")
    if not _is_true(cluster.get("manage_master_user_password")):
        problems.append("the master password is not managed in Secrets Manager")
    if not _is_true(cluster.get("iam_database_authentication_enabled")):
        problems.append("IAM database authentication is off")
    if cluster.get("engine") != "aurora-postgresql" or not blocks_of(
        cluster, "serverlessv2_scaling_configuration"
    ):
        problems.append("not Aurora PostgreSQL Serverless v2")
    for r in database.resources_of("aws_rds_cluster_instance"):
        if not _is_false(r.body.get("publicly_accessible", True)):
            problems.append(f"{r.address} may be public")
        if not _is_true(r.body.get("performance_insights_enabled")):
            problems.append(f"{r.address} has no Performance Insights")
    return problems


def capacity_providers(value: object) -> set[str]:
    return set(re.findall(r"FARGATE(?:_SPOT)?", str(value)))
