#!/usr/bin/env bash
# terraform init (no backend) and validate in each folder given: the module and its examples.
# Used by make lint and the pre-commit hook; outside make, providers come from the same CLI config.
set -euo pipefail
export CHECKPOINT_DISABLE=1
if [[ ! -f ${TF_CLI_CONFIG_FILE:-} ]]; then
  export TF_CLI_CONFIG_FILE=$PWD/.local/terraform.rc
  bash scripts/terraformrc.sh "$TF_CLI_CONFIG_FILE" >/dev/null
fi
for dir in "${@:-.}"; do
  echo "==> terraform validate $dir"
  terraform -chdir="$dir" init -backend=false -input=false >/dev/null
  terraform -chdir="$dir" validate -no-color >/dev/null
done
