variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Name of this environment, used in resource names (production, staging)."
  type        = string
  default     = "production"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into two public and two private /20 subnets."
  type        = string
  default     = "10.20.0.0/16"
}

variable "app_version" {
  description = "Release to run: the artefact s3://<artefact_bucket>/memories/<app_version>.tar.gz (bin/app, Public/, Templates/, Migrations/). Changing it starts an instance refresh."
  type        = string
}

variable "artefact_bucket" {
  description = "Existing bucket holding release artefacts (built by CI with `swift build -c release --static-swift-stdlib`)."
  type        = string
}

variable "ami_id" {
  description = "AMI for the app servers; empty picks the latest official Debian 12 (bookworm) amd64 image."
  type        = string
  default     = ""
}

variable "instance_type" {
  description = "Instance type of the app servers (each runs `app serve` and `app worker`)."
  type        = string
  default     = "t3.medium"
}

variable "asg_min_size" {
  description = "Fewest app servers."
  type        = number
  default     = 2
}

variable "asg_max_size" {
  description = "Most app servers; an instance refresh needs room for one more than desired."
  type        = number
  default     = 6
}

variable "asg_desired_capacity" {
  description = "App servers to start with (target tracking on CPU adjusts it)."
  type        = number
  default     = 2
}

variable "worker_concurrency" {
  description = "WORKER_CONCURRENCY on each app server."
  type        = number
  default     = 2
}

variable "shutdown_grace_seconds" {
  description = "SHUTDOWN_GRACE_SECONDS: how long a worker lets running jobs finish on SIGTERM."
  type        = number
  default     = 20
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_allocated_storage" {
  description = "RDS storage in GiB (grows automatically up to ten times this)."
  type        = number
  default     = 50
}

variable "db_multi_az" {
  description = "Run RDS with a synchronous standby in the second AZ."
  type        = bool
  default     = true
}

variable "db_engine_version" {
  description = "PostgreSQL major version on RDS."
  type        = string
  default     = "16"
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener; empty serves plain HTTP on port 80 only (testing)."
  type        = string
  default     = ""
}

variable "s3_public_url" {
  description = "S3_PUBLIC_URL (a CDN in front of the media bucket); empty: media URLs are presigned GETs."
  type        = string
  default     = ""
}
