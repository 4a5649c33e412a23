#!/usr/bin/env bash
# terraform init (no backend) and validate in each folder given: the module and its examples,
# two folders at a time (each is a few seconds of CPU loading the provider's schema).
# Used by make lint and the pre-commit hook; outside make, providers come from the same CLI config.
set -euo pipefail
export CHECKPOINT_DISABLE=1
if [[ ! -f ${TF_CLI_CONFIG_FILE:-} ]]; then
  export TF_CLI_CONFIG_FILE=$PWD/.local/terraform.rc
  bash scripts/terraformrc.sh "$TF_CLI_CONFIG_FILE" >/dev/null
fi
JOBS=${TF_VALIDATE_JOBS:-2}

validate() {
  # One folder; its output only when it fails, so that parallel folders do not interleave.
  local dir=$1 out
  if out=$(terraform -chdir="$dir" init -backend=false -input=false -no-color 2>&1) &&
    out=$(terraform -chdir="$dir" validate -no-color 2>&1); then
    echo "==> terraform validate $dir: valid"
  else
    printf '==> terraform validate %s: FAILED\n%s\n' "$dir" "$out" >&2
    return 1
  fi
}
export -f validate

printf '%s\0' "${@:-.}" | xargs -0 -n 1 -P "$JOBS" bash -c 'validate "$1"' validate ||
  { echo "error: terraform validate failed in the folder(s) above" >&2; exit 1; }
