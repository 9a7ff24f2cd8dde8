"""Helpers for the Python handler-code tests (tests/test_code_*.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from loopcheck.code.facts import (
    CodeFacts,
    Write,
)
from loopcheck.code.python_facts import analyse_python_source

SAMPLES = Path(__file__).parent / "code_samples" / "python"

PRELUDE = """\
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
"""


def facts_of(source: str, handler: str = "handler", prelude: str = PRELUDE) -> CodeFacts:
    return analyse_python_source(prelude + textwrap.dedent(source), "app.py", handler)


def writes_of(source: str, **kwargs) -> list[Write]:
    facts = facts_of(source, **kwargs)
    assert facts.analysed, facts.problems
    return facts.writes


def only_write(source: str, **kwargs) -> Write:
    writes = writes_of(source, **kwargs)
    assert len(writes) == 1, writes
    return writes[0]


def handler_body(body: str) -> str:
    """`body` as the body of handler(event, context), with key/bucket of the first record."""
    lines = textwrap.indent(textwrap.dedent(body), "    ")
    return (
        "def handler(event, context):\n"
        "    record = event['Records'][0]\n"
        "    bucket = record['s3']['bucket']['name']\n"
        "    key = urllib.parse.unquote_plus(record['s3']['object']['key'])\n" + lines
    )


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def kinds(write: Write) -> list[str]:
    return [guard.kind for guard in write.guards]


def key_tests(write: Write) -> list:
    return [guard.key_test for guard in write.guards if guard.kind == "key"]
