"""Malformed input, values: YAML alias bombs, intrinsic functions with wrong arguments, and
references that name each other in a ring (see tests/malformed.py for the contract)."""

from __future__ import annotations

import resource
import time
import tracemalloc
from pathlib import Path

import pytest
from malformed import (
    HEADER,
    add_loop,
    assert_loop_found,
    run_cli,
    severity_exit,
    time_limit,
)

# -- alias bombs ---------------------------------------------------------------------------


def laughs(levels: int = 9, width: int = 9, leaf: str = "'arn:aws:s3:::b/*'") -> str:
    """The "billion laughs": `levels` anchors, each a list of `width` aliases of the one
    before (9 x 9: 9**9 = 387,420,489 leaves when expanded)."""
    lines = [f"L0: &l0 [{', '.join([leaf] * width)}]\n"]
    for level in range(1, levels):
        lines.append(f"L{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]\n")
    return "".join(lines)


BOMB_TEMPLATE = """Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: b
    Metadata: {metadata}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables: {variables}
      Policies:
        - Statement:
            - Effect: Allow
              Action: {action}
              Resource: {resource}
      Events:
        E:
          Type: S3
          Properties:
            Bucket: {bucket}
            Events: {events}
"""
BOMB_DEFAULTS = dict(metadata="{}", variables="{}", action="s3:PutObject", resource="'arn:aws:s3:::b/*'",
                     bucket="!Ref B", events="s3:ObjectCreated:*")


def bomb_template(header: str, slot: str, value: str) -> str:
    fields = dict(BOMB_DEFAULTS)
    fields[slot] = value
    return HEADER + header + BOMB_TEMPLATE.format(**fields)


@pytest.mark.parametrize("slot", ["metadata", "action", "resource", "events", "variables", "bucket"])
def test_billion_laughs_is_fast_and_small(slot: str, tmp_path: Path):
    """9 levels x 9 aliases: loopcheck may accept it as data, but must not expand it."""
    target = tmp_path / "laughs.yaml"
    target.write_text(bomb_template(laughs(), slot, "*l8"))
    add_loop(tmp_path / "loop")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with time_limit(10):
            run = run_cli(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert elapsed < 10
    assert peak < 200 * 1024 * 1024, f"peak traced memory {peak / 1e6:.0f} MB"
    assert rss_growth < 400 * 1024, f"max RSS grew by {rss_growth / 1024:.0f} MB"
    assert run.errors_for(target) == [] or "internal error" not in run.errors_for(target)[0]["message"]
    assert_loop_found(run, tmp_path / "loop" / "template.yaml")


def if_bomb(levels: int, leaf: str) -> str:
    """Fn::If nested through aliases: each level doubles the alternatives (2**levels)."""
    lines = [f"I0: &i0 !If [C, {leaf}, {leaf}]\n"]
    for level in range(1, levels):
        lines.append(f"I{level}: &i{level} !If [C, *i{level - 1}, *i{level - 1}]\n")
    return "".join(lines)


@pytest.mark.parametrize("slot, leaf", [("resource", "'arn:aws:s3:::b/*'"), ("bucket", "!Ref B")])
def test_if_alias_bomb_is_bounded(slot: str, leaf: str, tmp_path: Path):
    target = tmp_path / "ifbomb.yaml"
    target.write_text(bomb_template(if_bomb(30, leaf), slot, "*i29"))  # about 1.3 KB
    with time_limit(2):
        run = run_cli(target)
    assert run.document["errors"] == []


def test_sub_of_repeated_if_is_bounded(tmp_path: Path):
    target = tmp_path / "sub.yaml"
    target.write_text(HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                      "      BucketName: !Sub ['" + "${a}" * 40 + "', {a: !If [C, x, y]}]\n")  # 260 bytes
    with time_limit(2):
        run = run_cli(target)
    assert run.document["errors"] == [] and run.code == 0


# -- intrinsic functions used wrongly ------------------------------------------------------

INTRINSIC_TEMPLATE = """Resources:
  MediaBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: {expr}
  ResizeFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      FunctionName: {expr}
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:PutObject
              Resource: [{expr}, 'arn:aws:s3:::media/*']
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: {expr}
            Events: {expr}
            Filter:
              S3Key:
                Rules:
                  - Name: prefix
                    Value: {expr}
  Extra:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: media
"""

BAD_INTRINSICS = [
    "!Sub []", "!Sub [a]", "!Sub [a, b, c]", "!Sub ['${x}', not-a-mapping]", "!Sub {}", "!Sub",
    "!Join [x]", "!Join []", "!Join [-, not-a-list]", "!Join [[a], [b]]", "!Join ['', [a, [nested]]]",
    "!Select [1]", "!Select []", "!Select [a, [x]]", "!Select [-1, [x]]", "!Select [99999999999999999999, [x]]",
    "!If [a]", "!If []", "!If [a, b]", "!If [[c], a, b]", "!If [{a: 1}, a, b]",
    "!FindInMap [m]", "!FindInMap [m, a, b]", "!FindInMap [[m], a, b]", "!FindInMap [m, a, b, c]",
    "!GetAtt MediaBucket.Arn.Extra", "!GetAtt [MediaBucket, Arn, Extra]", "!GetAtt []", "!GetAtt [a]",
    "!GetAtt ''", "!GetAtt '.'", "!GetAtt [1, 2]",
    "!Ref Missing", "!Ref ''", "!Ref [a]", "!Ref {a: b}", "!Ref", "!GetAtt Missing.Arn",
    "!Sub '${Missing}'", "!Sub '${Missing.Arn}'",
    "!Sub 'arn:aws:s3:::${MediaBucket'", "!Sub '${'", "!Sub '}${}${'", "!Sub '${ }'", "!Sub '$${MediaBucket}}'",
    "!Split [',']", "!Split [',', [a]]", "!Split ['', a]", "!ImportValue [a]", "!Base64 [a]", "!GetAZs {a: b}",
    "!Cidr 5", "!Transform [x]", "!Condition x", "!Equals [a]", "!Not x", "!Length [1, 2]",
    "!ToJsonString {a: 1}",
    "!Foo bar", "!Foo [a, b]", "!Foo {a: b}",
    "{'Fn::Sub': null}", "{'Fn::Join': null}", "{Ref: null}", "{'Fn::If': null}", "{Ref: AWS::NoValue}",
    "{'Fn::ForEach::Buckets': [a, b, c]}", "{'Fn::Sub': 1, Ref: 2}",
    "~", "''", "[]", "{}", "1e999", ".nan", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]",
]


@pytest.mark.parametrize("expr", BAD_INTRINSICS)
def test_intrinsic_with_wrong_arguments(expr: str, tmp_path: Path):
    target = tmp_path / "template.yaml"
    target.write_text(HEADER + INTRINSIC_TEMPLATE.format(expr=expr))
    run = run_cli(target)
    assert run.document["errors"] == [] and run.document["skipped"] == []
    assert run.code == severity_exit(run.document["findings"])


CYCLIC_REFERENCES = """Resources:
  A:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${B}-a'
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref A
  C:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref C
  D:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Join ['', [!GetAtt E.Arn, x]]
  E:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Select [0, [!GetAtt D.DomainName, !Ref D]]
  F:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !GetAtt F.Arn
      Runtime: python3.12
      Handler: app.handler
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:PutObject
              Resource:
                - !Sub 'arn:aws:s3:::${A}/*'
                - !Sub '${B.Arn}/*'
                - !Sub 'arn:aws:s3:::${C}/*'
                - !Sub '${E.Arn}/*'
      Events:
        UA: {Type: S3, Properties: {Bucket: !Ref A, Events: 's3:ObjectCreated:*'}}
        UB: {Type: S3, Properties: {Bucket: !Ref B, Events: 's3:ObjectCreated:*'}}
        UC: {Type: S3, Properties: {Bucket: !Ref C, Events: 's3:ObjectCreated:*'}}
        UE: {Type: S3, Properties: {Bucket: !Ref E, Events: 's3:ObjectCreated:*'}}
"""


def test_cyclic_references_terminate(tmp_path: Path):
    """Bucket names that refer to each other (and to themselves) through Ref, Sub, GetAtt,
    Join and Select: resolution stops at the cycle and the loops are still seen."""
    target = tmp_path / "template.yaml"
    target.write_text(HEADER + CYCLIC_REFERENCES)
    with time_limit(10):
        run = run_cli(target)
    assert run.document["errors"] == []
    loops = {tuple(f["cycle"]) for f in run.document["findings"] if f["rule"] == "EL101"}
    assert {("A", "F", "A"), ("B", "F", "B"), ("C", "F", "C"), ("E", "F", "E")} <= loops
    assert run.code == 1


ALIAS_CYCLE = """Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !Ref Live
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Previous
      FunctionVersion: '1'
      Name: live
  Previous:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Live
      FunctionVersion: '1'
      Name: previous
"""


def test_lambda_aliases_naming_each_other(tmp_path: Path):
    target = tmp_path / "template.yaml"
    target.write_text(HEADER + ALIAS_CYCLE)
    run = run_cli(target)
    assert run.document["errors"] == [] and run.code == 0
