#!/usr/bin/env bash
# Roll out one image to one environment (called by .github/workflows/deploy.yml, usable by hand):
#   1. read the environment's rollout settings from SSM (/upwatch-<env>/deploy, written by Terraform);
#   2. register new task definition revisions with the image (everything else as Terraform left it);
#   3. run `upwatch db upgrade` as a one-off task and stop unless it exits 0;
#   4. point api, scheduler and worker at the new revisions and wait until they are stable;
#   5. if they do not become stable, point them back at the revisions they ran before, and fail.
#
# Usage: deploy/scripts/rollout.sh <environment> <image>   e.g. prod 1234.dkr.ecr.eu-west-1.amazonaws.com/upwatch:<sha>
# Needs: aws CLI v2, jq, credentials of the environment's deploy role.
set -euo pipefail

environment=${1:?usage: rollout.sh <environment> <image>}
image=${2:?usage: rollout.sh <environment> <image>}
settings=$(aws ssm get-parameter --name "/upwatch-${environment}/deploy" --query Parameter.Value --output text)

cluster=$(jq -r .cluster <<<"$settings")
container=$(jq -r .container <<<"$settings")
roles=(api scheduler worker)

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# New revision of a family: the latest revision (Terraform's settings) with only the image changed.
register() {
  local family=$1 current
  current=$(aws ecs describe-task-definition --task-definition "$family" --include TAGS --output json)
  jq --arg image "$image" --arg container "$container" '
      .tags as $tags
      | .taskDefinition
      | .containerDefinitions |= map(if .name == $container then .image = $image else . end)
      | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
            .registeredAt, .registeredBy, .deregisteredAt)
      | if ($tags | length) > 0 then .tags = $tags else . end
    ' <<<"$current" >"$RUNNER_TEMP_DIR/$family.json"
  aws ecs register-task-definition --cli-input-json "file://$RUNNER_TEMP_DIR/$family.json" \
    --query taskDefinition.taskDefinitionArn --output text
}

RUNNER_TEMP_DIR=$(mktemp -d)
trap 'rm -rf "$RUNNER_TEMP_DIR"' EXIT

# 1. Remember what runs now (for the rollback), register the new revisions.
declare -A previous next
for role in "${roles[@]}"; do
  service=$(jq -r ".services.${role}.service" <<<"$settings")
  previous[$role]=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
    --query 'services[0].taskDefinition' --output text)
  next[$role]=$(register "$(jq -r ".services.${role}.family" <<<"$settings")")
  log "$role: ${previous[$role]##*/} -> ${next[$role]##*/}"
done
migrate_definition=$(register "$(jq -r .migrate.family <<<"$settings")")

# 2. Migrations, as a one-off task of the new image. The services are untouched if they fail.
network=$(jq -c '{awsvpcConfiguration: {subnets: .migrate.subnets, securityGroups: .migrate.security_groups, assignPublicIp: "DISABLED"}}' <<<"$settings")
overrides=$(jq -c --arg container "$container" '{containerOverrides: [{name: $container, command: .migrate.command}]}' <<<"$settings")
log "running $(jq -r '.migrate.command | join(" ")' <<<"$settings") (${migrate_definition##*/})"
task=$(aws ecs run-task --cluster "$cluster" --task-definition "$migrate_definition" \
  --capacity-provider-strategy capacityProvider=FARGATE,weight=1 \
  --network-configuration "$network" --overrides "$overrides" \
  --started-by "deploy-${GITHUB_RUN_ID:-manual}" --query 'tasks[0].taskArn' --output text)
[[ $task == arn:* ]] || { log "the migration task did not start"; exit 1; }
aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
result=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" --output json)
exit_code=$(jq -r --arg c "$container" '.tasks[0].containers[] | select(.name == $c) | .exitCode // "none"' <<<"$result")
if [[ $exit_code != 0 ]]; then
  log "migration failed: exit code $exit_code ($(jq -r '.tasks[0].stoppedReason' <<<"$result"))"
  log_group=$(aws ecs describe-task-definition --task-definition "$migrate_definition" \
    --query "taskDefinition.containerDefinitions[?name=='$container'].logConfiguration.options.\"awslogs-group\" | [0]" --output text)
  aws logs get-log-events --log-group-name "$log_group" --log-stream-name "$container/$container/${task##*/}" \
    --limit 50 --query 'events[].message' --output text || true
  exit 1
fi
log "migrations applied"

# 3. Roll out, wait, and roll back if the services do not settle.
services=()
for role in "${roles[@]}"; do
  service=$(jq -r ".services.${role}.service" <<<"$settings")
  services+=("$service")
  aws ecs update-service --cluster "$cluster" --service "$service" --task-definition "${next[$role]}" \
    --query 'service.serviceName' --output text >/dev/null
done

# `aws ecs wait services-stable` gives up after 10 minutes: allow three rounds.
wait_stable() {
  local round
  for round in 1 2 3; do
    aws ecs wait services-stable --cluster "$cluster" --services "${services[@]}" && return 0
    log "not stable yet (round $round)"
  done
  return 1
}

log "waiting for ${services[*]} to become stable"
if wait_stable; then
  # The deployment circuit breaker may have rolled a service back by itself: stable, but on the
  # old revision. That is a failed deployment too.
  running=$(aws ecs describe-services --cluster "$cluster" --services "${services[@]}" \
    --query 'services[].taskDefinition' --output text)
  missing=0
  for role in "${roles[@]}"; do
    [[ " $running " == *"${next[$role]}"* ]] || { log "$role runs ${running}, not ${next[$role]##*/}: the circuit breaker rolled it back"; missing=1; }
  done
  if ((missing == 0)); then
    log "deployed $image to $environment"
    exit 0
  fi
fi

log "the services did not become stable: rolling back"
for role in "${roles[@]}"; do
  service=$(jq -r ".services.${role}.service" <<<"$settings")
  aws ecs update-service --cluster "$cluster" --service "$service" --task-definition "${previous[$role]}" \
    --query 'service.serviceName' --output text >/dev/null
done
wait_stable || log "the rollback is not stable either: look at the ECS console"
exit 1
