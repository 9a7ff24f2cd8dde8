"""Reading handler files and building their facts, shared by every language
(loopcheck/code/source_files.py, facts_builder.py): the same problem reads the same in Python
and JavaScript, the code folder holds, and the facts come out the same way."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Dict

import code_js_support as js
import pytest

from loopcheck.code import source_files
from loopcheck.code.budget import MAX_FILE_BYTES
from loopcheck.code.facts import AnyText, CodeFacts, Guard, Lit, Target, Write
from loopcheck.code.facts_builder import FactsBuilder, merge_write
from loopcheck.code.js_facts import analyse_js, analyse_js_source
from loopcheck.code.python_facts import analyse_python, analyse_python_source
from loopcheck.code.source_files import CodeFolder, decode_utf8, read_bytes

# language -> (file suffix, analyse a file, analyse text, a module importing module `name`)
LANGUAGES: Dict[str, tuple] = {
    "python": (".py", analyse_python, analyse_python_source,
               lambda name: f"from .{name} import value\n\ndef handler(event, context):\n    return value\n"),
    "javascript": (".js", analyse_js, analyse_js_source,
                   lambda name: f'const m = require("./{name}");\nexports.handler = async () => m;\n'),
}
BOTH = [pytest.param("python"), pytest.param("javascript", marks=js.needs_tree_sitter)]


def _entry(language: str) -> str:
    return "app" + LANGUAGES[language][0]


def _analyse(language: str) -> Callable[..., CodeFacts]:
    return LANGUAGES[language][1]


@pytest.mark.parametrize("language", BOTH)
def test_a_missing_entry_file_reads_the_same(tmp_path: Path, language: str) -> None:
    entry = tmp_path / _entry(language)
    facts = _analyse(language)(entry, "handler", tmp_path)
    assert not facts.analysed and facts.problems == [f"{entry}: cannot read: no such file"]


@pytest.mark.parametrize("language", BOTH)
def test_an_entry_outside_the_folder_reads_the_same(tmp_path: Path, language: str) -> None:
    (tmp_path / "root").mkdir()
    entry = tmp_path / _entry(language)
    entry.write_text("x = 1\n")
    facts = _analyse(language)(entry, "handler", tmp_path / "root")
    assert not facts.analysed
    assert facts.problems == [f"{entry}: outside the function's code folder {tmp_path / 'root'}; not read"]


@pytest.mark.parametrize("language", BOTH)
def test_a_folder_named_like_the_entry_is_not_read(tmp_path: Path, language: str) -> None:
    entry = tmp_path / _entry(language)
    entry.mkdir()
    facts = _analyse(language)(entry, "handler", tmp_path)
    assert not facts.analysed and facts.problems == [f"{entry}: not a regular file; not read"]


@pytest.mark.parametrize("language", BOTH)
def test_a_fifo_is_never_opened(tmp_path: Path, language: str) -> None:
    """Opening a FIFO for reading blocks until a writer comes: it must be refused by its type."""
    entry = tmp_path / _entry(language)
    try:
        os.mkfifo(entry)
    except (AttributeError, OSError):
        pytest.skip("no FIFOs here")
    facts = _analyse(language)(entry, "handler", tmp_path)
    assert not facts.analysed and facts.problems == [f"{entry}: not a regular file; not read"]


@pytest.mark.parametrize("language", BOTH)
def test_too_large_reads_the_same_from_a_file_and_inline(tmp_path: Path, language: str) -> None:
    entry = tmp_path / _entry(language)
    entry.write_text("#" * (MAX_FILE_BYTES + 1))
    from_file = _analyse(language)(entry, "handler", tmp_path)
    inline = LANGUAGES[language][2]("#" * (MAX_FILE_BYTES + 1), "index", "handler")
    assert from_file.problems == [f"{entry}: larger than {MAX_FILE_BYTES} bytes; not read"]
    assert inline.problems == [f"index: larger than {MAX_FILE_BYTES} bytes; not read"]
    assert not from_file.analysed and not inline.analysed


@pytest.mark.parametrize("language", BOTH)
def test_an_import_not_in_the_folder_reads_the_same(tmp_path: Path, language: str) -> None:
    suffix, analyse, _, importing = LANGUAGES[language]
    entry = tmp_path / ("app" + suffix)
    entry.write_text(importing("helpers"))
    facts = analyse(entry, "handler", tmp_path)
    name = ".helpers" if language == "python" else "'./helpers'"
    assert facts.analysed and not facts.complete
    assert [problem.split(": ", 1)[1] for problem in facts.problems] == [
        f"import of {name} not followed: not found in the function's code folder"
    ]
    assert facts.notes == facts.problems


@pytest.mark.parametrize("language", BOTH)
def test_the_import_depth_bound_reads_the_same(tmp_path: Path, language: str) -> None:
    suffix, analyse, _, importing = LANGUAGES[language]
    (tmp_path / ("app" + suffix)).write_text(importing("one"))
    (tmp_path / ("one" + suffix)).write_text(importing("two"))
    (tmp_path / ("two" + suffix)).write_text("x = 1\n" if language == "python" else "exports.x = 1;\n")
    facts = analyse(tmp_path / ("app" + suffix), "handler", tmp_path, max_depth=1)
    assert facts.files == [str(tmp_path / ("app" + suffix)), str(tmp_path / ("one" + suffix))]
    assert not facts.complete and len(facts.notes) == 1
    assert facts.notes[0].startswith(str(tmp_path / ("one" + suffix)))
    assert facts.notes[0].endswith("not followed: more than 1 imports deep")


@pytest.mark.parametrize("language", BOTH)
def test_a_followed_file_is_shown_under_the_folder_as_spelled(tmp_path: Path, language: str) -> None:
    """The folder reached through a symlink: files are named under the link, not the target."""
    suffix, analyse, _, importing = LANGUAGES[language]
    real = tmp_path / "real"
    real.mkdir()
    (real / ("app" + suffix)).write_text(importing("lib"))
    (real / ("lib" + suffix)).write_text("x = 1\n" if language == "python" else "exports.x = 1;\n")
    link = tmp_path / "link"
    try:
        link.symlink_to(real)
    except OSError:
        pytest.skip("symlinks not available")
    facts = analyse(link / ("app" + suffix), "handler", link)
    assert facts.files == [str(link / ("app" + suffix)), str(link / ("lib" + suffix))]


# -- source_files ---------------------------------------------------------------------------------


def test_a_bom_is_dropped_and_a_bad_byte_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\ny = 2\nz = '\xe9'\n")
    data, problem = read_bytes(path, "a.py")
    assert problem is None and data is not None and data.startswith(b"x = 1")
    text, problem = decode_utf8(data, "a.py")
    assert text is None and problem == "a.py:3: not UTF-8 text (invalid continuation byte)"


def test_a_symlink_out_of_the_folder_ends_the_search(tmp_path: Path) -> None:
    (tmp_path / "outside.py").write_text("x = 1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "b.py").write_text("x = 1\n")
    try:
        (root / "a.py").symlink_to(tmp_path / "outside.py")
    except OSError:
        pytest.skip("symlinks not available")
    folder = CodeFolder(root, 3)
    assert folder.first_file([root / "a.py", root / "b.py"]) == (None, True)
    assert folder.first_file([root / "missing.py", root / "b.py"]) == ((root / "b.py").resolve(), False)
    assert folder.first_file([root], folder=root) == (root.resolve(), False)  # a package folder
    assert folder.first_file([root]) == (None, False)  # a folder is not a file


def test_the_import_bounds() -> None:
    folder = CodeFolder(None, 2, max_files=3)
    assert folder.why_not_follow(2, 2) is None
    assert folder.why_not_follow(3, 0) == "more than 2 imports deep"
    assert folder.why_not_follow(1, 3) == "more than 3 files"


# -- facts_builder --------------------------------------------------------------------------------


def _write(bucket: str, key: str, guards: tuple = (), line: int = 3, file: str = "a.py") -> Write:
    return Write("s3", "PutObject", Target("literal", bucket), file, line, 1, Lit(key), guards)


def test_writes_of_one_call_site_keep_what_every_caller_agrees_on() -> None:
    guard = Guard("prefix", "thumb/", True)
    merged = merge_write(_write("a", "k", (guard,)), _write("b", "k"))
    assert merged.target == Target("unknown", "differs between callers")
    assert merged.key == Lit("k") and merged.guards == ()
    builder = FactsBuilder("python")
    builder.read_file("a.py", 10)
    builder.write(_write("a", "k1"), 0)
    builder.write(_write("a", "k2"), 1)  # a batch: another slot of the same call
    builder.write(_write("a", "k3"), 0)
    assert [w.key for w in builder.facts().writes] == [AnyText("differs between callers"), Lit("k2")]


def test_callers_naming_different_targets_keep_one_write_each() -> None:
    """A helper called for the queue and for a dead-letter queue: two writes, each with its
    target; callers whose targets are unknown still merge into one."""
    builder = FactsBuilder("python")
    builder.read_file("a.py", 10)
    builder.write(_write("a", "k1"), 0)
    builder.write(_write("b", "k2"), 0)
    builder.write(_write("a", "k3"), 0)
    for why in ("computed", "read from a file"):
        builder.write(Write("s3", "PutObject", Target("unknown", why), "a.py", 3, 1, Lit("k"), ()), 0)
    writes = builder.facts().writes
    assert [(w.target.value, w.key) for w in writes] == [
        ("a", AnyText("differs between callers")), ("b", Lit("k2")), ("differs between callers", Lit("k"))]


def test_writes_come_in_file_order_then_line() -> None:
    builder = FactsBuilder("javascript")
    builder.read_file("index.js", 10)
    builder.read_file("lib.js", 10)
    builder.write(_write("a", "k", line=9, file="lib.js"))
    builder.write(_write("a", "k", line=20, file="index.js"))
    builder.write(_write("a", "k", line=5, file="lib.js"))
    in_order = [("index.js", 20), ("lib.js", 5), ("lib.js", 9)]
    assert [(w.file, w.line) for w in builder.facts().writes] == in_order


def test_a_used_up_budget_leads_the_problems_and_is_a_note() -> None:
    builder = FactsBuilder("python")
    builder.read_file("app.py", 0)
    builder.unfollowed("app.py:1: import of x not followed: more than 3 imports deep")

    def analysis() -> None:
        builder.budget.tick(builder.budget.units + 1)

    facts = builder.run("app.py", analysis)
    assert not facts.analysed and not facts.complete
    assert facts.problems[0].startswith("app.py: handler analysis stopped: work budget")
    assert facts.notes == [facts.problems[1], facts.problems[0]]


def test_code_nested_too_deeply_is_not_analysed_instead_of_raising() -> None:
    builder = FactsBuilder("javascript")

    def analysis() -> None:
        raise RecursionError

    facts = builder.run("index.js", analysis)
    assert not facts.analysed and facts.problems == ["index.js: code nested too deeply to analyse"]


def test_unfollowed_code_is_noted_once_and_makes_the_facts_incomplete() -> None:
    builder = FactsBuilder("python")
    builder.unfollowed("app.py:2: import of .x not followed: not found in the function's code folder")
    builder.unfollowed("app.py:2: import of .x not followed: not found in the function's code folder")
    facts = builder.facts()
    assert facts.analysed and not facts.complete and len(facts.notes) == 1 and len(facts.problems) == 1


def test_the_wordings_are_shared() -> None:
    assert source_files.import_not_followed("'./x'", source_files.LEAVES_FOLDER) == (
        "import of './x' not followed: leaves the function's code folder")


def test_a_name_missing_from_a_package_of_the_folder_reads_like_a_missing_import(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from . import helpers\n\ndef handler(event, context):\n    return 1\n")
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert facts.notes == [
        f"{tmp_path / 'app.py'}:1: import of .helpers not followed: not found in the function's code folder"
    ]


@js.needs_tree_sitter
def test_a_bom_before_inline_javascript_does_not_move_columns() -> None:
    code = ("const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3'); exports.handler = "
            "async () => new S3Client({}).send(new PutObjectCommand({ Bucket: 'out', Key: 'k' }));\n")
    plain = analyse_js_source(code, "index.js", "handler")
    with_bom = analyse_js_source("\ufeff" + code, "index.js", "handler")
    assert [(w.line, w.column) for w in with_bom.writes] == [(w.line, w.column) for w in plain.writes] != []
