"""Malformed input, files: symlink loops, unreadable files, FIFOs and devices named like
templates, broken or escaping handler code, and the top-level guard that turns an internal
error into one error entry (see tests/malformed.py for the contract)."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from malformed import (
    BUCKET_TEMPLATE,
    LOOP_FIXTURE,
    LOOP_TEXT,
    add_loop,
    assert_loop_found,
    limit_memory,
    loopcheck_executable,
    run_cli,
    time_limit,
)

import loopcheck.app.scan

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
