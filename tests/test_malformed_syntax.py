"""Malformed input, syntax: YAML and JSON that do not parse, duplicate keys, nesting 10,000
deep (see tests/malformed.py for the contract every case checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from malformed import (
    BUCKET_TEMPLATE,
    C_LOADER_LIMITS_NESTING,
    DEEP_BLOCK,
    DEEP_FLOW,
    HEADER,
    Case,
    Error,
    Scanned,
    check_bad_file_named_alone,
    check_bad_file_next_to_a_loop,
    nested_text,
)

SYNTAX_CASES = [
    # -- invalid YAML ---------------------------------------------------------------------
    Case("yaml-tab-indent", "tabs.yaml",
         HEADER + "Resources:\n\tB:\n\t\tType: AWS::S3::Bucket\n",
         Error(r"invalid YAML: while scanning for the next token found character ('\\t' )?"
               r"that cannot start any token", 3, 1)),
    Case("yaml-unclosed-quote", "quote.yaml",
         HEADER + "Resources:\n  B:\n    Type: 'AWS::S3::Bucket\n",
         Error(r"invalid YAML: while scanning a quoted scalar found unexpected end of stream", 5, 1)),
    Case("yaml-unclosed-double-quote", "dquote.yaml",
         HEADER + 'Resources:\n  B:\n    Type: "AWS::S3::Bucket\n  C:\n    Type: x\n',
         Error(r"invalid YAML: while scanning a quoted scalar found unexpected end of stream", 7, 1)),
    Case("yaml-bad-indentation", "indent.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n   Properties: {}\n",
         Error(r"invalid YAML: while parsing a block mapping (did not find expected key|"
               r"expected <block end>, but found '<block mapping start>')", 5, 4)),
    Case("yaml-unclosed-flow-mapping", "flow.yaml",
         HEADER + "Resources: {B: {Type: AWS::S3::Bucket}\n",
         Error(r"invalid YAML: while parsing a flow mapping (did not find expected ',' or '}'|"
               r"expected ',' or '}', but got '<stream end>')", 3, 1)),
    Case("yaml-two-documents", "multi.yaml",
         HEADER + "Resources: {}\n---\nResources: {}\n",
         Error(r"invalid YAML: expected a single document in the stream but found another document", 3, 1)),
    Case("yaml-complex-key", "key.yaml",
         HEADER + "Resources:\n  ? [a, b]\n  : x\n",
         Error(r"invalid YAML: a mapping key must be a scalar", 3, 5)),
    Case("yaml-undefined-alias", "alias.yaml",
         HEADER + "Resources:\n  B: *nope\n",
         Error(r"invalid YAML: found undefined alias( 'nope')?", 3, 6)),
    Case("yaml-merge-of-a-scalar", "merge.yaml",
         HEADER + "Resources:\n  B:\n    <<: 5\n",
         Error(r"invalid YAML: while constructing a mapping expected a mapping or list of mappings "
               r"for merging, but found scalar", 4, 9)),
    Case("yaml-python-object-tag", "python.yaml",
         HEADER + "Resources:\n  B: !!python/object:os.system ls\n",
         Error(r"invalid YAML: could not determine a constructor for the tag "
               r"'tag:yaml.org,2002:python/object:os.system'", 3, 6)),
    Case("yaml-control-character", "control.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: a\x07b\n",
         Error(r"invalid YAML: unacceptable character #x0007: (control characters are not allowed|"
               r"special characters are not allowed)", None, None)),
    # -- invalid JSON ---------------------------------------------------------------------
    Case("json-trailing-comma", "comma.json",
         '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {\n'
         '    "B": {"Type": "AWS::S3::Bucket",}\n  }\n}\n',
         # at the comma, in the same words on every Python version
         Error(r"invalid JSON: trailing comma before '\}' \(CloudFormation rejects trailing commas in JSON\)",
               4, 36)),
    Case("json-trailing-comma-in-a-list", "commalist.json",
         '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket",\n'
         '  "DependsOn": ["A",\n  ]}}}',
         Error(r"invalid JSON: trailing comma before '\]' \(CloudFormation rejects trailing commas in JSON\)",
               2, 20)),
    Case("json-missing-value-is-no-trailing-comma", "novalue.json",
         '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": ,}}',
         Error(r"invalid JSON: Expecting value", 1, 63)),
    Case("json-single-quotes", "quotes.json",
         "{'AWSTemplateFormatVersion': '2010-09-09', 'Resources': {}}",
         Error(r"invalid JSON: Expecting property name enclosed in double quotes", 1, 2)),
    Case("json-unclosed", "open.json",
         '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {',
         Error(r"invalid JSON: Expecting property name enclosed in double quotes", 1, 58)),
    Case("json-extra-data", "extra.json",
         '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}} x',
         Error(r"invalid JSON: Extra data", 1, 61)),
    Case("json-comment", "comment.json",
         '// generated\n{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}',
         Error(r"invalid JSON: Expecting value", 1, 1)),
    Case("yaml-in-a-json-file", "yaml.json", BUCKET_TEMPLATE,
         Error(r"invalid JSON: Expecting value", 1, 1)),
    # -- duplicate keys: the last value is analysed, WL112 warns ---------------------------
    Case("yaml-duplicate-resource", "dup.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n  B:\n    Type: AWS::S3::Bucket\n",
         Scanned(frozenset({"WL112"}))),
    Case("yaml-duplicate-key-differently-quoted", "dupq.yaml",
         HEADER + "Resources:\n  'B':\n    Type: AWS::S3::Bucket\n  \"B\":\n    Type: AWS::S3::Bucket\n",
         Scanned(frozenset({"WL112"}))),
    Case("yaml-duplicate-nested-key", "dupn.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
         "      BucketName: a\n      BucketName: b\n",
         Scanned(frozenset({"WL112"}))),
    Case("json-duplicate-resource", "dup.json",
         '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {\n'
         '  "B": {"Type": "AWS::S3::Bucket"},\n  "B": {"Type": "AWS::S3::Bucket"}}}',
         Scanned(frozenset({"WL112"}))),
    Case("json-duplicate-key-tab-indented", "duptab.json",  # YAML rejects it: the json fallback
         '\t{\n\t"AWSTemplateFormatVersion": "2010-09-09",\n\t"Resources": {\n'
         '\t\t"B": {"Type": "AWS::S3::Bucket"},\n\t\t"B": {"Type": "AWS::S3::Bucket"}\n\t}\n}\n',
         Scanned(frozenset({"WL112"}))),
    # -- nesting 10,000 deep --------------------------------------------------------------
    Case("yaml-flow-nesting-10000", "deepflow.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: "
         + nested_text(10_000, "[", "]") + "\n",
         DEEP_FLOW if C_LOADER_LIMITS_NESTING else Error(r"nesting too deep to read", None, None)),
    Case("yaml-block-nesting-10000", "deepblock.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata:\n      "
         + "- " * 10_000 + "x\n",
         DEEP_BLOCK if C_LOADER_LIMITS_NESTING else Error(r"nesting too deep to read", None, None)),
    Case("json-array-nesting-10000", "deeparray.json",
         '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket", '
         '"Metadata": ' + nested_text(10_000, "[", "]") + "}}}",
         Error(r"nesting too deep to read", None, None)),
    Case("json-object-nesting-10000", "deepobject.json",
         '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket", '
         '"Metadata": ' + nested_text(10_000, '{"a": ', "}", "1") + "}}}",
         Error(r"nesting too deep to read", None, None)),
    Case("json-nesting-10000-tab-indented", "deeptab.json",  # through the pure-Python json fallback
         '\t{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": "AWS::S3::Bucket", '
         '"Metadata": ' + nested_text(10_000, "[", "]") + "}}}",
         Error(r"nesting too deep to read", None, None)),
]


@pytest.mark.parametrize("case", SYNTAX_CASES, ids=[c.id for c in SYNTAX_CASES])
def test_bad_file_next_to_a_loop(case: Case, tmp_path: Path):
    """The bad file is reported as expected, and the loop next to it is still found."""
    check_bad_file_next_to_a_loop(case, tmp_path)


@pytest.mark.parametrize("case", SYNTAX_CASES, ids=[c.id for c in SYNTAX_CASES])
def test_bad_file_named_alone(case: Case, tmp_path: Path):
    """Named on the command line by itself: 2 when unreadable, else 0/1 by its findings."""
    check_bad_file_named_alone(case, tmp_path)
