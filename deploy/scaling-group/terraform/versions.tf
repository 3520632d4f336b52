terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Keep state remote and locked in real use, e.g.:
  # backend "s3" { bucket = "my-terraform-state" key = "memories/terraform.tfstate" region = "eu-west-1" use_lockfile = true }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "memories"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
