"""Malformed input: a catalogue of broken, hostile and odd files, each run through the real
CLI (`loopcheck scan --format json`, and text) with the exact error expected.

Every case checks the same contract: no traceback in any output, exit status 2 when a file
that looks like a template cannot be read or parsed (and 0/1 otherwise), the bad file
reported with its message, line and column, and the other files of the same scan still
scanned (a known looping template sits next to the bad file: its EL101 must still be there).

Inputs are generated in tmp_path, so the repository stays small. The bugs this catalogue
found are fixed; a new one would be kept here, marked xfail(strict=True) with its reason.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Union

import pytest
import yaml
from clirunner import cli_runner

import loopcheck.app.scan
from loopcheck.app.cli import main
from loopcheck.load.loader import DEFAULT_MAX_BYTES

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOOP_FIXTURE = FIXTURES / "s3-same-bucket-loop"
HEADER = "AWSTemplateFormatVersion: '2010-09-09'\n"
ERROR_RULES = {"EL101", "EL104"}


# -- running the CLI ---------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    document: Optional[Dict[str, Any]]  # the parsed JSON report (json format only)

    def errors_for(self, path: Path) -> List[Dict[str, Any]]:
        return [e for e in self.document["errors"] if e["file"] == str(path)]

    def skipped_for(self, path: Path) -> List[Dict[str, Any]]:
        return [s for s in self.document["skipped"] if s["file"] == str(path)]

    def findings_for(self, path: Path) -> List[Dict[str, Any]]:
        return [f for f in self.document["findings"] if f["file"] == str(path)]


def run_cli(*paths: Union[str, Path], fmt: str = "json", extra: Sequence[str] = ()) -> Run:
    result = cli_runner().invoke(main, ["scan", "--format", fmt, *extra, *[str(p) for p in paths]])
    # The only exception the CLI may end with is its own sys.exit.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the CLI raised {result.exception!r}") from result.exception
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream
    document = json.loads(result.stdout) if fmt == "json" else None
    return Run(result.exit_code, result.stdout, result.stderr, document)


def add_loop(folder: Path) -> Path:
    """A copy of the same-bucket loop fixture (template and handler) in `folder`."""
    shutil.copytree(LOOP_FIXTURE, folder, ignore=shutil.ignore_patterns("expected*"))
    return folder / "template.yaml"


def assert_loop_found(run: Run, loop_template: Path) -> None:
    rules = [f["rule"] for f in run.findings_for(loop_template)]
    assert rules == ["EL101"], run.document["findings"]


def severity_exit(findings: List[Dict[str, Any]]) -> int:
    return 1 if any(f["severity"] == "error" for f in findings) else 0


class TimeLimitExceeded(BaseException):
    """Raised by time_limit; a BaseException so the scan's own `except Exception` guard
    cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def expire(signum, frame):
        raise TimeLimitExceeded(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def loopcheck_executable() -> str:
    found = Path(sys.executable).parent / "loopcheck"
    return str(found) if found.exists() else shutil.which("loopcheck") or "loopcheck"


def limit_memory(megabytes: int):
    def apply():  # runs in the child, before exec
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


# -- expectations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Error:
    """Reported as unreadable: the message must match `message` (a regular expression,
    matched in full: PyYAML's C and pure-Python parsers word a few problems differently)."""

    message: str
    line: Optional[int]
    column: Optional[int]


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class ErrorOrSkip:
    """Either is acceptable; being scanned as a template is not."""


@dataclass(frozen=True)
class Scanned:
    rules: Optional[FrozenSet[str]] = None  # the file's own finding rules, None: any


Expect = Union[Error, Skip, ErrorOrSkip, Scanned]


@dataclass(frozen=True)
class Case:
    id: str
    name: str  # file name, its suffix decides YAML or JSON
    content: Union[str, bytes]
    expect: Expect


def nested_text(depth: int, opener: str, closer: str, inner: str = "") -> str:
    """`opener` * depth + inner + `closer` * depth."""
    return opener * depth + inner + closer * depth


NOT_A_TEMPLATE = "not a CloudFormation template (no Resources mapping)"
NO_RESOURCES = "a template with no resources"
BUCKET_TEMPLATE = HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
BIG_STRING = HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata:\n      Blob: '" + (
    "x" * (DEFAULT_MAX_BYTES + 16)) + "'\n"
LOOP_TEXT = (LOOP_FIXTURE / "template.yaml").read_text(encoding="utf-8")
C_LOADER = hasattr(yaml, "CSafeLoader")
DEEP_FLOW = Error(r"invalid YAML: while increasing flow level exceeded maximum nesting depth", 5, 1012)
DEEP_BLOCK = Error(r"invalid YAML: while increasing block level exceeded maximum nesting depth", 6, 1999)


def _c_loader_limits_nesting() -> bool:
    """Recent libyaml refuses documents nested over 1,000 deep with its own message; older
    builds (PyYAML's wheels for Python 3.9) have no limit, and loopcheck's own applies."""
    if not C_LOADER:
        return False
    try:
        yaml.load("[" * 1100 + "]" * 1100, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return True
    except RecursionError:
        return False
    return False


C_LOADER_LIMITS_NESTING = _c_loader_limits_nesting()

LOADER_CASES = [
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
    # -- size -----------------------------------------------------------------------------
    Case("string-over-5-MB", "big.yaml", BIG_STRING,
         Error(rf"file is {len(BIG_STRING)} bytes, over the {DEFAULT_MAX_BYTES}-byte limit", None, None)),
    # -- encodings and bytes --------------------------------------------------------------
    Case("latin-1-bytes", "latin1.yaml",
         (HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: caf\xe9\n").encode("latin-1"),
         Error(r"not UTF-8 text \(byte 0xe9\)", 5, None)),
    Case("utf-8-encoded-surrogate", "surrogate.yaml",
         (HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: ").encode() + b"\xed\xa0\x80\n",
         Error(r"not UTF-8 text \(byte 0xed\)", 5, None)),
    Case("binary-with-template-words", "image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00AWS::S3::Bucket\x00",
         Error(r"not UTF-8 text \(byte 0x89\)", 1, None)),
    Case("nul-bytes-in-a-template", "nul.yaml",
         HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: a\x00b\n",
         Error(r"binary file \(contains NUL bytes\)", None, None)),
    Case("binary-file", "blob.yaml", bytes(range(256)) * 8, Skip("not UTF-8 text, and not a template")),
    Case("binary-utf-8-with-nul", "nul-data.json", b"abc\x00def\n", Skip("binary file")),
    Case("utf-16-template", "utf16.yaml", b"\xff\xfe" + LOOP_TEXT.encode("utf-16-le"),
         Scanned(frozenset({"EL101"}))),
    Case("utf-16-be-json-template", "utf16be.json",
         b"\xfe\xff" + '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"B": {"Type": '
         '"AWS::S3::Bucket"}, "B": {"Type": "AWS::S3::Bucket"}}}'.encode("utf-16-be"),
         Scanned(frozenset({"WL112"}))),
    Case("utf-32-template", "utf32.yaml", LOOP_TEXT.encode("utf-32"), Scanned(frozenset({"EL101"}))),
    Case("utf-16-bom-odd-bytes", "utf16odd.yaml", b"\xff\xfe" + BUCKET_TEMPLATE.encode("utf-16-le") + b"\x00",
         Error(r"not UTF-16-LE text after its byte order mark \(byte offset \d+\)", None, None)),
    Case("utf-16-without-bom", "utf16nobom.yaml", BUCKET_TEMPLATE.encode("utf-16-le"), ErrorOrSkip()),
    Case("utf-8-bom", "bom.yaml", b"\xef\xbb\xbf" + LOOP_TEXT.encode(), Scanned(frozenset({"EL101"}))),
    Case("utf-8-bom-json", "bom.json",
         b'\xef\xbb\xbf{"AWSTemplateFormatVersion": "2010-09-09", '
         b'"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}',
         Scanned(frozenset())),
    Case("crlf-line-ends", "crlf.yaml", LOOP_TEXT.replace("\n", "\r\n").encode(),
         Scanned(frozenset({"EL101"}))),
    Case("cr-only-line-ends", "cr.yaml", LOOP_TEXT.replace("\n", "\r").encode(), Scanned(frozenset({"EL101"}))),
    Case("crlf-error-line", "crlf-bad.yaml",
         (HEADER + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n   Properties: {}\n").replace("\n", "\r\n"),
         Error(r"invalid YAML: while parsing a block mapping (did not find expected key|"
               r"expected <block end>, but found '<block mapping start>')", 5, 4)),
    # -- not templates --------------------------------------------------------------------
    Case("empty-file", "empty.yaml", "", Skip(NOT_A_TEMPLATE)),
    Case("whitespace-only", "blank.yml", "\n\n   \n", Skip(NOT_A_TEMPLATE)),
    Case("comment-only", "comment.yaml", "# AWS::S3::Bucket\n",
         Skip(NOT_A_TEMPLATE)),
    Case("document-marker-only", "dash.yaml", "---\n", Skip(NOT_A_TEMPLATE)),
    Case("empty-json-file", "empty.json", "", Skip("not valid JSON, and not a template")),
    Case("template-is-a-list", "list.yaml", "- Resources: {}\n- AWS::S3::Bucket\n",
         Skip(NOT_A_TEMPLATE)),
    Case("template-is-a-scalar", "scalar.yaml", "AWS::S3::Bucket\n",
         Skip(NOT_A_TEMPLATE)),
    Case("json-template-is-a-list", "list.json", '[{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}]',
         Skip(NOT_A_TEMPLATE)),
    Case("json-template-is-null", "null.json", "null", Skip(NOT_A_TEMPLATE)),
    # -- Resources ------------------------------------------------------------------------
    Case("resources-is-a-list", "reslist.yaml", HEADER + "Resources:\n  - AWS::S3::Bucket\n",
         Skip("not a CloudFormation template (Resources is a list, not a mapping)")),
    Case("resources-is-a-scalar", "resscalar.yaml", HEADER + "Resources: AWS::S3::Bucket\n",
         Skip("not a CloudFormation template (Resources is a string, not a mapping)")),
    Case("resources-is-empty", "resnull.yaml", HEADER + "Resources:\n", Skip(NO_RESOURCES)),
    Case("json-resources-is-a-list", "reslist.json",
         '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": []\n}\n',
         Skip("not a CloudFormation template (Resources is a list, not a mapping)")),
    Case("resources-is-an-empty-mapping", "resempty.yaml", HEADER + "Resources: {}\n", Skip(NO_RESOURCES)),
    Case("codedeploy-appspec", "appspec.yml",
         "version: 0.0\nResources:\n  - Fn:\n      Type: AWS::Lambda::Function\n      Properties:\n"
         "        Name: fn\n        Alias: live\n        CurrentVersion: 1\n        TargetVersion: 2\n"
         "Hooks:\n  - BeforeAllowTraffic: PreTrafficFn\n",
         Skip("not a CloudFormation template (a CodeDeploy AppSpec file)")),
    Case("macro-template-with-a-list-of-resources", "macro.yaml",
         HEADER + "Transform: [ExpandList]\nResources:\n  - Type: AWS::S3::Bucket\n    Count: 3\n",
         Skip("not a CloudFormation template (Resources is a list, not a mapping)")),
    Case("resource-without-type", "notype.yaml",
         HEADER + "Resources:\n  B:\n    Properties:\n      BucketName: b\n", Scanned(frozenset())),
    Case("resource-is-a-list", "reslistitem.yaml", HEADER + "Resources:\n  B: [AWS::S3::Bucket]\n",
         Scanned(frozenset())),
    Case("resource-is-null", "resnullitem.yaml", HEADER + "Resources:\n  B:\n  C: ~\n", Scanned(frozenset())),
    Case("resource-type-is-a-mapping", "typemap.yaml",
         HEADER + "Resources:\n  B:\n    Type: {Ref: T}\n    Properties: [1]\n", Scanned(frozenset())),
    Case("numeric-and-boolean-logical-ids", "ids.yaml",
         HEADER + "Resources:\n  1:\n    Type: AWS::S3::Bucket\n  true:\n    Type: AWS::S3::Bucket\n",
         Scanned(frozenset())),
    Case("unknown-tags", "tags.yaml",
         HEADER + "Resources:\n  B:\n    Type: !Foo AWS::S3::Bucket\n    Properties:\n"
         "      BucketName: !Foo bar\n"
         "      Tags: !Bar [a, b]\n      Other: !Baz {a: b}\n", Scanned(frozenset())),
]


@pytest.mark.parametrize("case", LOADER_CASES, ids=[c.id for c in LOADER_CASES])
def test_bad_file_next_to_a_loop(case: Case, tmp_path: Path):
    """The bad file is reported as expected, and the loop next to it is still found."""
    bad = tmp_path / "case" / case.name
    bad.parent.mkdir()
    if isinstance(case.content, bytes):
        bad.write_bytes(case.content)
    else:
        bad.write_bytes(case.content.encode("utf-8"))
    loop = add_loop(tmp_path / "loop")

    run = run_cli(tmp_path)
    assert_loop_found(run, loop)
    errors, skipped, own = run.errors_for(bad), run.skipped_for(bad), run.findings_for(bad)
    expect = case.expect
    if isinstance(expect, Error):
        assert len(errors) == 1 and not skipped and not own, run.document
        (error,) = errors
        assert re.fullmatch(expect.message, error["message"]), error["message"]
        assert (error["line"], error["column"]) == (expect.line, expect.column), error
        assert run.code == 2
    elif isinstance(expect, Skip):
        assert not errors and not own
        assert [s["reason"] for s in skipped] == [expect.reason]
        assert f"loopcheck: skipped {bad}: {expect.reason}" in run.stderr
        assert run.code == 1
    elif isinstance(expect, ErrorOrSkip):
        assert len(errors) + len(skipped) == 1 and not own, run.document
        assert run.code == (2 if errors else 1)
        for error in errors:
            assert "internal error" not in error["message"]
    else:
        assert not errors and not skipped, run.document
        if expect.rules is not None:
            assert {f["rule"] for f in own} == expect.rules, own
        assert run.code == 1
    assert len(run.document["errors"]) == len(errors)  # the loop template itself read fine

    # The text report tells the same story, with the same exit status.
    text = run_cli(tmp_path, fmt="text")
    assert text.code == run.code
    for error in errors:
        where = str(bad) + (f":{error['line']}" if error["line"] else "")
        where += f":{error['column']}" if error["line"] and error["column"] else ""
        assert f"{where}: unreadable: {error['message']}" in text.stdout.splitlines()
    assert f"{loop}:11:3: EL101 error:" in text.stdout


@pytest.mark.parametrize("case", LOADER_CASES, ids=[c.id for c in LOADER_CASES])
def test_bad_file_named_alone(case: Case, tmp_path: Path):
    """Named on the command line by itself: 2 when unreadable, else 0/1 by its findings."""
    bad = tmp_path / case.name
    bad.write_bytes(case.content if isinstance(case.content, bytes) else case.content.encode("utf-8"))
    run = run_cli(bad)
    if isinstance(case.expect, Error):
        assert run.code == 2 and len(run.document["errors"]) == 1
    elif isinstance(case.expect, Skip):
        assert run.code == 0 and run.document["errors"] == [] and len(run.document["skipped"]) == 1
        strict = run_cli(bad, extra=["--strict"])
        if case.expect.reason == NO_RESOURCES:  # a template, with nothing to analyse
            assert strict.code == 0 and strict.document["errors"] == []
        else:
            assert strict.code == 2
            assert strict.document["errors"][0]["message"] == f"{case.expect.reason} (--strict)"
    elif isinstance(case.expect, ErrorOrSkip):
        assert run.code in (0, 2) and run.document["findings"] == []
    else:
        assert run.document["errors"] == []
        assert run.code == severity_exit(run.document["findings"])


def test_file_of_exactly_the_size_limit_is_read(tmp_path: Path):
    body = BUCKET_TEMPLATE + "#"
    padded = body + "x" * (DEFAULT_MAX_BYTES - len(body) - 1) + "\n"
    target = tmp_path / "limit.yaml"
    target.write_text(padded)
    assert target.stat().st_size == DEFAULT_MAX_BYTES
    run = run_cli(target)
    assert run.code == 0 and run.document["errors"] == [] and run.document["skipped"] == []
    target.write_text(padded + "\n")
    run = run_cli(target)
    assert run.document["errors"][0]["message"] == (
        f"file is {DEFAULT_MAX_BYTES + 1} bytes, over the {DEFAULT_MAX_BYTES}-byte limit"
    )


def test_bom_and_line_ends_do_not_move_findings(tmp_path: Path):
    """A BOM and CRLF/CR line ends load fine and give the same findings at the same lines."""
    variants = {
        "lf": LOOP_TEXT.encode(),
        "crlf": LOOP_TEXT.replace("\n", "\r\n").encode(),
        "cr": LOOP_TEXT.replace("\n", "\r").encode(),
        "bom": b"\xef\xbb\xbf" + LOOP_TEXT.encode(),
        "bom-crlf": b"\xef\xbb\xbf" + LOOP_TEXT.replace("\n", "\r\n").encode(),
    }
    seen = {}
    for name, content in variants.items():
        folder = tmp_path / name
        add_loop(folder)
        (folder / "template.yaml").write_bytes(content)
        run = run_cli(folder / "template.yaml")
        assert run.document["errors"] == [] and run.code == 1
        seen[name] = [
            (f["rule"], f["line"], f["column"], f["resource"], f["message"], f["cycle"], f["evidence"],
             [note.replace(str(folder), "<dir>") for note in f["notes"]])
            for f in run.document["findings"]
        ]
    assert all(findings == seen["lf"] for findings in seen.values()), seen
    assert [(rule, line, column) for rule, line, column, *_ in seen["lf"]] == [("EL101", 11, 3)]


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


# -- properties of the wrong type ----------------------------------------------------------

SAM_BASE: Dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Globals": {"Function": {"Runtime": "python3.12", "Timeout": 10}},
    "Resources": {
        "PhotoBucket": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": [{"Key": "a", "Value": "b"}]}},
        "ThumbFn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.handler",
                "ReservedConcurrentExecutions": 5,
                "Environment": {"Variables": {"OUT": {"Ref": "PhotoBucket"}}},
                "Policies": [{"Statement": [{
                    "Effect": "Allow", "Action": "s3:PutObject",
                    "Resource": {"Fn::Sub": "arn:aws:s3:::${PhotoBucket}/*"},
                }]}],
                "Events": {"Upload": {"Type": "S3", "Properties": {
                    "Bucket": {"Ref": "PhotoBucket"}, "Events": "s3:ObjectCreated:*",
                    "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".jpg"}]}},
                }}},
            },
        },
    },
}

CFN_BASE: Dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"BucketName": {"Type": "String", "Default": "archive-bucket"}},
    "Resources": {
        "ArchiveBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": {"Ref": "BucketName"},
            "NotificationConfiguration": {"LambdaConfigurations": [{
                "Event": "s3:ObjectCreated:*", "Function": {"Fn::GetAtt": ["CompressFn", "Arn"]},
            }]},
        }},
        "CompressRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]},
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
            "Policies": [{"PolicyName": "put", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": {"Fn::Sub": "arn:aws:s3:::${BucketName}/*"},
            }]}}],
        }},
        "CompressFn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler",
            "Role": {"Fn::GetAtt": ["CompressRole", "Arn"]},
            "Code": {"S3Bucket": "artifacts", "S3Key": "compress.zip"},
        }},
    },
}

FN = ("Resources", "ThumbFn", "Properties")
EVENT = FN + ("Events", "Upload", "Properties")
RULES = EVENT + ("Filter", "S3Key", "Rules")
STATEMENT = FN + ("Policies", 0, "Statement")
BUCKET = ("Resources", "ArchiveBucket", "Properties")
LAMBDA_CONFIG = BUCKET + ("NotificationConfiguration", "LambdaConfigurations")
ROLE = ("Resources", "CompressRole", "Properties")
DELETE = object()

# kind: "same" = an unrelated property: the findings stay those of the unmutated template;
# "guard" = a broken key filter: it must not silence the loop (error or warning stays);
# "any" = the trigger or the permission itself is broken: any verdict, but no crash.
WRONG_TYPES = [
    # SAM function: triggers
    ("Events-as-a-list", SAM_BASE, FN + ("Events",), [{"Type": "S3"}], "any"),
    ("Events-as-a-string", SAM_BASE, FN + ("Events",), "S3", "any"),
    ("event-as-a-list", SAM_BASE, FN + ("Events", "Upload"), ["S3"], "any"),
    ("event-Properties-as-a-list", SAM_BASE, EVENT, ["x"], "any"),
    ("event-Bucket-as-a-list", SAM_BASE, EVENT + ("Bucket",), ["PhotoBucket"], "any"),
    ("event-Bucket-as-a-number", SAM_BASE, EVENT + ("Bucket",), 5, "any"),
    ("event-Events-as-a-mapping", SAM_BASE, EVENT + ("Events",), {"a": 1}, "any"),
    ("event-Events-as-a-number", SAM_BASE, EVENT + ("Events",), 3, "any"),
    # SAM function: the key filter
    ("Filter-as-a-list", SAM_BASE, EVENT + ("Filter",), ["suffix"], "guard"),
    ("Filter-as-a-string", SAM_BASE, EVENT + ("Filter",), ".jpg", "guard"),
    ("S3Key-as-a-list", SAM_BASE, EVENT + ("Filter", "S3Key"), [".jpg"], "guard"),
    ("Rules-as-a-string", SAM_BASE, RULES, "suffix=.jpg", "guard"),
    ("Rules-as-a-number", SAM_BASE, RULES, 7, "guard"),
    ("Rules-item-as-a-string", SAM_BASE, RULES + (0,), "suffix", "guard"),
    ("Rules-Value-as-a-list", SAM_BASE, RULES + (0, "Value"), [".jpg"], "guard"),
    ("Rules-Value-as-null", SAM_BASE, RULES + (0, "Value"), None, "guard"),
    ("Rules-Value-as-a-boolean", SAM_BASE, RULES + (0, "Value"), True, "guard"),
    ("Rules-Name-as-a-number", SAM_BASE, RULES + (0, "Name"), 7, "guard"),
    # SAM function: permissions
    ("Policies-as-a-number", SAM_BASE, FN + ("Policies",), 42, "any"),
    ("Policies-as-a-string", SAM_BASE, FN + ("Policies",), "AmazonS3FullAccess", "any"),
    ("Policies-as-null", SAM_BASE, FN + ("Policies",), None, "any"),
    ("Policies-item-as-a-number", SAM_BASE, FN + ("Policies", 0), 3, "any"),
    ("Policies-item-as-a-list", SAM_BASE, FN + ("Policies", 0), [1, 2], "any"),
    ("Statement-as-a-string", SAM_BASE, STATEMENT, "Allow everything", "any"),
    ("Statement-as-a-number", SAM_BASE, STATEMENT, 1, "any"),
    ("Statement-item-as-a-string", SAM_BASE, STATEMENT + (0,), "Allow", "any"),
    ("Action-as-a-mapping", SAM_BASE, STATEMENT + (0, "Action"), {"a": 1}, "any"),
    ("Action-as-a-number", SAM_BASE, STATEMENT + (0, "Action"), 5, "any"),
    ("Action-as-a-nested-list", SAM_BASE, STATEMENT + (0, "Action"), [["s3:PutObject"]], "any"),
    ("Resource-as-a-mapping", SAM_BASE, STATEMENT + (0, "Resource"), {"a": 1, "b": 2}, "any"),
    ("Resource-as-a-number", SAM_BASE, STATEMENT + (0, "Resource"), 5, "any"),
    ("Effect-as-a-list", SAM_BASE, STATEMENT + (0, "Effect"), ["Allow"], "any"),
    ("Role-as-a-number", SAM_BASE, FN + ("Role",), 5, "any"),
    ("Role-as-a-list", SAM_BASE, FN + ("Role",), ["arn:aws:iam::1:role/x"], "any"),
    ("Role-as-a-mapping", SAM_BASE, FN + ("Role",), {"a": 1, "b": 2}, "any"),
    # SAM function: properties loop detection reads but that do not decide this loop
    ("Environment-Variables-as-a-list", SAM_BASE, FN + ("Environment", "Variables"), ["OUT"], "same"),
    ("Environment-Variables-as-a-string", SAM_BASE, FN + ("Environment", "Variables"), "OUT=x", "same"),
    ("Environment-as-a-list", SAM_BASE, FN + ("Environment",), ["OUT"], "same"),
    ("environment-variable-as-a-mapping", SAM_BASE, FN + ("Environment", "Variables", "OUT"), {"a": 1, "b": 2},
     "same"),
    ("Handler-as-a-number", SAM_BASE, FN + ("Handler",), 5, "same"),
    ("Handler-as-a-list", SAM_BASE, FN + ("Handler",), ["app.handler"], "same"),
    ("Handler-as-a-mapping", SAM_BASE, FN + ("Handler",), {"Ref": "H"}, "same"),
    ("CodeUri-as-a-list", SAM_BASE, FN + ("CodeUri",), ["src/"], "same"),
    ("CodeUri-as-a-number", SAM_BASE, FN + ("CodeUri",), 5, "same"),
    ("CodeUri-as-a-mapping", SAM_BASE, FN + ("CodeUri",), {"Bucket": "b", "Key": "k"}, "same"),
    ("InlineCode-as-a-list", SAM_BASE, FN + ("InlineCode",), ["import boto3"], "same"),
    ("Runtime-as-a-list", SAM_BASE, FN + ("Runtime",), ["python3.12"], "same"),
    ("RecursiveLoop-as-a-list", SAM_BASE, FN + ("RecursiveLoop",), ["Allow"], "same"),
    ("ReservedConcurrentExecutions-as-a-string", SAM_BASE, FN + ("ReservedConcurrentExecutions",), "five",
     "same"),
    ("PackageType-as-a-list", SAM_BASE, FN + ("PackageType",), ["Image"], "same"),
    ("Metadata-as-a-list", SAM_BASE, ("Resources", "ThumbFn", "Metadata"), [1], "same"),
    ("Globals-as-a-list", SAM_BASE, ("Globals",), ["Function"], "same"),
    ("Globals-as-a-string", SAM_BASE, ("Globals",), "Function", "same"),
    ("Globals-Function-as-a-list", SAM_BASE, ("Globals", "Function"), ["Runtime"], "same"),
    ("Globals-Function-Policies-as-a-string", SAM_BASE, ("Globals", "Function", "Policies"), "x", "any"),
    ("Globals-Function-Events-as-a-list", SAM_BASE, ("Globals", "Function", "Events"), [1], "any"),
    ("Globals-Function-Environment-as-a-list", SAM_BASE, ("Globals", "Function", "Environment"), [1], "same"),
    ("Parameters-as-a-list", SAM_BASE, ("Parameters",), ["x"], "same"),
    ("Mappings-as-a-list", SAM_BASE, ("Mappings",), ["x"], "same"),
    ("Conditions-as-a-string", SAM_BASE, ("Conditions",), "x", "same"),
    ("Outputs-as-a-list", SAM_BASE, ("Outputs",), ["x"], "same"),
    ("Transform-as-a-mapping", SAM_BASE, ("Transform",), {"Name": "AWS::Include"}, "same"),
    ("bucket-Tags-as-a-string", SAM_BASE, ("Resources", "PhotoBucket", "Properties", "Tags"), "x", "same"),
    ("bucket-Properties-as-a-list", SAM_BASE, ("Resources", "PhotoBucket", "Properties"), [1], "same"),
    ("function-Properties-as-a-list", SAM_BASE, FN, ["x"], "any"),
    ("function-Properties-as-null", SAM_BASE, FN, None, "any"),
    ("function-Type-as-a-list", SAM_BASE, ("Resources", "ThumbFn", "Type"), ["AWS::Serverless::Function"],
     "any"),
    ("function-without-Type", SAM_BASE, ("Resources", "ThumbFn", "Type"), DELETE, "any"),
    ("bucket-without-Type", SAM_BASE, ("Resources", "PhotoBucket", "Type"), DELETE, "any"),
    ("BucketName-as-a-list", SAM_BASE, ("Resources", "PhotoBucket", "Properties", "BucketName"), ["a"], "any"),
    ("BucketName-as-a-boolean", SAM_BASE, ("Resources", "PhotoBucket", "Properties", "BucketName"), True,
     "any"),
    # raw CloudFormation
    ("NotificationConfiguration-as-a-list", CFN_BASE, BUCKET + ("NotificationConfiguration",),
     [{"LambdaConfigurations": []}], "any"),
    ("NotificationConfiguration-as-a-string", CFN_BASE, BUCKET + ("NotificationConfiguration",), "x", "any"),
    ("LambdaConfigurations-as-a-string", CFN_BASE, LAMBDA_CONFIG, "CompressFn", "any"),
    ("LambdaConfigurations-as-a-mapping", CFN_BASE, LAMBDA_CONFIG, {"Event": "s3:ObjectCreated:*"}, "any"),
    ("LambdaConfigurations-item-as-a-string", CFN_BASE, LAMBDA_CONFIG + (0,), "CompressFn", "any"),
    ("LambdaConfiguration-Function-as-a-list", CFN_BASE, LAMBDA_CONFIG + (0, "Function"), ["x"], "any"),
    ("LambdaConfiguration-Event-as-a-list", CFN_BASE, LAMBDA_CONFIG + (0, "Event"), ["s3:ObjectCreated:*"],
     "any"),
    ("LambdaConfiguration-Event-as-a-mapping", CFN_BASE, LAMBDA_CONFIG + (0, "Event"), {"a": 1}, "any"),
    ("LambdaConfiguration-Filter-as-a-string", CFN_BASE, LAMBDA_CONFIG + (0, "Filter"), "uploads/", "guard"),
    ("LambdaConfiguration-Filter-Rules-as-a-string", CFN_BASE, LAMBDA_CONFIG + (0, "Filter"),
     {"S3Key": {"Rules": "prefix=uploads/"}}, "guard"),
    ("Role-Policies-as-a-mapping", CFN_BASE, ROLE + ("Policies",), {"PolicyName": "x"}, "any"),
    ("Role-Policies-as-a-string", CFN_BASE, ROLE + ("Policies",), "put", "any"),
    ("Role-Policies-item-as-a-string", CFN_BASE, ROLE + ("Policies", 0), "put", "any"),
    ("PolicyDocument-as-a-string", CFN_BASE, ROLE + ("Policies", 0, "PolicyDocument"), "{}", "any"),
    ("PolicyDocument-as-a-list", CFN_BASE, ROLE + ("Policies", 0, "PolicyDocument"), ["x"], "any"),
    ("PolicyName-as-a-list", CFN_BASE, ROLE + ("Policies", 0, "PolicyName"), ["x"], "same"),
    ("ManagedPolicyArns-as-a-mapping", CFN_BASE, ROLE + ("ManagedPolicyArns",),
     {"a": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}, "same"),
    ("ManagedPolicyArns-as-a-string", CFN_BASE, ROLE + ("ManagedPolicyArns",),
     "arn:aws:iam::aws:policy/AmazonS3FullAccess", "same"),
    ("ManagedPolicyArns-item-as-a-number", CFN_BASE, ROLE + ("ManagedPolicyArns", 0), 1, "any"),
    ("Role-Properties-as-a-list", CFN_BASE, ROLE, [1], "any"),
    ("function-Role-as-a-number", CFN_BASE, ("Resources", "CompressFn", "Properties", "Role"), 5, "any"),
    ("function-Role-as-a-list", CFN_BASE, ("Resources", "CompressFn", "Properties", "Role"), ["x"], "any"),
    ("function-Code-as-a-list", CFN_BASE, ("Resources", "CompressFn", "Properties", "Code"), ["x"], "same"),
    ("function-Code-ZipFile-as-a-list", CFN_BASE, ("Resources", "CompressFn", "Properties", "Code"),
     {"ZipFile": ["import boto3"]}, "same"),
    ("Parameter-Default-as-a-list", CFN_BASE, ("Parameters", "BucketName", "Default"), ["a", "b"], "any"),
    ("Parameter-as-a-string", CFN_BASE, ("Parameters", "BucketName"), "archive-bucket", "any"),
    ("IAM-Policy-Roles-as-a-mapping", CFN_BASE, ("Resources", "Extra"),
     {"Type": "AWS::IAM::Policy", "Properties": {"Roles": {"a": 1, "b": 2}, "PolicyDocument": "x"}}, "same"),
    ("CDK-notifications-with-wrong-types", CFN_BASE, ("Resources", "Notifications"),
     {"Type": "Custom::S3BucketNotifications", "Properties": {
         "BucketName": {"Ref": "ArchiveBucket"},
         "NotificationConfiguration": {"LambdaFunctionConfigurations": [
             {"Filter": {"Key": {"FilterRules": "x"}}, "Events": 5, "LambdaFunctionArn": [1]}]}}}, "same"),
]


def mutate(base: Dict[str, Any], path: Sequence[Any], value: Any) -> Dict[str, Any]:
    data = copy.deepcopy(base)
    node = data
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def render(data: Dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("case_id, base, path, value, kind", WRONG_TYPES, ids=[c[0] for c in WRONG_TYPES])
def test_property_of_the_wrong_type(case_id, base, path, value, kind, fmt, tmp_path: Path):
    baseline_file = tmp_path / "base" / f"template.{fmt}"
    baseline_file.parent.mkdir()
    baseline_file.write_text(render(base, fmt))
    baseline = run_cli(baseline_file)
    baseline_rules = sorted(f["rule"] for f in baseline.document["findings"])
    assert baseline_rules == (["WL102"] if base is SAM_BASE else ["EL101"])  # the designs still hold

    target = tmp_path / "case" / f"template.{fmt}"
    target.parent.mkdir()
    target.write_text(render(mutate(base, path, value), fmt))
    run = run_cli(target)
    assert run.document["errors"] == [] and run.document["skipped"] == []
    assert run.code == severity_exit(run.document["findings"])
    rules = sorted(f["rule"] for f in run.document["findings"])
    if kind == "same":
        assert rules == baseline_rules
    elif kind == "guard":
        assert set(rules) & {"EL101", "WL102"}, "a broken key filter silenced the loop"
    assert run_cli(target, fmt="text").code == run.code


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


# -- the file system -----------------------------------------------------------------------


def test_symlink_loop_in_a_folder_terminates(tmp_path: Path):
    loop = add_loop(tmp_path / "project" / "loop")
    (tmp_path / "project" / "loop" / "again").symlink_to(tmp_path / "project", target_is_directory=True)
    (tmp_path / "project" / "self").symlink_to(tmp_path / "project" / "self")  # a link to itself
    (tmp_path / "project" / "a.yaml").symlink_to(tmp_path / "project" / "b.yaml")  # a.yaml <-> b.yaml
    (tmp_path / "project" / "b.yaml").symlink_to(tmp_path / "project" / "a.yaml")
    (tmp_path / "project" / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    with time_limit(20):
        run = run_cli(tmp_path / "project")
    assert_loop_found(run, loop)
    assert len(run.document["findings"]) == 1  # the folder link is not followed
    errors = {Path(e["file"]).name: (e["message"], e["line"]) for e in run.document["errors"]}
    assert errors == {
        "a.yaml": ("cannot read file: Too many levels of symbolic links", None),
        "b.yaml": ("cannot read file: Too many levels of symbolic links", None),
        "dangling.yaml": ("cannot read file: No such file or directory", None),
    }
    assert run.code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_unreadable_file(tmp_path: Path):
    loop = add_loop(tmp_path / "loop")
    locked = tmp_path / "locked.yaml"
    locked.write_text(BUCKET_TEMPLATE)
    locked.chmod(0)
    try:
        run = run_cli(tmp_path)
    finally:
        locked.chmod(0o644)
    assert run.errors_for(locked) == [
        {"file": str(locked), "line": None, "column": None, "message": "cannot read file: Permission denied"}
    ]
    assert_loop_found(run, loop)
    assert run.code == 2


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The same, for root: reading the file fails with EACCES."""
    loop = add_loop(tmp_path / "loop")
    locked = tmp_path / "locked.yaml"
    locked.write_text(BUCKET_TEMPLATE)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    run = run_cli(tmp_path)
    assert run.errors_for(locked) == [
        {"file": str(locked), "line": None, "column": None, "message": "cannot read file: Permission denied"}
    ]
    assert_loop_found(run, loop)
    assert run.code == 2


def test_folder_named_like_a_template(tmp_path: Path):
    """A folder called `stack.yaml` is walked, not read as a file, named or found."""
    loop = add_loop(tmp_path / "stack.yaml")
    for given in (tmp_path, tmp_path / "stack.yaml"):
        run = run_cli(given)
        assert run.document["errors"] == []
        assert_loop_found(run, loop)
        assert run.code == 1


def test_fifo_named_like_a_template_does_not_hang(tmp_path: Path):
    loop = add_loop(tmp_path / "loop")
    os.mkfifo(tmp_path / "pipe.yaml")
    with time_limit(3):  # interrupts the blocked open()
        run = run_cli(tmp_path)
    assert_loop_found(run, loop)


def test_link_to_an_endless_device_is_not_read_forever(tmp_path: Path):
    add_loop(tmp_path / "loop")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    completed = subprocess.run([loopcheck_executable(), "scan", "--format", "json", str(tmp_path)],
                               capture_output=True, text=True, timeout=60, check=False,
                               preexec_fn=limit_memory(1024))
    assert "Traceback" not in completed.stderr
    document = json.loads(completed.stdout)
    assert [f["rule"] for f in document["findings"]] == ["EL101"]
    for error in document["errors"]:
        assert "internal error" not in error["message"]


# -- handler code --------------------------------------------------------------------------

BROKEN_HANDLERS = {
    "python-syntax-error": ("app.py", b"def handler(event, context:\n    s3.put_object(Bucket=\n"),
    "python-too-deep": ("app.py", b"x = " + b"(" * 500 + b")" * 500 + b"\n"),
    "python-long-expression": ("app.py", b"def handler(e, c):\n    x = " + b"+".join([b"1"] * 100_000) + b"\n"),
    "python-not-utf-8": ("app.py", bytes(range(128, 256)) * 10),
    "python-nul-bytes": ("app.py", b"def handler(e, c):\x00\n    pass\n"),
    "handler-is-a-folder": ("app.py/", b""),
    "javascript-syntax-error": ("app.js", b"exports.handler = async (event => { s3.putObject({ Bucket: \n"),
    "javascript-binary": ("app.js", bytes(range(256)) * 10),
}


def _python_parses(source: bytes) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return False
    return True


@pytest.mark.parametrize("name", sorted(BROKEN_HANDLERS))
def test_broken_handler_falls_back_to_permissions(name: str, tmp_path: Path):
    filename, content = BROKEN_HANDLERS[name]
    if name == "python-long-expression" and _python_parses(content):
        pytest.skip("this Python's parser reads the expression: the handler is analysed, not broken")
    loop = add_loop(tmp_path / "stack")
    (loop.parent / "src" / "app.py").unlink()
    if filename.endswith("/"):
        (loop.parent / "src" / filename).mkdir()
    else:
        (loop.parent / "src" / filename).write_bytes(content)
    if filename.endswith(".js"):
        loop.write_text(LOOP_TEXT.replace("python3.12", "nodejs20.x"))
    run = run_cli(loop)
    assert run.document["errors"] == []
    (finding,) = run.document["findings"]
    assert (finding["rule"], finding["evidence"]) == ("EL101", "permission")
    assert any("code not analysed" in note for note in finding["notes"]), finding["notes"]
    assert run.code == 1


def test_handler_code_is_read_when_it_is_inside(tmp_path: Path):
    """The control for the escapes below: the same layout, code inside, is read."""
    loop = add_loop(tmp_path / "repo" / "stack")
    (tmp_path / "repo" / ".git").mkdir()
    run = run_cli(loop)
    (finding,) = run.document["findings"]
    assert finding["evidence"] in ("code", "both")


@pytest.mark.parametrize("code_uri, handler", [
    ("../../outside/", "app.handler"),
    ("../../../../../../../../../../outside/", "app.handler"),
    ("{outside}", "app.handler"),  # absolute
    ("/etc", "app.handler"),
    ("/", "app.handler"),
    ("src/", "../../../outside/app.handler"),
    ("linked/", "app.handler"),  # a link inside the repository to a folder outside it
])
def test_code_uri_that_escapes_the_repository_is_not_read(code_uri: str, handler: str, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(LOOP_FIXTURE / "src" / "app.py", outside / "app.py")  # would be evidence if read
    loop = add_loop(tmp_path / "repo" / "stack")
    (tmp_path / "repo" / ".git").mkdir()
    (loop.parent / "linked").symlink_to(outside, target_is_directory=True)
    text = LOOP_TEXT.replace("CodeUri: src/", f"CodeUri: {code_uri.format(outside=outside)}")
    loop.write_text(text.replace("Handler: app.handler", f"Handler: {handler}"))
    run = run_cli(loop)
    assert run.document["errors"] == []
    findings = {f["rule"]: f for f in run.document["findings"]}
    finding = findings.pop("EL101")
    assert finding["evidence"] == "permission", finding["notes"]
    assert not any("and does:" in note for note in finding["notes"])
    # a folder that exists outside the repository is refused with a warning of its own
    assert set(findings) <= {"WL902"}
    if code_uri in ("../../outside/", "{outside}", "/etc", "/", "linked/"):
        assert "outside the repository" in findings["WL902"]["message"]
    assert run.code == 1


@pytest.mark.parametrize("original, replacement", [
    ("CodeUri: src/", "CodeUri: " + "a" * 300),
    ("CodeUri: src/", "CodeUri: " + "a/" * 3000),
    ("Handler: app.handler", "Handler: " + "a" * 300 + ".handler"),
    ("    Type: AWS::Serverless::Function\n", "    Type: AWS::Serverless::Function\n    Metadata:\n"
     "      aws:asset:path: " + "a" * 300 + "\n"),
], ids=["CodeUri-name", "CodeUri-path", "Handler", "CDK-asset-path"])
def test_overlong_code_location_is_not_an_internal_error(original: str, replacement: str, tmp_path: Path):
    loop = add_loop(tmp_path / "stack")
    assert original in LOOP_TEXT
    loop.write_text(LOOP_TEXT.replace(original, replacement))
    run = run_cli(loop)
    assert run.document["errors"] == []
    assert [f["rule"] for f in run.document["findings"]] == ["EL101"]


# -- the top-level guard -------------------------------------------------------------------


def test_internal_error_becomes_an_error_entry_asking_for_a_report(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch):
    def explode(file, data, options=None):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(loopcheck.app.scan, "analyse", explode)  # the stage every scan runs
    loop = add_loop(tmp_path / "loop")
    for fmt in ("json", "text"):
        run = run_cli(loop, fmt=fmt)
        assert run.code == 2
        if fmt == "json":
            (error,) = run.document["errors"]
            assert error["file"] == str(loop)
            assert "internal error" in error["message"] and "report" in error["message"]
            assert "ZeroDivisionError: simulated bug" in error["message"]
            assert run.document["findings"] == []
        else:
            assert "unreadable: internal error (ZeroDivisionError: simulated bug)" in run.stdout


def test_internal_error_in_one_file_does_not_stop_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real = loopcheck.pipeline.analysis.analyse
    first = add_loop(tmp_path / "a")
    second = add_loop(tmp_path / "b")

    def flaky(file, data, options=None):
        if file == str(first):
            raise RuntimeError("boom")
        return real(file, data, options)

    monkeypatch.setattr(loopcheck.app.scan, "analyse", flaky)
    run = run_cli(tmp_path)
    assert [e["file"] for e in run.document["errors"]] == [str(first)]
    assert_loop_found(run, second)
    assert run.code == 2
