output "load_balancer_dns_name" {
  description = "Point your DNS name (CNAME or alias) here."
  value       = aws_lb.main.dns_name
}

output "media_bucket" {
  description = "S3_BUCKET of the app servers."
  value       = aws_s3_bucket.media.bucket
}

output "database_address" {
  description = "RDS endpoint (private)."
  value       = aws_db_instance.main.address
}

output "database_password_parameter" {
  description = "SSM parameter holding the database password."
  value       = aws_ssm_parameter.db_password.name
}

output "autoscaling_group_name" {
  description = "For `aws autoscaling start-instance-refresh` and watching a rollout."
  value       = aws_autoscaling_group.app.name
}

output "target_group_arn" {
  description = "Target group whose health checks gate a deploy."
  value       = aws_lb_target_group.app.arn
}
