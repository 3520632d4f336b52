data "aws_ami" "debian" {
  count       = var.ami_id == "" ? 1 : 0
  most_recent = true
  owners      = ["136693071363"] # Debian

  filter {
    name   = "name"
    values = ["debian-12-amd64-*"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

resource "aws_launch_template" "app" {
  name_prefix            = "${local.name}-app-"
  image_id               = var.ami_id != "" ? var.ami_id : data.aws_ami.debian[0].id
  instance_type          = var.instance_type
  vpc_security_group_ids = [aws_security_group.app.id]
  update_default_version = true

  iam_instance_profile {
    arn = aws_iam_instance_profile.app.arn
  }

  # IMDSv2 only, one hop: the credentials are for this host's processes, not for containers it might run.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 20
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  user_data = base64encode(templatefile("${path.module}/user-data.sh.tftpl", {
    region                 = var.region
    app_version            = var.app_version
    artefact_bucket        = var.artefact_bucket
    bucket                 = aws_s3_bucket.media.bucket
    s3_public_url          = var.s3_public_url
    db_host                = aws_db_instance.main.address
    db_name                = aws_db_instance.main.db_name
    db_user                = aws_db_instance.main.username
    db_password_parameter  = aws_ssm_parameter.db_password.name
    worker_concurrency     = var.worker_concurrency
    shutdown_grace_seconds = var.shutdown_grace_seconds
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${local.name}-app", Version = var.app_version }
  }
}

# A rolling deploy is a change of app_version: it renders new user data, hence a new launch template version,
# and the instance refresh replaces instances one at a time, launching each new one before terminating an old
# one (max_healthy_percentage 200) and waiting for it to pass the /readyz health check (instance_warmup).
resource "aws_autoscaling_group" "app" {
  name_prefix               = "${local.name}-app-"
  vpc_zone_identifier       = aws_subnet.private[*].id
  min_size                  = var.asg_min_size
  max_size                  = var.asg_max_size
  desired_capacity          = var.asg_desired_capacity
  target_group_arns         = [aws_lb_target_group.app.arn]
  health_check_type         = "ELB"
  health_check_grace_period = 180
  default_instance_warmup   = 120

  launch_template {
    id      = aws_launch_template.app.id
    version = aws_launch_template.app.latest_version
  }

  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 100
      max_healthy_percentage = 200
      instance_warmup        = 120
      skip_matching          = true
      auto_rollback          = true
    }
  }

  # Scale-in and refresh terminate instances only after the ALB has drained them (deregistration_delay) and
  # systemd has stopped the units (SIGTERM: serve finishes requests, the worker drains for
  # SHUTDOWN_GRACE_SECONDS and releases the rest).
  termination_policies = ["OldestLaunchTemplate", "OldestInstance"]

  tag {
    key                 = "Name"
    value               = "${local.name}-app"
    propagate_at_launch = true
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_policy" "cpu" {
  name                   = "cpu-target"
  autoscaling_group_name = aws_autoscaling_group.app.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = 60
  }
}
