"""Terraform AWS provider resources as the CloudFormation resources with the same meaning: the
type, the arguments that rename to a property one for one, and what each attribute a reference
may read (`aws_s3_bucket.x.arn`) is in CloudFormation terms (`Ref` or `Fn::GetAtt`).

Sources: the Terraform AWS provider documentation (registry.terraform.io/providers/hashicorp/aws,
each resource's "Argument Reference" and "Attribute Reference"), and the CloudFormation resource
reference ("Return values" of each type). The arguments that need more than a rename (nested
blocks, JSON documents, resources folded into another) are read by loopcheck.terraform.translate.
"""

from __future__ import annotations

from typing import Dict, Tuple

# What an attribute gives: ("Ref",) or ("GetAtt", attribute).
Attribute = Tuple[str, ...]
REF: Attribute = ("Ref",)


def _getatt(name: str) -> Attribute:
    return ("GetAtt", name)


ARN = _getatt("Arn")

# Terraform resource type -> CloudFormation type.
RESOURCE_TYPES: Dict[str, str] = {
    "aws_s3_bucket": "AWS::S3::Bucket",
    "aws_lambda_function": "AWS::Lambda::Function",
    "aws_lambda_alias": "AWS::Lambda::Alias",
    "aws_lambda_permission": "AWS::Lambda::Permission",
    "aws_lambda_event_source_mapping": "AWS::Lambda::EventSourceMapping",
    "aws_lambda_function_event_invoke_config": "AWS::Lambda::EventInvokeConfig",
    "aws_sqs_queue": "AWS::SQS::Queue",
    "aws_sns_topic": "AWS::SNS::Topic",
    "aws_sns_topic_subscription": "AWS::SNS::Subscription",
    "aws_dynamodb_table": "AWS::DynamoDB::Table",
    "aws_kinesis_stream": "AWS::Kinesis::Stream",
    "aws_cloudwatch_event_bus": "AWS::Events::EventBus",
    "aws_cloudwatch_event_rule": "AWS::Events::Rule",
    "aws_sfn_state_machine": "AWS::StepFunctions::StateMachine",
    "aws_cloudwatch_log_group": "AWS::Logs::LogGroup",
    "aws_cloudwatch_log_subscription_filter": "AWS::Logs::SubscriptionFilter",
    "aws_cloudwatch_metric_alarm": "AWS::CloudWatch::Alarm",
    "aws_iam_role": "AWS::IAM::Role",
    "aws_iam_role_policy": "AWS::IAM::Policy",
    "aws_iam_policy": "AWS::IAM::ManagedPolicy",
}

# Data sources that name an existing event node (a bucket, queue, topic, table or stream made
# elsewhere): a node of the same CloudFormation type, named by the data source's argument.
DATA_NODE_TYPES: Dict[str, str] = {
    "aws_s3_bucket": "AWS::S3::Bucket",
    "aws_sqs_queue": "AWS::SQS::Queue",
    "aws_sns_topic": "AWS::SNS::Topic",
    "aws_dynamodb_table": "AWS::DynamoDB::Table",
    "aws_kinesis_stream": "AWS::Kinesis::Stream",
}

# Arguments that are one CloudFormation property each, as written (a reference in them becomes
# the matching Ref/GetAtt). Data sources of DATA_NODE_TYPES use the same table.
PROPERTIES: Dict[str, Dict[str, str]] = {
    "aws_s3_bucket": {"bucket": "BucketName"},
    "aws_lambda_function": {
        "function_name": "FunctionName", "handler": "Handler", "runtime": "Runtime", "role": "Role",
        "package_type": "PackageType", "layers": "Layers",
    },
    "aws_lambda_alias": {"function_name": "FunctionName", "name": "Name",
                         "function_version": "FunctionVersion"},
    "aws_lambda_permission": {
        "function_name": "FunctionName", "action": "Action", "principal": "Principal",
        "source_arn": "SourceArn", "source_account": "SourceAccount",
    },
    "aws_lambda_event_source_mapping": {
        "function_name": "FunctionName", "event_source_arn": "EventSourceArn", "batch_size": "BatchSize",
        "starting_position": "StartingPosition", "enabled": "Enabled",
    },
    "aws_lambda_function_event_invoke_config": {"function_name": "FunctionName", "qualifier": "Qualifier"},
    "aws_sqs_queue": {"name": "QueueName", "fifo_queue": "FifoQueue"},
    "aws_sns_topic": {"name": "TopicName", "fifo_topic": "FifoTopic"},
    "aws_sns_topic_subscription": {
        "topic_arn": "TopicArn", "protocol": "Protocol", "endpoint": "Endpoint",
        "filter_policy_scope": "FilterPolicyScope", "raw_message_delivery": "RawMessageDelivery",
    },
    "aws_dynamodb_table": {"name": "TableName", "billing_mode": "BillingMode"},
    "aws_kinesis_stream": {"name": "Name"},
    "aws_cloudwatch_event_bus": {"name": "Name"},
    "aws_cloudwatch_event_rule": {
        "name": "Name", "event_bus_name": "EventBusName", "schedule_expression": "ScheduleExpression",
    },
    "aws_sfn_state_machine": {"name": "StateMachineName", "role_arn": "RoleArn", "type": "StateMachineType"},
    "aws_cloudwatch_log_group": {"name": "LogGroupName"},
    "aws_cloudwatch_log_subscription_filter": {
        "name": "FilterName", "log_group_name": "LogGroupName", "destination_arn": "DestinationArn",
        "filter_pattern": "FilterPattern", "role_arn": "RoleArn",
    },
    "aws_cloudwatch_metric_alarm": {
        "alarm_name": "AlarmName", "metric_name": "MetricName", "namespace": "Namespace",
        "threshold": "Threshold", "comparison_operator": "ComparisonOperator",
        "evaluation_periods": "EvaluationPeriods", "statistic": "Statistic", "period": "Period",
    },
    "aws_iam_role": {"name": "RoleName"},
    "aws_iam_role_policy": {"name": "PolicyName"},
    "aws_iam_policy": {"name": "ManagedPolicyName"},
}

# What each attribute of a type gives in CloudFormation terms; an attribute not listed becomes
# `Fn::GetAtt` of its own name (a value loopcheck keeps as a symbol).
ATTRIBUTES: Dict[str, Dict[str, Attribute]] = {
    # Ref of a bucket is its name; GetAtt Arn its ARN.
    "aws_s3_bucket": {"id": REF, "bucket": REF, "arn": ARN,
                      "bucket_domain_name": _getatt("DomainName"),
                      "bucket_regional_domain_name": _getatt("RegionalDomainName")},
    # Ref of a function is its name.
    "aws_lambda_function": {"id": REF, "function_name": REF, "arn": ARN, "qualified_arn": ARN},
    # Ref of an alias is its ARN.
    "aws_lambda_alias": {"id": REF, "arn": REF},
    # Ref of a queue is its URL; the provider's id is the URL too.
    "aws_sqs_queue": {"id": REF, "url": REF, "arn": ARN, "name": _getatt("QueueName")},
    # Ref of a topic is its ARN; the provider's id is the ARN too.
    "aws_sns_topic": {"id": REF, "arn": REF, "name": _getatt("TopicName")},
    "aws_dynamodb_table": {"id": REF, "name": REF, "arn": ARN, "stream_arn": _getatt("StreamArn")},
    # The provider's id of a stream is its ARN.
    "aws_kinesis_stream": {"id": ARN, "name": REF, "arn": ARN},
    "aws_cloudwatch_event_bus": {"id": REF, "name": REF, "arn": ARN},
    "aws_cloudwatch_event_rule": {"id": REF, "name": REF, "arn": ARN},
    # Ref of a state machine is its ARN; the provider's id is the ARN too.
    "aws_sfn_state_machine": {"id": REF, "arn": REF, "name": _getatt("Name")},
    "aws_cloudwatch_log_group": {"id": REF, "name": REF, "arn": ARN},
    "aws_iam_role": {"id": REF, "name": REF, "arn": ARN},
    # Ref of a managed policy is its ARN; the provider's id is the ARN too.
    "aws_iam_policy": {"id": REF, "arn": REF},
}

# Data sources whose attributes are values every template has: CloudFormation's pseudo
# parameters (("Ref", name)) or a literal (("literal", text)).
PSEUDO_DATA: Dict[str, Dict[str, Tuple[str, str]]] = {
    "aws_caller_identity": {"account_id": ("Ref", "AWS::AccountId")},
    "aws_region": {"name": ("Ref", "AWS::Region"), "id": ("Ref", "AWS::Region"),
                   "region": ("Ref", "AWS::Region")},
    "aws_partition": {"partition": ("literal", "aws"), "dns_suffix": ("literal", "amazonaws.com")},
}

# The community Lambda module (registry source `terraform-aws-modules/lambda/aws`, any version):
# its outputs as the resource and attribute of the module each one reads (the module's
# outputs.tf), and the addresses of what it creates (main.tf, iam.tf).
LAMBDA_MODULE_SOURCE = "terraform-aws-modules/lambda/aws"
LAMBDA_MODULE_FUNCTION = "aws_lambda_function.this"
LAMBDA_MODULE_ROLE = "aws_iam_role.lambda"
LAMBDA_MODULE_OUTPUTS: Dict[str, Tuple[str, str]] = {
    "lambda_function_arn": (LAMBDA_MODULE_FUNCTION, "arn"),
    "lambda_function_arn_static": (LAMBDA_MODULE_FUNCTION, "arn"),
    "lambda_function_qualified_arn": (LAMBDA_MODULE_FUNCTION, "qualified_arn"),
    "lambda_function_name": (LAMBDA_MODULE_FUNCTION, "function_name"),
    "lambda_function_invoke_arn": (LAMBDA_MODULE_FUNCTION, "invoke_arn"),
    "lambda_role_arn": (LAMBDA_MODULE_ROLE, "arn"),
    "lambda_role_name": (LAMBDA_MODULE_ROLE, "name"),
}
