terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}

# Credentials, region and endpoint come from the environment (AWS_PROFILE, AWS_REGION...).
# `make demo` and the end-to-end tests point AWS_ENDPOINT_URL at LocalStack instead.
provider "aws" {}
