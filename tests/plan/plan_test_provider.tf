# Linked into each root the plan tests plan (tests/plan/conftest.py, and tests/conftest.py's
# tf_fixture), in pytest's temporary folders: the module is planned with no backend, no
# credentials and no AWS calls.

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "plan-only"
  secret_key                  = "plan-only"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
