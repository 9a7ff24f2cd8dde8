"""Shared support for the malformed-input tests (tests/test_malformed_*.py): a catalogue of
broken, hostile and odd files, each run through the real CLI (`loopcheck scan --format json`,
and text) with the exact error expected.

Every case checks the same contract: no traceback in any output, exit status 2 when a file
that looks like a template cannot be read or parsed (and 0/1 otherwise), the bad file
reported with its message, line and column, and the other files of the same scan still
scanned (a known looping template sits next to the bad file: its EL101 must still be there).

Inputs are generated in tmp_path, so the repository stays small. The bugs this catalogue
found are fixed; a new one would be kept here, marked xfail(strict=True) with its reason.

The tests are split by input kind: test_malformed_syntax (YAML and JSON that do not parse,
duplicate keys, nesting), test_malformed_bytes (size, encodings, line ends),
test_malformed_shape (not templates, Resources of the wrong shape, properties of the wrong
type), test_malformed_intrinsics (alias bombs, intrinsic functions used wrongly, cyclic
references), test_malformed_files (the file system, handler code, the top-level guard).
"""

from __future__ import annotations

import contextlib
import json
import re
import resource
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Union

import yaml
from clirunner import cli_runner

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


# -- the two checks every loader case runs -------------------------------------------------


def check_bad_file_next_to_a_loop(case: Case, tmp_path: Path) -> None:
    """The bad file is reported as expected, and the loop next to it is still found."""
    bad = tmp_path / "case" / case.name
    bad.parent.mkdir()
    if isinstance(case.content, bytes):
        bad.write_bytes(case.content)
    else:
        bad.write_bytes(case.content.encode("utf-8"))
    loop = add_loop(tmp_path / "loop")

    run = run_cli(tmp_path, extra=["--verbose"])  # each skipped file on its own line
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



def check_bad_file_named_alone(case: Case, tmp_path: Path) -> None:
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
