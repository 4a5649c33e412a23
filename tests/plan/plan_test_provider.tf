# Linked into the module's folder by the plan tests (tests/conftest.py) and removed after them:
# the module itself is planned, with no backend, no credentials and no AWS calls.

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "plan-only"
  secret_key                  = "plan-only"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
