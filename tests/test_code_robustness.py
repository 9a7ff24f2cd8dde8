"""Files, imports, handler export forms and failures: what the analysers do with code they cannot fully
read.

Python tests first, then JavaScript / TypeScript; what both languages must answer alike
is in tests/conformance/."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from pathlib import Path

import code_js_support as js
import code_python_support as py
import pytest

from loopcheck.code import js_facts
from loopcheck.code.budget import MAX_FILE_BYTES
from loopcheck.code.facts import (
    Basename,
    CodeFacts,
    Concat,
    IncomingKey,
    Lit,
    Stem,
    Target,
    Write,
)
from loopcheck.code.js_facts import analyse_js, analyse_js_source
from loopcheck.code.python_facts import analyse_python, analyse_python_source

INCOMING = IncomingKey()


# -- Python: files, imports and failures ---------------------------------------------------------------

def test_thumbnailer_sample_follows_sibling_module_and_package():
    root = py.SAMPLES / "thumbnailer"
    facts = analyse_python(root / "app.py", "handler", root)
    assert facts.analysed, facts.problems
    assert facts.files == [
        str(root / "app.py"),
        str(root / "storage.py"),
        str(root / "lib" / "__init__.py"),
        str(root / "lib" / "keys.py"),
    ]
    [write] = facts.writes  # unused_cleanup is never reached
    assert write.file == str(root / "storage.py")
    assert (write.api, write.target) == ("PutObject", Target("event-source"))
    assert write.key == Concat((Lit("thumbnails/"), Stem(Basename(INCOMING)), Lit(".png")))
    assert py.key_tests(write) == [("startswith", "thumbnails/", True)]


@pytest.mark.parametrize(
    "import_line, call",
    [
        ("import storage", "storage.save(key)"),
        ("from storage import save", "save(key)"),
        ("from . import storage", "storage.save(key)"),
        ("from .storage import save as keep", "keep(key)"),
        ("import pkg.storage", "pkg.storage.save(key)"),
        ("import pkg.storage as st", "st.save(key)"),
        ("from pkg import storage", "storage.save(key)"),
        ("from pkg.storage import *", "save(key)"),
    ],
)
def test_import_forms_are_followed(tmp_path, import_line, call):
    module = """
    import os
    import boto3
    CLIENT = boto3.client("s3")
    def save(key):
        CLIENT.put_object(Bucket=os.environ["OUT"], Key="copy/" + key)
    """
    py.write_files(
        tmp_path,
        {
            "app.py": f"{import_line}\n"
            "def handler(event, context):\n"
            "    key = event['Records'][0]['s3']['object']['key']\n"
            f"    {call}\n",
            "storage.py": module,
            "pkg/__init__.py": "",
            "pkg/storage.py": module,
        },
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert facts.analysed, facts.problems
    [write] = facts.writes
    assert (write.target, write.key) == (Target("env", "OUT"), Concat((Lit("copy/"), INCOMING)))


def test_handler_in_a_subfolder_uses_relative_imports(tmp_path):
    py.write_files(
        tmp_path,
        {
            "src/__init__.py": "",
            "src/app.py": "from .helpers import run\ndef handler(event, context):\n    run()\n",
            "src/helpers.py": "import boto3\n"
            "def run():\n"
            "    boto3.client('s3').put_object(Bucket='b', Key='k')\n",
        },
    )
    facts = analyse_python(tmp_path / "src" / "app.py", "handler", tmp_path)
    assert [w.file for w in facts.writes] == [str(tmp_path / "src" / "helpers.py")]


def test_import_escaping_the_root_is_not_read():
    root = py.SAMPLES / "escape" / "root"
    facts = analyse_python(root / "app.py", "handler", root)
    assert facts.files == [str(root / "app.py")]
    assert facts.writes == []
    assert any("leaves the function's code folder" in problem for problem in facts.problems)


def test_symlink_out_of_the_root_is_not_read(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import boto3\nboto3.client('s3').put_object(Bucket='outside', Key='k')\n")
    root = tmp_path / "fn"
    py.write_files(root, {"app.py": "import linked\ndef handler(event, context):\n    pass\n"})
    (root / "linked.py").symlink_to(outside)
    facts = analyse_python(root / "app.py", "handler", root)
    assert facts.writes == [] and facts.files == [str(root / "app.py")]
    assert any("leaves the function's code folder" in problem for problem in facts.problems)
    (root / "entry.py").symlink_to(outside)
    escaped = analyse_python(root / "entry.py", "handler", root)
    assert not escaped.analysed and escaped.writes == []


def test_import_depth_is_bounded(tmp_path):
    py.write_files(
        tmp_path,
        {
            "app.py": "import a\ndef handler(event, context):\n    a.go()\n",
            "a.py": "import b\ndef go():\n    b.go()\n",
            "b.py": "import c\ndef go():\n    c.go()\n",
            "c.py": "import boto3\ndef go():\n    boto3.client('s3').put_object(Bucket='deep', Key='k')\n",
        },
    )
    assert len(analyse_python(tmp_path / "app.py", "handler", tmp_path).writes) == 1
    shallow = analyse_python(tmp_path / "app.py", "handler", tmp_path, max_depth=2)
    assert shallow.writes == []
    assert any("not followed" in problem for problem in shallow.problems)


def test_vendored_sdk_and_installed_packages_are_not_read(tmp_path):
    py.write_files(
        tmp_path,
        {
            "app.py": "import boto3, requests\ndef handler(event, context):\n    requests.get('x')\n"
            "    boto3.client('s3').put_object(Bucket='b', Key='k')\n",
            "boto3/__init__.py": "raise SystemExit('vendored boto3 must not be read')\n",
            "requests/__init__.py": "import boto3\nboto3.client('s3').put_object(Bucket='vendored', Key='k')\n",
            "requests-2.31.0.dist-info/top_level.txt": "requests\n",
        },
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert [w.target for w in facts.writes] == [Target("literal", "b")]
    assert facts.files == [str(tmp_path / "app.py")]


def test_syntax_error_gives_the_line(tmp_path):
    py.write_files(tmp_path, {"app.py": "import boto3\n\n\ndef handler(event, context)\n    pass\n"})
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert not facts.analysed
    assert facts.writes == []
    [problem] = facts.problems
    assert problem.startswith(f"{tmp_path / 'app.py'}:4: syntax error: ")


def test_syntax_error_in_inline_code():
    facts = analyse_python_source("def handler(event, context):\n    return (\n", "index.py", "handler")
    assert not facts.analysed
    assert facts.problems[0].startswith("index.py:2: syntax error:")


def test_syntax_error_in_an_imported_module_marks_the_facts_untrustworthy(tmp_path):
    py.write_files(
        tmp_path, {"app.py": "import helper\ndef handler(event, context):\n    pass\n", "helper.py": "def (\n"}
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert not facts.analysed
    assert any(problem.startswith(f"{tmp_path / 'helper.py'}:1: syntax error") for problem in facts.problems)


def test_non_utf8_missing_and_oversized_files(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\ndef handler(event, context):\n    pass\n")
    latin = analyse_python(tmp_path / "latin.py", "handler", tmp_path)
    assert not latin.analysed and latin.problems == [
        f"{tmp_path / 'latin.py'}:1: not UTF-8 text (invalid continuation byte)"
    ]
    missing = analyse_python(tmp_path / "nope.py", "handler", tmp_path)
    assert not missing.analysed and missing.problems
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 1))
    big = analyse_python(tmp_path / "big.py", "handler", tmp_path)
    assert not big.analysed and "larger than" in big.problems[0]
    text = "x = 1\n" * (MAX_FILE_BYTES // 6 + 1)
    assert not analyse_python_source(text, "inline.py", "handler").analysed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    facts = analyse_python(tmp_path / "pipe.py", "handler", tmp_path)
    assert not facts.analysed and "not a regular file" in facts.problems[0]


def test_sample_code_is_never_executed():
    marker = Path("/tmp/loopcheck-python-sample-was-executed.marker")
    folder = Path("/tmp/loopcheck-python-sample-was-executed.dir")
    for path in (marker, folder):
        if path.is_dir():
            path.rmdir()
        elif path.exists():
            path.unlink()
    facts = analyse_python(py.SAMPLES / "marker" / "app.py", "handler", py.SAMPLES / "marker")
    assert facts.analysed
    assert [w.target for w in facts.writes] == [Target("env", "OUTPUT_BUCKET")]
    assert not marker.exists() and not folder.exists()


def test_imported_module_is_never_executed(tmp_path):
    marker = tmp_path / "ran.marker"
    py.write_files(
        tmp_path,
        {
            "app.py": "import side\ndef handler(event, context):\n    pass\n",
            "side.py": f"open({str(marker)!r}, 'w').write('ran')\nimport os\nos.system('touch {marker}')\n",
        },
    )
    facts = analyse_python(tmp_path / "app.py", "handler", tmp_path)
    assert facts.analysed and len(facts.files) == 2
    assert not marker.exists()


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 150 + "1" + ")" * 150 + "\ndef handler(e, c):\n    pass\n",
        "def handler(event, context):\n    k = 'a'\n"
        + "    k = k + k\n" * 200
        + "    s3.put_object(Bucket='b', Key=k)\n",
        "def handler(event, context):\n    while True:\n        for x in event:\n            for y in x:\n"
        "                for z in y:\n                    s3.put_object(Bucket='b', Key=z)\n",
        "class A(B, metaclass=M):\n    x: int\n"
        "    def __call__(self, e, c):\n        yield from e\nhandler = A()\n",
        "async def handler(event, context):\n    async with lock as l:\n        async for r in q:\n"
        "            await s3.put_object(Bucket='b', Key=[*r][0])\n",
        "def handler(event, context):\n    match event:\n"
        "        case {'k': k}:\n            s3.put_object(Bucket='b', Key=k)\n",
        "def handler(event, context):\n"
        "    lambda: s3.put_object(Bucket='b', Key='k')\n    del event\n    global g\n",
    ],
)
def test_odd_code_never_raises(source):
    facts = py.facts_of(source)
    assert isinstance(facts, CodeFacts)
    assert all(isinstance(write, Write) for write in facts.writes)


# -- JavaScript: module behaviour ----------------------------------------------------------------------

@js.needs_tree_sitter
def test_importing_the_module_does_not_import_tree_sitter() -> None:
    code = "import sys, loopcheck.code.js_facts; print('tree_sitter' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_without_tree_sitter_nothing_is_analysed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setattr(js_facts, "_tree_sitter_available", lambda: False)
    inline = analyse_js_source("exports.handler = async () => {};", "index.js", "handler")
    assert inline == CodeFacts("javascript", analysed=False, problems=["tree-sitter not installed"])
    entry = tmp_path / "app.ts"
    entry.write_text("export const handler = async () => {};")
    from_file = analyse_js(entry, "handler", tmp_path)
    assert from_file == CodeFacts("typescript", analysed=False, problems=["tree-sitter not installed"])


@js.needs_tree_sitter
def test_the_code_is_never_run(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "ran"
    code = f'require("fs").writeFileSync({str(marker)!r}, "x");\nexports.handler = async () => {{}};'
    entry = tmp_path / "index.js"
    entry.write_text(code)
    assert analyse_js(entry, "handler", tmp_path).analysed
    assert not marker.exists()


@pytest.mark.parametrize(
    "code, typescript",
    [
        ("exports.handler = async (event) => {\n  const x = ;\n};", False),
        ("export const handler = async (event: S3Event => {}", True),
        ("function handler(event) {\n  if (event.x {\n    return 1;\n  }\n}", False),
    ],
)
@js.needs_tree_sitter
def test_a_syntax_error_means_nothing_is_analysed(code: str, typescript: bool) -> None:
    filename = "app.ts" if typescript else "app.js"
    facts = analyse_js_source(code, filename, "handler", typescript=typescript)
    assert not facts.analysed
    assert facts.writes == []
    assert len(facts.problems) == 1 and facts.problems[0].startswith(f"{filename}:")
    assert facts.problems[0].endswith(": syntax error")


@js.needs_tree_sitter
def test_a_syntax_error_reports_its_line() -> None:
    facts = analyse_js_source("const a = 1;\nconst b = 2;\nconst c = (;\n", "bad.js", "handler")
    assert facts.problems == ["bad.js:3: syntax error"]


@js.needs_tree_sitter
def test_a_syntax_error_in_an_imported_module_means_nothing_is_analysed(tmp_path: pathlib.Path) -> None:
    (tmp_path / "index.js").write_text(
        'const lib = require("./lib");\nexports.handler = async () => lib.go();\n'
    )
    (tmp_path / "lib.js").write_text("exports.go = async () => {\n  return [1, 2;\n};\n")
    facts = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert not facts.analysed
    assert facts.problems == [f"{tmp_path / 'lib.js'}:2: syntax error"]


@js.needs_tree_sitter
def test_language_follows_the_extension(tmp_path: pathlib.Path) -> None:
    for name, language in [("a.js", "javascript"), ("a.cjs", "javascript"), ("a.mts", "typescript")]:
        (tmp_path / name).write_text("export const handler = async () => {};")
        assert analyse_js(tmp_path / name, "handler", tmp_path).language == language


@js.needs_tree_sitter
def test_tsx_files_use_the_tsx_grammar(tmp_path: pathlib.Path) -> None:
    entry = tmp_path / "view.tsx"
    entry.write_text(
        js.V3 + "const View = (p: { n: string }) => <div>{p.n}</div>;\n"
        "export const handler = async (event: unknown): Promise<void> => {\n"
        '  await s3.send(new PutObjectCommand({ Bucket: "pages", Key: "index.html" }));\n};\n'
    )
    facts = analyse_js(entry, "handler", tmp_path)
    assert facts.analysed and facts.language == "typescript"
    assert [w.target for w in facts.writes] == [Target("literal", "pages")]


@js.needs_tree_sitter
def test_files_larger_than_the_limit_are_not_read(tmp_path: pathlib.Path) -> None:
    entry = tmp_path / "big.js"
    entry.write_text("// " + "x" * (MAX_FILE_BYTES + 10))
    facts = analyse_js(entry, "handler", tmp_path)
    assert not facts.analysed and "larger than" in facts.problems[0]
    assert not analyse_js_source("x" * (MAX_FILE_BYTES + 1), "big.js", "handler").analysed


@js.needs_tree_sitter
def test_an_entry_outside_the_root_is_not_read(tmp_path: pathlib.Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "app.js").write_text("exports.handler = async () => {};")
    facts = analyse_js(tmp_path / "app.js", "handler", tmp_path / "root")
    assert not facts.analysed and "outside the function's code folder" in facts.problems[0]


@js.needs_tree_sitter
def test_positions_are_one_based_and_count_characters() -> None:
    code = js.in_handler('  const s = "héllo";   ' + js.put('"b"'))
    write = js.one_write(code)
    assert (write.line, write.column) == (5, 30)  # 31 if bytes were counted: "é" is two
    assert write.file == "index.js"


# -- JavaScript: handler export forms ------------------------------------------------------------------

WRITE = 'await s3.send(new PutObjectCommand({ Bucket: event.Records[0].s3.bucket.name, Key: "k" }));'


@pytest.mark.parametrize(
    "shape",
    [
        "exports.handler = async (event) => { WRITE };",
        "module.exports.handler = async function (event) { WRITE };",
        "async function handler(event) { WRITE }\nmodule.exports = { handler };",
        "module.exports = { handler: async (event) => { WRITE } };",
        "module.exports = { async handler(event) { WRITE } };",
        "const handler = async (event) => { WRITE };\nexports.handler = handler;",
        "export const handler = async (event) => { WRITE };",
        "export async function handler(event) { WRITE }",
        "const main = async (event) => { WRITE };\nexport { main as handler };",
        "const handler = async (event) => { WRITE };\nexport { handler };",
        "export const handler = middy(async (event) => { WRITE }).use(logger());",
        "exports['handler'] = async (event, ...rest) => { WRITE };",
    ],
)
@js.needs_tree_sitter
def test_handler_export_forms(shape: str) -> None:
    facts = js.facts_of(js.V3 + shape.replace("WRITE", WRITE))
    assert facts.problems == []
    assert [w.target for w in facts.writes] == [js.EVENT]


@js.needs_tree_sitter
def test_the_handler_may_destructure_the_event() -> None:
    code = (
        js.V3
        + "exports.handler = async ({ Records }, { functionName }) => {\n"
        + js.put("Records[0].s3.bucket.name", "Records[0].s3.object.key")
        + js.put("functionName")
        + "\n};"
    )
    first, second = js.writes_of(code)
    assert (first.target, first.key, second.target) == (js.EVENT, IncomingKey(), Target("self"))


@pytest.mark.parametrize(
    "entry",
    ['export { handler } from "./impl.js";', 'module.exports = require("./impl.js");'],
)
@js.needs_tree_sitter
def test_a_handler_re_exported_from_another_module(tmp_path: pathlib.Path, entry: str) -> None:
    (tmp_path / "index.js").write_text(entry)
    (tmp_path / "impl.js").write_text(js.V3 + "exports.handler = async (event) => {\n" + WRITE + "\n};")
    facts = analyse_js(tmp_path / "index.js", "handler", tmp_path)
    assert facts.problems == [] and [w.target for w in facts.writes] == [js.EVENT]


@js.needs_tree_sitter
def test_the_handler_name_may_carry_the_module_prefix() -> None:
    code = js.in_handler(js.put("event.Records[0].s3.bucket.name"))
    assert js.one_write(code, name="index.handler").target == js.EVENT


@js.needs_tree_sitter
def test_a_missing_handler_is_a_problem_but_writes_are_still_reported() -> None:
    facts = js.facts_of(js.in_handler(js.put("event.Records[0].s3.bucket.name")), name="main")
    assert "handler 'main' not found" in facts.problems[0]
    assert [w.target.kind for w in facts.writes] == ["unknown"]
