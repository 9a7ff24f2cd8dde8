"""Each rule's positive and negative case, on small inline templates."""

from __future__ import annotations

import textwrap

HEADER = """\
Transform: AWS::Serverless-2016-10-31
Resources:
"""


def sam(function_props: str, extra: str = "", bucket_props: str = "", event_props: str = "") -> str:
    """A bucket Media triggering function Fn, plus whatever else a test needs."""
    text = HEADER + textwrap.indent(
        textwrap.dedent(
            """\
            Media:
              Type: AWS::S3::Bucket
            """
        )
        + (textwrap.indent(textwrap.dedent(bucket_props), "  ") if bucket_props else "")
        + textwrap.dedent(
            """\
            Fn:
              Type: AWS::Serverless::Function
              Properties:
                Handler: app.handler
                Runtime: python3.12
                CodeUri: src/
                Events:
                  Up:
                    Type: S3
                    Properties:
                      Bucket: !Ref Media
                      Events: s3:ObjectCreated:*
            """
        )
        + textwrap.indent(textwrap.dedent(event_props), " " * 10)
        + textwrap.indent(textwrap.dedent(function_props), "    ")
        + textwrap.dedent(extra),
        "  ",
    )
    return text


CRUD = """\
Policies:
  - S3CrudPolicy:
      BucketName: !Ref Media
"""

PREFIX_UPLOADS = """\
Filter:
  S3Key:
    Rules:
      - Name: prefix
        Value: uploads/
"""


def rules_of(findings):
    return sorted(f.rule for f in findings)


def test_el101_same_bucket_write_is_an_error(findings_of):
    findings = findings_of(sam(CRUD))
    assert rules_of(findings) == ["EL101"]
    finding = findings[0]
    assert finding.severity == "error"
    assert finding.resource == "Fn"
    assert finding.cycle == ["Media", "Fn", "Media"]
    assert finding.path == ["Resources", "Fn"]
    assert (finding.line, finding.column) == (5, 3)
    assert "Media -> Fn -> Media" in finding.message


def test_el101_not_raised_for_a_second_bucket(findings_of):
    props = """\
    Policies:
      - S3CrudPolicy:
          BucketName: !Ref Output
    """
    extra = """\
    Output:
      Type: AWS::S3::Bucket
    """
    assert findings_of(sam(props, extra)) == []


def test_el101_when_the_write_scope_lies_inside_the_filter(findings_of):
    props = """\
    Policies:
      - Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: !Sub "${Media.Arn}/uploads/thumbs/*"
    """
    assert rules_of(findings_of(sam(props, event_props=PREFIX_UPLOADS))) == ["EL101"]


def test_wl102_filter_with_whole_bucket_permission_is_a_warning(findings_of):
    findings = findings_of(sam(CRUD, event_props=PREFIX_UPLOADS))
    assert rules_of(findings) == ["WL102"]
    assert findings[0].severity == "warning"


def test_prefix_guard_with_scoped_permission_is_not_a_loop(findings_of):
    props = """\
    ReservedConcurrentExecutions: 2
    Policies:
      - Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: !Sub "${Media.Arn}/processed/*"
    """
    assert findings_of(sam(props, event_props=PREFIX_UPLOADS)) == []


def test_suffix_guard_with_scoped_permission_is_not_a_loop(findings_of):
    props = """\
    ReservedConcurrentExecutions: 2
    Policies:
      - Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: !Sub "${Media.Arn}/*.webp"
    """
    event = """\
    Filter:
      S3Key:
        Rules:
          - Name: suffix
            Value: .jpg
    """
    assert findings_of(sam(props, event_props=event)) == []


def test_il105_guarded_loop_without_reserved_concurrency(findings_of):
    props = """\
    Policies:
      - Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: !Sub "${Media.Arn}/processed/*"
    """
    findings = findings_of(sam(props, event_props=PREFIX_UPLOADS))
    assert rules_of(findings) == ["IL105"]
    assert findings[0].severity == "info"
    assert any("prefix 'uploads/'" in note for note in findings[0].notes)


def test_wl103_role_from_outside_the_template(findings_of):
    findings = findings_of(sam("Role: arn:aws:iam::123456789012:role/shared\n"))
    assert rules_of(findings) == ["WL103"]
    assert "not defined in this template" in " ".join(findings[0].notes)


def test_wl103_unknown_managed_policy(findings_of):
    findings = findings_of(sam("Policies:\n  - SomeCustomerManagedThing\n"))
    assert rules_of(findings) == ["WL103"]
    assert "not known to loopcheck" in " ".join(findings[0].notes)


def test_known_read_only_managed_policy_is_clean(findings_of):
    assert findings_of(sam("Policies:\n  - AmazonS3ReadOnlyAccess\n  - AWSLambdaBasicExecutionRole\n")) == []


def test_aws_managed_write_policy_is_a_possible_loop(findings_of):
    # AWSLambdaExecute puts objects into arn:aws:s3:::*: broad, and no code was read.
    findings = findings_of(sam("Policies: AWSLambdaExecute\n"))
    assert rules_of(findings) == ["WL110"]


def test_el104_recursive_loop_allow_on_a_looping_function(findings_of):
    findings = findings_of(sam("RecursiveLoop: Allow\n" + CRUD))
    assert rules_of(findings) == ["EL101", "EL104"]
    allow = [f for f in findings if f.rule == "EL104"][0]
    assert allow.path == ["Resources", "Fn", "Properties", "RecursiveLoop"]
    assert any("AWS will not stop" in note for note in allow.notes)


def test_el104_not_raised_without_a_loop(findings_of):
    props = "RecursiveLoop: Allow\nPolicies:\n  - S3ReadPolicy:\n      BucketName: !Ref Media\n"
    assert findings_of(sam(props)) == []


def test_delete_only_writer_does_not_loop_on_created_events(findings_of):
    props = """\
    Policies:
      - Statement:
          - Effect: Allow
            Action: s3:DeleteObject
            Resource: !Sub "${Media.Arn}/*"
    """
    assert findings_of(sam(props)) == []
    removed = sam(props).replace("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
    assert rules_of(findings_of(removed)) == ["WL111"]  # deletes on removals: a cascade that ends


def test_loop_through_two_functions_and_two_buckets(findings_of):
    template = HEADER + textwrap.indent(textwrap.dedent("""\
        A:
          Type: AWS::S3::Bucket
        B:
          Type: AWS::S3::Bucket
        F1:
          Type: AWS::Serverless::Function
          Properties:
            Policies: [{S3WritePolicy: {BucketName: !Ref B}}]
            Events: {E: {Type: S3, Properties: {Bucket: !Ref A, Events: s3:ObjectCreated:*}}}
        F2:
          Type: AWS::Serverless::Function
          Properties:
            Policies: [{S3WritePolicy: {BucketName: !Ref A}}]
            Events: {E: {Type: S3, Properties: {Bucket: !Ref B, Events: s3:ObjectCreated:*}}}
        """), "  ")
    findings = findings_of(template)
    assert [(f.rule, f.cycle) for f in findings] == [("EL101", ["A", "F1", "B", "F2", "A"])]
    broken = template.replace("Policies: [{S3WritePolicy: {BucketName: !Ref A}}]", "Policies: []")
    assert findings_of(broken) == []


def test_raw_cloudformation_role_with_separate_policy_and_deny(findings_of):
    template = textwrap.dedent("""\
        Parameters:
          Name: {Type: String}
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !Ref Name
              NotificationConfiguration:
                LambdaConfigurations:
                  - Event: s3:ObjectCreated:*
                    Function: !GetAtt Fn.Arn
          Role:
            Type: AWS::IAM::Role
          Writes:
            Type: AWS::IAM::Policy
            Properties:
              Roles: [!Ref Role]
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: ["s3:*"]
                    Resource: "*"
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt Role.Arn
        """)
    findings = findings_of(template)
    # s3:* on "*" only reaches the bucket through a wildcard: a possible loop (WL110)
    assert [(f.rule, f.resource, f.cycle) for f in findings] == [("WL110", "Fn", ["Bucket", "Fn", "Bucket"])]
    allow = '- Effect: Allow\n            Action: ["s3:*"]\n            Resource: "*"\n'
    assert allow in template
    deny = '- Effect: Deny\n            Action: s3:Put*\n            Resource: !Sub "arn:aws:s3:::${Name}/*"\n'
    denied = template.replace(allow, allow + "          " + deny)
    assert findings_of(denied) == []


def test_bucket_named_through_fn_if_matches_either_branch(findings_of):
    template = textwrap.dedent("""\
        Conditions:
          Prod: !Equals [!Ref AWS::AccountId, "1"]
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !If [Prod, prod-media, dev-media]
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Policies:
                - S3WritePolicy: {BucketName: dev-media}
              Events: {E: {Type: S3, Properties: {Bucket: !Ref Bucket, Events: s3:ObjectCreated:Put}}}
        """)
    assert rules_of(findings_of(template)) == ["EL101"]
    other = template.replace("BucketName: dev-media}", "BucketName: other-media}")
    assert findings_of(other) == []


def test_cdk_notification_shape(findings_of):
    template = textwrap.dedent("""\
        Resources:
          Bucket: {Type: AWS::S3::Bucket}
          Notify:
            Type: Custom::S3BucketNotifications
            Properties:
              BucketName: !Ref Bucket
              NotificationConfiguration:
                LambdaFunctionConfigurations:
                  - Events: [s3:ObjectCreated:*]
                    LambdaFunctionArn: !GetAtt Fn.Arn
                    Filter: {Key: {FilterRules: [{Name: prefix, Value: in/}]}}
          Role: {Type: AWS::IAM::Role}
          Policy:
            Type: AWS::IAM::Policy
            Properties:
              Roles: [!Ref Role]
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: ["s3:PutObject*"]
                    Resource: !Join ["", [!GetAtt Bucket.Arn, "/out/*"]]
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Role: !GetAtt Role.Arn, ReservedConcurrentExecutions: 1}
        """)
    assert findings_of(template) == []
    unguarded = template.replace('"/out/*"', '"/*"')
    assert rules_of(findings_of(unguarded)) == ["WL102"]


def test_curated_managed_policies_by_name_and_arn(findings_of):
    for policy in ("AmazonS3FullAccess", "AdministratorAccess", "PowerUserAccess",
                   "arn:aws:iam::aws:policy/AWSLambdaExecute",
                   "!Sub arn:${AWS::Partition}:iam::aws:policy/AmazonS3FullAccess"):
        assert rules_of(findings_of(sam(f"Policies:\n  - {policy}\n"))) == ["WL110"], policy
    for policy in ("AWSLambdaBasicExecutionRole", "AWSLambdaKinesisExecutionRole",
                   "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"):
        assert findings_of(sam(f"Policies:\n  - {policy}\n")) == [], policy


def test_invoke_permission_on_every_function_is_not_a_self_invocation_loop(findings_of):
    # AWSLambdaRole grants lambda:InvokeFunction on "*": only code naming a target shows a loop
    assert findings_of(sam("Policies:\n  - AWSLambdaRole\n")) == []
    scoped = "Policies:\n  - LambdaInvokePolicy:\n      FunctionName: !Ref Fn\n"
    assert rules_of(findings_of(sam(scoped))) == ["WL110"]  # named, but still only a grant


def test_resource_type_of_the_wrong_type_is_ignored(findings_of):
    template = sam(CRUD, extra="Odd:\n  Type: {Ref: Something}\n")
    assert rules_of(findings_of(template)) == ["EL101"]
