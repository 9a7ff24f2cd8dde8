"""loopcheck: finds recursive-invocation loops in AWS SAM and CloudFormation templates."""

__version__ = "0.1.0"
