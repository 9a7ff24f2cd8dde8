"""Helpers for the JavaScript / TypeScript handler-code tests (tests/test_code_*.py)."""

from __future__ import annotations

import importlib.util
import pathlib
from typing import List, Optional

import pytest

from loopcheck.code.facts import (
    CodeFacts,
    Target,
    Write,
)
from loopcheck.code.js_facts import analyse_js_source

SAMPLES = pathlib.Path(__file__).parent / "code_samples" / "js"

EVENT = Target("event-source")
V3 = 'const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");\nconst s3 = new S3Client({});\n'


# Every JavaScript test but the "without tree-sitter" ones needs the parser and its grammars.
needs_tree_sitter = pytest.mark.skipif(
    not all(importlib.util.find_spec(name) for name in ("tree_sitter", "tree_sitter_javascript",
                                                        "tree_sitter_typescript")),
    reason="tree-sitter or a grammar is not installed",
)


def facts_of(code: str, *, name: str = "handler", typescript: bool = False, filename: str = "") -> CodeFacts:
    filename = filename or ("index.ts" if typescript else "index.js")
    facts = analyse_js_source(code, filename, name, typescript=typescript)
    assert facts.analysed, facts.problems
    return facts


def writes_of(code: str, **options: object) -> List[Write]:
    return facts_of(code, **options).writes  # type: ignore[arg-type]


def one_write(code: str, **options: object) -> Write:
    writes = writes_of(code, **options)
    assert len(writes) == 1, writes
    return writes[0]


def put(bucket: str, key: str = '"k"', body: str = "") -> str:
    """An S3 v3 PutObject call with the given Bucket and Key expressions."""
    return f"await s3.send(new PutObjectCommand({{ Bucket: {bucket}, Key: {key}{body} }}));"


def in_handler(body: str, prelude: str = "") -> str:
    return f"{V3}{prelude}\nexports.handler = async (event, context) => {{\n{body}\n}};\n"


def key_of(key_expr: str, prelude: str = "", setup: str = "") -> object:
    """The key facts give for an expression written in a handler (record = first record)."""
    code = in_handler(
        "const record = event.Records[0];\nconst key = record.s3.object.key;\n"
        f"{setup}\n{put('record.s3.bucket.name', key_expr)}",
        prelude,
    )
    return one_write(code).key


def target_of(bucket_expr: str, prelude: str = "", setup: str = "") -> Target:
    return one_write(in_handler(f"{setup}\n{put(bucket_expr)}", prelude)).target


def key_guards(write: Write) -> List[Optional[tuple]]:
    return [guard.key_test for guard in write.guards if guard.kind == "key"]
