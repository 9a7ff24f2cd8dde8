"""Malformed input, bytes: files over the size limit, encodings that are not UTF-8, BOMs and
line ends (see tests/malformed.py for the contract every case checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from malformed import (
    BIG_STRING,
    BUCKET_TEMPLATE,
    HEADER,
    LOOP_TEXT,
    Case,
    Error,
    ErrorOrSkip,
    Scanned,
    Skip,
    add_loop,
    check_bad_file_named_alone,
    check_bad_file_next_to_a_loop,
    run_cli,
)

from loopcheck.load.loader import DEFAULT_MAX_BYTES

BYTES_CASES = [
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
]


@pytest.mark.parametrize("case", BYTES_CASES, ids=[c.id for c in BYTES_CASES])
def test_bad_file_next_to_a_loop(case: Case, tmp_path: Path):
    """The bad file is reported as expected, and the loop next to it is still found."""
    check_bad_file_next_to_a_loop(case, tmp_path)


@pytest.mark.parametrize("case", BYTES_CASES, ids=[c.id for c in BYTES_CASES])
def test_bad_file_named_alone(case: Case, tmp_path: Path):
    """Named on the command line by itself: 2 when unreadable, else 0/1 by its findings."""
    check_bad_file_named_alone(case, tmp_path)


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
