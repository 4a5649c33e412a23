terraform {
  # 1.9 is the first release whose validation blocks may refer to other variables.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The release the tests run against; metrics_config on the mapping needs a late-2024 one.
      version = ">= 5.100"
    }
  }
}
