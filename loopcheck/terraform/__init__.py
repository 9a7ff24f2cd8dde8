"""The Terraform front-end: `.tf` configurations and plan JSON, read into the same
CloudFormation-shaped template the rest of the pipeline reads (loopcheck.terraform.config is
the seam between reading Terraform and translating it)."""
