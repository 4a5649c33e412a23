#!/usr/bin/env bash
# Writes the Terraform CLI config the Makefile points TF_CLI_CONFIG_FILE at.
# On a machine with a provider mirror on disk (offline machines), providers come from it;
# elsewhere the file is empty and Terraform uses the public registry as usual.
set -euo pipefail
out=${1:?usage: terraformrc.sh OUTPUT}
mirror=${TF_PROVIDER_MIRROR:-}
if [[ -z $mirror ]]; then
  for candidate in /opt/tf-plugins /usr/share/terraform/plugins /usr/local/share/terraform/plugins "$HOME/.terraform.d/plugins"; do
    if [[ -d $candidate/registry.terraform.io ]]; then mirror=$candidate; break; fi
  done
fi
mkdir -p "$(dirname "$out")"
if [[ -n $mirror ]]; then
  echo "==> Terraform providers come from the mirror at $mirror"
  printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$mirror" >"$out"
else
  echo "==> No provider mirror found; Terraform uses the public registry"
  : >"$out"
fi
