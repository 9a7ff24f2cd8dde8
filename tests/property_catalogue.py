"""The property catalogue: every template value loopcheck's model, rules and front-ends read,
and one template that sets each of them.

CATALOGUE rows are (resource type, path inside the resource). A path is keys joined by
dots; `[]` stands for every item of a list and `*` for every key of a mapping, so
`Properties.Metrics[].MetricStat.Metric.MetricName` is the metric name of each alarm metric.
The resource type `<template>` holds paths from the template's root (`Globals`).

BASE_TEMPLATE sets every catalogued path to a valid value in a stack that exercises each
reading (buckets, functions, queues, topics, a table, a stream, buses, rules, state
machines, alarms, roles and policies, connectors, CDK notifications), so that a test can
put any other value in its place. tests/test_property_catalogue.py checks that the
catalogue is complete (every key read in the reading modules appears in a row, or in
NOT_PROPERTIES with why) and feeds every row every value shape.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTIONS = (SAM_FUNCTION, LAMBDA_FUNCTION)
TEMPLATE = "<template>"


def _rows(types: Tuple[str, ...], *paths: str) -> List[Tuple[str, str]]:
    return [(rtype, path) for rtype in types for path in paths]


_S3_FILTER = ("Filter", "Filter.S3Key", "Filter.S3Key.Rules", "Filter.S3Key.Rules[]",
              "Filter.S3Key.Rules[].Name", "Filter.S3Key.Rules[].Value")
_CDK_FILTER = ("Filter", "Filter.Key", "Filter.Key.FilterRules", "Filter.Key.FilterRules[]",
               "Filter.Key.FilterRules[].Name", "Filter.Key.FilterRules[].Value")
_FILTER_CRITERIA = ("FilterCriteria", "FilterCriteria.Filters", "FilterCriteria.Filters[]",
                    "FilterCriteria.Filters[].Pattern")
_STATEMENT = ("Statement", "Statement[]", "Statement[].Effect", "Statement[].Action",
              "Statement[].NotAction", "Statement[].Resource", "Statement[].NotResource")
_STATE = ("States", "States.*", "States.*.Type", "States.*.Resource", "States.*.Parameters",
          "States.*.Parameters.QueueUrl")
_DEFINITION = (*_STATE, "States.*.Arguments", "States.*.Parameters.FunctionName",
               "States.*.Parameters.TopicArn", "States.*.Parameters.Entries",
               "States.*.Parameters.Entries[]", "States.*.Parameters.Entries[].EventBusName",
               "States.*.Parameters.Entries[].Source", "States.*.Parameters.Entries[].DetailType",
               "States.*.Arguments.Bucket", "States.*.Parameters.TableName", "States.*.Branches",
               "States.*.Branches[]", "States.*.Branches[].States", "States.*.Iterator",
               "States.*.Iterator.States", "States.*.ItemProcessor", "States.*.ItemProcessor.States")
_DESTINATION = ("Destination", "Destination.Id", "Destination.Type", "Destination.Arn", "Destination[]",
                "Destination[].Id", "Destination[].Type", "Destination[].Arn", "Destination[].Name")


def _under(prefix: str, paths: Tuple[str, ...]) -> Tuple[str, ...]:
    return tuple(f"{prefix}.{path}" if not path.startswith("[]") else f"{prefix}{path}"
                 for path in paths)


CATALOGUE: List[Tuple[str, str]] = [
    # -- the resource itself (every type: the model reads Type, the suppressions Metadata)
    ("*", "Type"),
    ("*", "Properties"),
    ("*", "Metadata"),
    ("*", "Metadata.cfn-lint"),
    ("*", "Metadata.cfn-lint.config"),
    ("*", "Metadata.cfn-lint.config.ignore_checks"),
    ("*", "Metadata.cfn-lint.config.ignore_checks[]"),
    ("*", "Metadata.loopcheck"),
    ("*", "Metadata.loopcheck.ignore"),
    ("*", "Metadata.loopcheck.ignore[]"),
    ("*", "Metadata.loopcheck.ignore[].rule"),
    ("*", "Metadata.loopcheck.ignore[].reason"),
    (LAMBDA_FUNCTION, "Metadata.aws:asset:path"),
    # -- SAM Globals, merged into each AWS::Serverless::Function
    (TEMPLATE, "Globals"),
    (TEMPLATE, "Globals.Function"),
    (TEMPLATE, "Globals.Function.Environment"),
    (TEMPLATE, "Globals.Function.Environment.Variables"),
    # -- functions: code, runtime controls, permissions
    *_rows(FUNCTIONS, "Properties.FunctionName", "Properties.Runtime", "Properties.Handler",
           "Properties.PackageType", "Properties.RecursiveLoop", "Properties.ReservedConcurrentExecutions",
           "Properties.Role", "Properties.Environment", "Properties.Environment.Variables",
           "Properties.Environment.Variables.*"),
    (LAMBDA_FUNCTION, "Properties.DeadLetterConfig"),
    (LAMBDA_FUNCTION, "Properties.DeadLetterConfig.TargetArn"),
    (LAMBDA_FUNCTION, "Properties.Code"),
    (LAMBDA_FUNCTION, "Properties.Code.ZipFile"),
    (SAM_FUNCTION, "Properties.InlineCode"),
    (SAM_FUNCTION, "Properties.CodeUri"),
    (SAM_FUNCTION, "Properties.ImageUri"),
    (SAM_FUNCTION, "Properties.Policies"),
    (SAM_FUNCTION, "Properties.Policies[]"),
    (SAM_FUNCTION, "Properties.Policies[].Statement"),
    (SAM_FUNCTION, "Properties.Policies[].S3CrudPolicy"),
    (SAM_FUNCTION, "Properties.Policies[].S3CrudPolicy.BucketName"),
    (SAM_FUNCTION, "Properties.Policies[].SQSSendMessagePolicy"),
    *_rows((SAM_FUNCTION,), *_under("Properties.Policies[]", _STATEMENT)),
    # -- SAM function events (S3, SQS, SNS, DynamoDB, Kinesis, EventBridge)
    (SAM_FUNCTION, "Properties.Events"),
    (SAM_FUNCTION, "Properties.Events.*"),
    (SAM_FUNCTION, "Properties.Events.*.Type"),
    (SAM_FUNCTION, "Properties.Events.*.Properties"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.Bucket"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.Events"),
    *_rows((SAM_FUNCTION,), *_under("Properties.Events.*.Properties", _S3_FILTER)),
    (SAM_FUNCTION, "Properties.Events.*.Properties.Queue"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.Topic"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.FilterPolicy"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.FilterPolicyScope"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.Stream"),
    *_rows((SAM_FUNCTION,), *_under("Properties.Events.*.Properties", _FILTER_CRITERIA)),
    (SAM_FUNCTION, "Properties.Events.*.Properties.Pattern"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.EventBusName"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.LogGroupName"),
    (SAM_FUNCTION, "Properties.Events.*.Properties.FilterPattern"),
    # -- CloudWatch Logs: a function's own log group, and subscription filters (loopcheck.services.logs)
    *_rows(FUNCTIONS, "Properties.LoggingConfig", "Properties.LoggingConfig.LogGroup"),
    # -- a package known exactly (the Terraform translator's Metadata), unless a layer may add to it
    *_rows(FUNCTIONS, "Properties.Layers", "Metadata.loopcheck:package"),
    ("AWS::Logs::LogGroup", "Properties.LogGroupName"),
    *_rows(("AWS::Logs::SubscriptionFilter",), "Properties.LogGroupName", "Properties.FilterPattern",
           "Properties.DestinationArn"),
    # -- SAM function destinations, dead-letter queue, embedded connectors
    (SAM_FUNCTION, "Properties.EventInvokeConfig"),
    (SAM_FUNCTION, "Properties.EventInvokeConfig.DestinationConfig"),
    (SAM_FUNCTION, "Properties.EventInvokeConfig.DestinationConfig.OnSuccess"),
    (SAM_FUNCTION, "Properties.EventInvokeConfig.DestinationConfig.OnSuccess.Destination"),
    (SAM_FUNCTION, "Properties.EventInvokeConfig.DestinationConfig.OnFailure"),
    (SAM_FUNCTION, "Properties.EventInvokeConfig.DestinationConfig.OnFailure.Destination"),
    (SAM_FUNCTION, "Properties.DeadLetterQueue"),
    (SAM_FUNCTION, "Properties.DeadLetterQueue.TargetArn"),
    (SAM_FUNCTION, "Properties.Connectors"),
    (SAM_FUNCTION, "Properties.Connectors.*"),
    (SAM_FUNCTION, "Properties.Connectors.*.Properties"),
    (SAM_FUNCTION, "Properties.Connectors.*.Properties.Permissions"),
    (SAM_FUNCTION, "Properties.Connectors.*.Properties.Destination"),
    (SAM_FUNCTION, "Properties.Connectors.*.Properties.Destination.Id"),
    # -- versions and aliases (a reference through them names the function)
    ("AWS::Lambda::Alias", "Properties.FunctionName"),
    ("AWS::Lambda::Version", "Properties.FunctionName"),
    # -- IAM
    ("AWS::IAM::Role", "Properties.RoleName"),
    ("AWS::IAM::Role", "Properties.Policies"),
    ("AWS::IAM::Role", "Properties.Policies[]"),
    ("AWS::IAM::Role", "Properties.Policies[].PolicyName"),
    ("AWS::IAM::Role", "Properties.Policies[].PolicyDocument"),
    *_rows(("AWS::IAM::Role",), *_under("Properties.Policies[].PolicyDocument", _STATEMENT)),
    ("AWS::IAM::Role", "Properties.ManagedPolicyArns"),
    ("AWS::IAM::Role", "Properties.ManagedPolicyArns[]"),
    *_rows(("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"), "Properties.Roles", "Properties.Roles[]",
           "Properties.PolicyDocument", *_under("Properties.PolicyDocument", _STATEMENT)),
    # -- S3 buckets: name and notifications (to functions, topics, queues, EventBridge)
    ("AWS::S3::Bucket", "Properties.BucketName"),
    ("AWS::S3::Bucket", "Properties.NotificationConfiguration"),
    *[("AWS::S3::Bucket", f"Properties.NotificationConfiguration.{kind}Configurations{tail}")
      for kind, arn in (("Lambda", "Function"), ("Topic", "Topic"), ("Queue", "Queue"))
      for tail in ("", "[]", "[].Event", f"[].{arn}", *_under("[]", _S3_FILTER))],
    ("AWS::S3::Bucket", "Properties.NotificationConfiguration.EventBridgeConfiguration"),
    ("AWS::S3::Bucket", "Properties.NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"),
    # -- CDK's bucket notifications custom resource
    ("Custom::S3BucketNotifications", "Properties.BucketName"),
    ("Custom::S3BucketNotifications", "Properties.NotificationConfiguration"),
    *[("Custom::S3BucketNotifications", f"Properties.NotificationConfiguration.{kind}Configurations{tail}")
      for kind, arn in (("LambdaFunction", "LambdaFunctionArn"), ("Topic", "TopicArn"), ("Queue", "QueueArn"))
      for tail in ("", "[]", "[].Events", f"[].{arn}", *_under("[]", _CDK_FILTER))],
    ("Custom::S3BucketNotifications", "Properties.NotificationConfiguration.EventBridgeConfiguration"),
    # -- queues, topics, subscriptions, tables, streams, buses, rules
    ("AWS::SQS::Queue", "Properties.QueueName"),
    ("AWS::SQS::Queue", "Properties.RedrivePolicy"),
    ("AWS::SQS::Queue", "Properties.RedrivePolicy.deadLetterTargetArn"),
    ("AWS::SNS::Topic", "Properties.TopicName"),
    ("AWS::SNS::Topic", "Properties.Subscription"),
    ("AWS::SNS::Topic", "Properties.Subscription[]"),
    ("AWS::SNS::Topic", "Properties.Subscription[].Protocol"),
    ("AWS::SNS::Topic", "Properties.Subscription[].Endpoint"),
    ("AWS::SNS::Subscription", "Properties.Protocol"),
    ("AWS::SNS::Subscription", "Properties.Endpoint"),
    ("AWS::SNS::Subscription", "Properties.TopicArn"),
    ("AWS::SNS::Subscription", "Properties.FilterPolicy"),
    ("AWS::SNS::Subscription", "Properties.FilterPolicyScope"),
    ("AWS::DynamoDB::Table", "Properties.TableName"),
    ("AWS::DynamoDB::Table", "Properties.StreamSpecification"),
    ("AWS::DynamoDB::Table", "Properties.StreamSpecification.StreamViewType"),
    ("AWS::DynamoDB::Table", "Properties.TimeToLiveSpecification"),
    ("AWS::DynamoDB::Table", "Properties.TimeToLiveSpecification.Enabled"),
    ("AWS::DynamoDB::GlobalTable", "Properties.TableName"),
    ("AWS::DynamoDB::GlobalTable", "Properties.StreamSpecification"),
    ("AWS::DynamoDB::GlobalTable", "Properties.StreamSpecification.StreamViewType"),
    ("AWS::DynamoDB::GlobalTable", "Properties.StreamSpecification.StreamEnabled"),  # read, though CFN has none
    ("AWS::Serverless::SimpleTable", "Properties.TableName"),
    ("AWS::Kinesis::Stream", "Properties.Name"),
    ("AWS::Events::EventBus", "Properties.Name"),
    ("AWS::Events::Rule", "Properties.EventPattern"),
    ("AWS::Events::Rule", "Properties.EventPattern.source"),
    ("AWS::Events::Rule", "Properties.EventPattern.detail"),
    ("AWS::Events::Rule", "Properties.EventBusName"),
    ("AWS::Events::Rule", "Properties.Targets"),
    ("AWS::Events::Rule", "Properties.Targets[]"),
    ("AWS::Events::Rule", "Properties.Targets[].Arn"),
    # -- Lambda event source mappings and invoke configurations
    ("AWS::Lambda::EventSourceMapping", "Properties.FunctionName"),
    ("AWS::Lambda::EventSourceMapping", "Properties.EventSourceArn"),
    *_rows(("AWS::Lambda::EventSourceMapping",), *_under("Properties", _FILTER_CRITERIA)),
    ("AWS::Lambda::EventInvokeConfig", "Properties.FunctionName"),
    ("AWS::Lambda::EventInvokeConfig", "Properties.DestinationConfig"),
    ("AWS::Lambda::EventInvokeConfig", "Properties.DestinationConfig.OnSuccess"),
    ("AWS::Lambda::EventInvokeConfig", "Properties.DestinationConfig.OnSuccess.Destination"),
    ("AWS::Lambda::EventInvokeConfig", "Properties.DestinationConfig.OnFailure"),
    ("AWS::Lambda::EventInvokeConfig", "Properties.DestinationConfig.OnFailure.Destination"),
    # -- SAM connectors
    ("AWS::Serverless::Connector", "Properties.Source"),
    ("AWS::Serverless::Connector", "Properties.Source.Id"),
    ("AWS::Serverless::Connector", "Properties.Source.RoleName"),
    ("AWS::Serverless::Connector", "Properties.Source.Arn"),
    ("AWS::Serverless::Connector", "Properties.Permissions"),
    ("AWS::Serverless::Connector", "Properties.Permissions[]"),
    *_rows(("AWS::Serverless::Connector",), *_under("Properties", _DESTINATION)),
    # -- CloudWatch alarms on a function's concurrency or invocations
    ("AWS::CloudWatch::Alarm", "Properties.MetricName"),
    ("AWS::CloudWatch::Alarm", "Properties.Dimensions"),
    ("AWS::CloudWatch::Alarm", "Properties.Dimensions[]"),
    ("AWS::CloudWatch::Alarm", "Properties.Dimensions[].Name"),
    ("AWS::CloudWatch::Alarm", "Properties.Dimensions[].Value"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[]"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat.Metric"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat.Metric.MetricName"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat.Metric.Dimensions"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat.Metric.Dimensions[]"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat.Metric.Dimensions[].Name"),
    ("AWS::CloudWatch::Alarm", "Properties.Metrics[].MetricStat.Metric.Dimensions[].Value"),
    # -- Firehose delivery to S3
    ("AWS::KinesisFirehose::DeliveryStream", "Properties.DeliveryStreamName"),
    *[("AWS::KinesisFirehose::DeliveryStream", f"Properties.{key}{tail}")
      for key in ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration")
      for tail in ("", ".BucketARN", ".Prefix")],
    # -- Step Functions state machines (definitions and their tasks)
    *_rows(("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"),
           "Properties.Definition", "Properties.DefinitionSubstitutions",
           "Properties.DefinitionSubstitutions.*",
           *_under("Properties.Definition", _STATE)),
    *_rows(("AWS::StepFunctions::StateMachine",), *_under("Properties.Definition", _DEFINITION[len(_STATE):])),
    ("AWS::StepFunctions::StateMachine", "Properties.StateMachineName"),
    ("AWS::StepFunctions::StateMachine", "Properties.DefinitionString"),
    ("AWS::Serverless::StateMachine", "Properties.Name"),
    ("AWS::Serverless::StateMachine", "Properties.Events"),
    ("AWS::Serverless::StateMachine", "Properties.Events.*"),
    ("AWS::Serverless::StateMachine", "Properties.Events.*.Type"),
    ("AWS::Serverless::StateMachine", "Properties.Events.*.Properties"),
    ("AWS::Serverless::StateMachine", "Properties.Events.*.Properties.Pattern"),
    ("AWS::Serverless::StateMachine", "Properties.Events.*.Properties.EventBusName"),
    ("AWS::Serverless::StateMachine", "Properties.DefinitionUri"),
    # -- where SAM builds keep the code: images and esbuild
    (SAM_FUNCTION, "Metadata.DockerContext"),
    (SAM_FUNCTION, "Metadata.Dockerfile"),
    (SAM_FUNCTION, "Metadata.BuildMethod"),
    (SAM_FUNCTION, "Metadata.BuildProperties"),
    (SAM_FUNCTION, "Metadata.BuildProperties.EntryPoints"),
    (SAM_FUNCTION, "Metadata.BuildProperties.EntryPoints[]"),
    (SAM_FUNCTION, "Properties.ImageConfig"),
    (SAM_FUNCTION, "Properties.ImageConfig.Command"),
    (SAM_FUNCTION, "Properties.ImageConfig.WorkingDirectory"),
    # -- triggers configured outside the template: a Lambda permission for a service
    ("AWS::Lambda::Permission", "Properties.Principal"),
    ("AWS::Lambda::Permission", "Properties.SourceArn"),
    ("AWS::Lambda::Permission", "Properties.FunctionName"),
    ("AWS::Lambda::Permission", "Properties.Action"),
]

# Keys the reading modules use that are not template properties, and why.
NOT_PROPERTIES: Dict[str, str] = {
    "Resources": "the template section", "Parameters": "the template section, or a nested stack's",
    "Mappings": "the template section", "Conditions": "the template section",
    "Outputs": "the template section", "Export": "an output's export", "Transform": "the template section",
    "Default": "a parameter's default", "Value": "an output's value, a tag's, a filter rule's",
    "Ref": "an intrinsic", "Fn::Sub": "an intrinsic", "Fn::GetAtt": "an intrinsic",
    "Fn::If": "an intrinsic", "Fn::Join": "an intrinsic", "Fn::ImportValue": "an intrinsic",
    "Item": "a code fact's detail", "ItemWhy": "a code fact's detail",
    "MessageAttributes": "a code fact's detail",
    "Tags": "cfn-lint < 1.54's transformed template: SAM's lambda:createdBy tag",
    "Key": "a tag's key", "IgnoreGlobals": "SAM: where cfn-lint reports a Globals property",
    "TemplateURL": "a nested stack (loopcheck.stacks.links/linker, cross-stack scans)",
    "Location": "a SAR application (loopcheck.stacks.links/linker, cross-stack scans)",
    "Name": "an SSM parameter, an export, a bus/stream name (catalogued where read)",
}


BASE_TEMPLATE = r"""
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Param:
    Type: String
    Default: param-default
  Stage:
    Type: String
Conditions:
  IsProd:
    Fn::Equals: [{Ref: Stage}, prod]
Mappings:
  Map:
    Key:
      Value: mapped
Globals:
  Function:
    Environment:
      Variables:
        STAGE: {Ref: Stage}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Metadata:
      cfn-lint:
        config:
          ignore_checks: [W3005]
      loopcheck:
        ignore:
          - rule: IL109
            reason: the alarm is set elsewhere
    Properties:
      BucketName: {"Fn::Sub": "${AWS::StackName}-media"}
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: in/}
                  - {Name: suffix, Value: .jpg}
            Function: {Ref: RawAlias}
        TopicConfigurations:
          - Event: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: topic/}
            Topic: {Ref: Topic}
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {Name: suffix, Value: .json}
            Queue: {"Fn::GetAtt": [Queue, Arn]}
        EventBridgeConfiguration:
          EventBridgeEnabled: true
  SamBucket:
    Type: AWS::S3::Bucket
  CdkBucket:
    Type: AWS::S3::Bucket
  RawFn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: {"Fn::Sub": "${AWS::StackName}-raw"}
      Runtime: python3.12
      Handler: index.handler
      PackageType: Zip
      RecursiveLoop: Terminate
      ReservedConcurrentExecutions: 5
      Role: {"Fn::GetAtt": [Role, Arn]}
      Code:
        ZipFile: |
          import os
          import boto3
          s3 = boto3.client("s3")
          sqs = boto3.client("sqs")
          def handler(event, context):
              for record in event["Records"]:
                  key = record["s3"]["object"]["key"]
                  s3.put_object(Bucket=os.environ["BUCKET"], Key="in/" + key, Body=b"")
                  sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody=key)
      Environment:
        Variables:
          BUCKET: {"Fn::Sub": "${AWS::StackName}-media"}
          QUEUE: {Ref: Queue}
      DeadLetterConfig:
        TargetArn: {"Fn::GetAtt": [Dlq, Arn]}
      LoggingConfig:
        LogGroup: {"Fn::Sub": "/aws/lambda/${AWS::StackName}-raw"}
  RawVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: {Ref: RawFn}
  RawAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: {Ref: RawFn}
      FunctionVersion: {"Fn::GetAtt": [RawVersion, Version]}
      Name: live
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {"Fn::Sub": "${AWS::StackName}-role"}
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: writes
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:PutObject, sqs:SendMessage]
                Resource:
                  - {"Fn::Sub": "arn:aws:s3:::${AWS::StackName}-media/*"}
                  - {"Fn::GetAtt": [Queue, Arn]}
              - Effect: Deny
                NotAction: [s3:GetObject]
                NotResource: arn:aws:s3:::other/*
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - {Ref: ManagedPolicy}
  ManagedPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: managed-writes
      Roles: [{Ref: Role}]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: sns:Publish
            Resource: {Ref: Topic}
          - Effect: Deny
            NotAction: sns:Subscribe
            NotResource: "*"
  Policy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: more-writes
      Roles: [{Ref: Role}]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [dynamodb:PutItem]
            Resource: {"Fn::GetAtt": [Table, Arn]}
          - Effect: Deny
            NotAction: dynamodb:GetItem
            NotResource: "*"
  SamFn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: {"Fn::Sub": "${AWS::StackName}-sam"}
      Runtime: python3.12
      Handler: index.handler
      PackageType: Zip
      RecursiveLoop: Allow
      ReservedConcurrentExecutions: 2
      InlineCode: |
        import os
        import boto3
        sqs = boto3.client("sqs")
        sns = boto3.client("sns")
        table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
        def handler(event, context):
            sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody="x")
            sns.publish(TopicArn=os.environ["TOPIC"], Message="x")
            table.put_item(Item={"pk": context.aws_request_id})
      Environment:
        Variables:
          QUEUE: {Ref: Queue}
          TOPIC: {Ref: Topic}
          TABLE: {Ref: Table}
      Policies:
        - AWSLambdaBasicExecutionRole
        - S3CrudPolicy:
            BucketName: {Ref: SamBucket}
        - SQSSendMessagePolicy:
            QueueName: {"Fn::GetAtt": [Queue, QueueName]}
        - Statement:
            - Effect: Allow
              Action: [sns:Publish]
              Resource: {Ref: Topic}
            - Effect: Deny
              NotAction: sns:Subscribe
              NotResource: arn:aws:sns:us-east-1:123456789012:other
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: {Ref: SamBucket}
            Events: [s3:ObjectCreated:*]
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: uploads/}
        FromQueue:
          Type: SQS
          Properties:
            Queue: {"Fn::GetAtt": [Queue, Arn]}
            FilterCriteria:
              Filters:
                - Pattern: '{"body": {"kind": ["a"]}}'
        FromTopic:
          Type: SNS
          Properties:
            Topic: {Ref: Topic}
            FilterPolicy: {kind: [a]}
            FilterPolicyScope: MessageAttributes
        FromTable:
          Type: DynamoDB
          Properties:
            Stream: {"Fn::GetAtt": [Table, StreamArn]}
            StartingPosition: LATEST
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName": ["INSERT"]}'
        FromStream:
          Type: Kinesis
          Properties:
            Stream: {"Fn::GetAtt": [Stream, Arn]}
            StartingPosition: LATEST
        FromBus:
          Type: EventBridgeRule
          Properties:
            EventBusName: {Ref: Bus}
            Pattern:
              source: [my.app]
        AppLogLines:
          Type: CloudWatchLogs
          Properties:
            LogGroupName: {Ref: AppLogs}
            FilterPattern: ERROR
      LoggingConfig:
        LogGroup: {Ref: AppLogs}
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess:
            Type: SQS
            Destination: {"Fn::GetAtt": [Queue, Arn]}
          OnFailure:
            Type: SNS
            Destination: {Ref: Topic}
      DeadLetterQueue:
        Type: SQS
        TargetArn: {"Fn::GetAtt": [Dlq, Arn]}
      Connectors:
        ToTable:
          Properties:
            Destination:
              Id: Table
            Permissions: [Read, Write]
  CodeFn:
    Type: AWS::Serverless::Function
    Metadata:
      loopcheck:package: src/missing
    Properties:
      Runtime: python3.12
      CodeUri: src/missing
      Handler: app.handler
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:deps:1]
      Role: {"Fn::If": [IsProd, {"Fn::GetAtt": [Role, Arn]}, {Ref: "AWS::NoValue"}]}
  AssetFn:
    Type: AWS::Lambda::Function
    Metadata:
      aws:asset:path: asset.missing
      loopcheck:package: asset.missing
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:deps:1]
      Role: {"Fn::GetAtt": [Role, Arn]}
      Code:
        S3Bucket: assets
        S3Key: asset.zip
  ImageFn:
    Type: AWS::Serverless::Function
    Metadata:
      DockerContext: ./image-missing
      Dockerfile: Dockerfile
    Properties:
      PackageType: Image
      ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
      ImageConfig:
        Command: [app.handler]
        WorkingDirectory: /var/task
  EsbuildFn:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints: [src/app.ts]
    Properties:
      Runtime: nodejs20.x
      CodeUri: esbuild-missing/
      Handler: app.handler
  BucketPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: {Ref: EsbuildFn}
      Principal: s3.amazonaws.com
      SourceArn: {"Fn::GetAtt": [SamBucket, Arn]}
  FileMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/missing.asl.json
      DefinitionSubstitutions:
        QueueUrl: {Ref: Queue}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: {"Fn::Sub": "${AWS::StackName}-queue"}
      RedrivePolicy:
        deadLetterTargetArn: {"Fn::GetAtt": [Dlq, Arn]}
        maxReceiveCount: 3
  Dlq:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:x", "maxReceiveCount": 3}'
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: {"Fn::Sub": "${AWS::StackName}-topic"}
      Subscription:
        - Protocol: lambda
          Endpoint: {"Fn::GetAtt": [RawFn, Arn]}
        - Protocol: sqs
          Endpoint: {"Fn::GetAtt": [Queue, Arn]}
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: sqs
      Endpoint: {"Fn::GetAtt": [Queue, Arn]}
      TopicArn: {Ref: Topic}
      FilterPolicy: {kind: [b]}
      FilterPolicyScope: MessageBody
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: {"Fn::Sub": "${AWS::StackName}-table"}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
      StreamSpecification:
        StreamViewType: NEW_IMAGE
      TimeToLiveSpecification:
        AttributeName: ttl
        Enabled: true
  GlobalTable:
    Type: AWS::DynamoDB::GlobalTable
    Properties:
      TableName: {"Fn::Sub": "${AWS::StackName}-global"}
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
      StreamSpecification:
        StreamViewType: NEW_IMAGE
        StreamEnabled: true
      Replicas:
        - Region: us-east-1
  SimpleTable:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: {"Fn::Sub": "${AWS::StackName}-simple"}
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: {"Fn::Sub": "${AWS::StackName}-stream"}
      ShardCount: 1
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: {"Fn::Sub": "${AWS::StackName}-bus"}
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: {Ref: Bus}
      EventPattern:
        source: [my.app]
        detail:
          bucket:
            name: [{Ref: Bucket}]
      Targets:
        - Id: fn
          Arn: {"Fn::GetAtt": [RawFn, Arn]}
        - Id: machine
          Arn: {Ref: Machine}
          RoleArn: {"Fn::GetAtt": [Role, Arn]}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: {Ref: RawAlias}
      EventSourceArn: {"Fn::GetAtt": [Queue, Arn]}
      FilterCriteria:
        Filters:
          - Pattern: '{"body": {"kind": ["b"]}}'
  InvokeConfig:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: {Ref: RawFn}
      Qualifier: $LATEST
      DestinationConfig:
        OnSuccess:
          Destination: {"Fn::GetAtt": [Queue, Arn]}
        OnFailure:
          Destination: {Ref: Topic}
  ConnectorById:
    Type: AWS::Serverless::Connector
    Properties:
      Source:
        Id: SamFn
      Destination:
        Id: Queue
      Permissions: [Write]
  ConnectorByRole:
    Type: AWS::Serverless::Connector
    Properties:
      Source:
        Type: AWS::Lambda::Function
        RoleName: {Ref: Role}
      Destination:
        - Type: AWS::S3::Bucket
          Arn: {"Fn::GetAtt": [Bucket, Arn]}
        - Type: AWS::S3::Bucket
          Arn: {"Fn::Sub": "arn:aws:s3:::${AWS::StackName}-media"}
          Name: {"Fn::Sub": "${AWS::StackName}-media"}
        - Id: Table
      Permissions: [Read, Write]
  ConnectorByArn:
    Type: AWS::Serverless::Connector
    Properties:
      Source:
        Type: AWS::Lambda::Function
        Arn: {"Fn::GetAtt": [RawFn, Arn]}
        RoleName: {Ref: Role}
      Destination:
        Type: AWS::SQS::Queue
        Arn: {"Fn::GetAtt": [Queue, Arn]}
      Permissions: [Write]
  ConcurrencyAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: ConcurrentExecutions
      Dimensions:
        - Name: FunctionName
          Value: {Ref: RawFn}
      Statistic: Maximum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 10
      ComparisonOperator: GreaterThanThreshold
  MetricsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - Id: invocations
          MetricStat:
            Metric:
              Namespace: AWS/Lambda
              MetricName: Invocations
              Dimensions:
                - Name: FunctionName
                  Value: {Ref: SamFn}
            Period: 60
            Stat: Sum
      EvaluationPeriods: 1
      Threshold: 100
      ComparisonOperator: GreaterThanThreshold
  Firehose:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      DeliveryStreamName: {"Fn::Sub": "${AWS::StackName}-firehose"}
      ExtendedS3DestinationConfiguration:
        BucketARN: {"Fn::GetAtt": [Bucket, Arn]}
        Prefix: firehose/
        RoleARN: {"Fn::GetAtt": [Role, Arn]}
      S3DestinationConfiguration:
        BucketARN: {"Fn::GetAtt": [SamBucket, Arn]}
        Prefix: firehose/
        RoleARN: {"Fn::GetAtt": [Role, Arn]}
  AppLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: {"Fn::Sub": "/app/${AWS::StackName}"}
  RawLogsFilter:
    Type: AWS::Logs::SubscriptionFilter
    Properties:
      LogGroupName: {"Fn::Sub": "/aws/lambda/${AWS::StackName}-raw"}
      FilterPattern: ""
      DestinationArn: {"Fn::GetAtt": [Stream, Arn]}
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: {"Fn::Sub": "${AWS::StackName}-machine"}
      RoleArn: {"Fn::GetAtt": [Role, Arn]}
      DefinitionSubstitutions:
        FnArn: {"Fn::GetAtt": [RawFn, Arn]}
      Definition:
        StartAt: Invoke
        States:
          Invoke:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: ${FnArn}
            Next: Send
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters:
              QueueUrl: {Ref: Queue}
              MessageBody: x
            Next: Notify
          Notify:
            Type: Task
            Resource: arn:aws:states:::sns:publish
            Parameters:
              TopicArn: {Ref: Topic}
              Message: x
            Next: Put
          Put:
            Type: Task
            Resource: arn:aws:states:::events:putEvents
            Parameters:
              Entries:
                - EventBusName: {Ref: Bus}
                  Source: my.app
                  DetailType: done
            Next: Sdk
          Sdk:
            Type: Task
            Resource: arn:aws:states:::aws-sdk:s3:putObject
            Arguments:
              Bucket: {Ref: Bucket}
              Key: x
            Next: Store
          Store:
            Type: Task
            Resource: arn:aws:states:::dynamodb:putItem
            Parameters:
              TableName: {Ref: Table}
              Item: {pk: {S: x}}
            Next: Fan
          Fan:
            Type: Parallel
            Branches:
              - StartAt: Again
                States:
                  Again:
                    Type: Task
                    Resource: arn:aws:states:::sqs:sendMessage
                    Parameters:
                      QueueUrl: {Ref: Queue}
                      MessageBody: x
                    End: true
            Next: Each
          Each:
            Type: Map
            ItemProcessor:
              StartAt: Again
              States:
                Again:
                  Type: Task
                  Resource: arn:aws:states:::sns:publish
                  Parameters:
                    TopicArn: {Ref: Topic}
                    Message: x
                  End: true
            Next: Old
          Old:
            Type: Map
            Iterator:
              StartAt: Again
              States:
                Again:
                  Type: Task
                  Resource: {"Fn::GetAtt": [RawFn, Arn]}
                  End: true
            Next: Bare
          Bare:
            Type: Task
            Resource: {"Fn::GetAtt": [RawFn, Arn]}
            End: true
  StringMachine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: {"Fn::GetAtt": [Role, Arn]}
      DefinitionString:
        Fn::Sub:
          - '{"StartAt": "Send", "States": {"Send": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "${QueueUrl}", "MessageBody": "x"}, "End": true}}}'
          - QueueUrl: {Ref: Queue}
  JoinMachine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: {"Fn::GetAtt": [Role, Arn]}
      DefinitionString:
        Fn::Join:
          - ""
          - - '{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "'
            - {"Fn::GetAtt": [RawFn, Arn]}
            - '", "End": true}}}'
  SamMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: {"Fn::Sub": "${AWS::StackName}-sam-machine"}
      Role: {"Fn::GetAtt": [Role, Arn]}
      DefinitionSubstitutions:
        QueueUrl: {Ref: Queue}
      Definition:
        StartAt: Send
        States:
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters:
              QueueUrl: ${QueueUrl}
              MessageBody: x
            End: true
      Events:
        FromBus:
          Type: EventBridgeRule
          Properties:
            EventBusName: {Ref: Bus}
            Pattern:
              source: [my.app]
  CdkNotifications:
    Type: Custom::S3BucketNotifications
    Properties:
      ServiceToken: {"Fn::GetAtt": [RawFn, Arn]}
      BucketName: {Ref: CdkBucket}
      NotificationConfiguration:
        LambdaFunctionConfigurations:
          - Events: [s3:ObjectCreated:*]
            Filter:
              Key:
                FilterRules:
                  - {Name: prefix, Value: cdk/}
            LambdaFunctionArn: {"Fn::GetAtt": [RawFn, Arn]}
        TopicConfigurations:
          - Events: [s3:ObjectCreated:*]
            Filter:
              Key:
                FilterRules:
                  - {Name: suffix, Value: .txt}
            TopicArn: {Ref: Topic}
        QueueConfigurations:
          - Events: [s3:ObjectCreated:*]
            Filter:
              Key:
                FilterRules:
                  - {Name: prefix, Value: q/}
            QueueArn: {"Fn::GetAtt": [Queue, Arn]}
        EventBridgeConfiguration: {}
"""
