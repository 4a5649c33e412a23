# The upgrade test's root module (tests/e2e/test_upgrade.py). The test links ./module-<version> to
# the previous release, taken from git history, and applies; then ./module-checkout to this checkout,
# and applies again: one root module, one state, as a user who changes the ref. The module block is
# module.tf.json, which the test writes for each release (the inputs each release declares).

terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

# Credentials, region and endpoint come from the environment (the test points it at LocalStack).
provider "aws" {}

# Every output of the module, whatever its names in either release.
output "module" {
  description = "All outputs of the insert_trigger module."
  value       = module.insert_trigger
}
