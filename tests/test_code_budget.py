"""Limits of handler-code analysis (issue 12): a limit that stops the analysis never turns into
"the code never writes". Each limit is tried just past it (the loop is then reported from the
permissions, with a `loopcheck: note:`) and just inside it (the code still decides); the work
budget grows linearly with the code, and bundled handlers are analysed or abandoned within it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import handler_bundles as hb
import pytest
from builder import Document, bucket, environment, function, ref, s3_crud, s3_event, template, write
from clirunner import cli_runner

from loopcheck.app.cli import main
from loopcheck.code import budget, js_facts, python_facts
from loopcheck.code.js_facts import analyse_js, analyse_js_source
from loopcheck.code.python_facts import analyse_python, analyse_python_source
from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse


def _template(runtime: str) -> Document:
    """Media triggers Fn (code in src/, app.handler), which may write Media, named in OUT."""
    fn = function([s3_crud("Media")], {"Up": s3_event("Media")}, runtime=runtime,
                  Environment=environment(OUT=ref("Media")))
    return template({"Media": bucket(), "Fn": fn})


PY_WRITE = ("import os, boto3\ndef go():\n"
            "    boto3.client('s3').put_object(Bucket=os.environ['OUT'], Key='out/x')\n")
JS_WRITE = (
    'const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");\n'
    "exports.go = async () =>\n"
    "  new S3Client({}).send(new PutObjectCommand({ Bucket: process.env.OUT, Key: 'out/x' }));\n"
)


def _write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _python_chain(length: int) -> Dict[str, str]:
    """app.py -> m1 -> ... -> m<length>, the write in the last: `length` imports away."""
    files = {"app.py": "import m1\ndef handler(event, context):\n    m1.go()\n"}
    for i in range(1, length):
        files[f"m{i}.py"] = f"import m{i + 1}\ndef go():\n    m{i + 1}.go()\n"
    files[f"m{length}.py"] = PY_WRITE
    return files


def _js_chain(length: int) -> Dict[str, str]:
    files = {"app.js": 'const m = require("./m1");\nexports.handler = async () => m.go();\n'}
    for i in range(1, length):
        files[f"m{i}.js"] = f'const m = require("./m{i + 1}");\nexports.go = async () => m.go();\n'
    files[f"m{length}.js"] = JS_WRITE
    return files


def _python_fan(modules: int) -> Dict[str, str]:
    """app.py importing m1 ... m<modules> (one file each), the write in the last."""
    names = [f"m{i}" for i in range(1, modules + 1)]
    files = {"app.py": "".join(f"import {n}\n" for n in names)
             + "def handler(event, context):\n" + "".join(f"    {n}.go()\n" for n in names)}
    files.update({f"{n}.py": "def go():\n    pass\n" for n in names[:-1]})
    files[f"{names[-1]}.py"] = PY_WRITE
    return files


def _js_fan(modules: int) -> Dict[str, str]:
    names = [f"m{i}" for i in range(1, modules + 1)]
    files = {"app.js": "".join(f'const {n} = require("./{n}");\n' for n in names)
             + "exports.handler = async () => {\n" + "".join(f"  await {n}.go();\n" for n in names) + "};\n"}
    files.update({f"{n}.js": "exports.go = async () => 1;\n" for n in names[:-1]})
    files[f"{names[-1]}.js"] = JS_WRITE
    return files


def _scan(tmp_path: Path, files: Dict[str, str], runtime: str) -> Tuple[List[Tuple[str, str, str]], List[str]]:
    """(rule, severity, evidence) of each finding, and the notes, for Fn with these files."""
    _write(tmp_path, files)
    template = write(tmp_path, _template(runtime))
    loaded = load_file(template)
    assert isinstance(loaded, Template)
    analysis = analyse(str(template), loaded.data)
    return [(f.rule, f.severity, f.evidence) for f in analysis.findings], analysis.notes


def _from_code(findings: List[Tuple[str, str, str]]) -> bool:
    return findings[:1] == [("EL101", "error", findings[0][2])] and findings[0][2] != "permission"


PERMISSION_ERROR = ("EL101", "error", "permission")


# -- the import depth limit ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_a_write_one_import_past_the_depth_limit_leaves_the_verdict_to_permissions(tmp_path, language):
    chain, runtime = (_python_chain, "python3.12") if language == "python" else (_js_chain, "nodejs20.x")
    findings, notes = _scan(tmp_path, chain(4), runtime)  # the limit is 3 imports
    assert findings[0] == PERMISSION_ERROR
    assert "IL106" not in [rule for rule, _, _ in findings]
    assert len(notes) == 1 and "Fn" in notes[0] and "m3" in notes[0]
    assert ("more than 3" in notes[0]) and "permissions decide" in notes[0]


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_a_write_at_the_depth_limit_is_found_and_decides(tmp_path, language):
    chain, runtime = (_python_chain, "python3.12") if language == "python" else (_js_chain, "nodejs20.x")
    findings, notes = _scan(tmp_path, chain(3), runtime)
    assert _from_code(findings), findings
    assert notes == []


# -- the file cap --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_a_write_in_the_file_past_the_cap_leaves_the_verdict_to_permissions(tmp_path, language):
    if language == "python":
        files, runtime = _python_fan(python_facts.MAX_FILES), "python3.12"  # entry + MAX_FILES
    else:
        files, runtime = _js_fan(js_facts.MAX_FILES), "nodejs20.x"
    findings, notes = _scan(tmp_path, files, runtime)
    assert findings[0] == PERMISSION_ERROR
    assert "IL106" not in [rule for rule, _, _ in findings]
    assert len(notes) == 1 and "files" in notes[0] and "permissions decide" in notes[0]


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_a_write_in_the_last_file_inside_the_cap_decides(tmp_path, language):
    if language == "python":
        files, runtime = _python_fan(python_facts.MAX_FILES - 1), "python3.12"
    else:
        files, runtime = _js_fan(js_facts.MAX_FILES - 1), "nodejs20.x"
    findings, notes = _scan(tmp_path, files, runtime)
    assert _from_code(findings), findings
    assert notes == []


# -- modules that are not there ------------------------------------------------------------


def test_a_relative_import_not_found_makes_the_facts_incomplete(tmp_path):
    _write(tmp_path, {"app.js": 'const m = require("./gone");\nexports.handler = async () => m.go();\n',
                      "app.py": "from . import gone\ndef handler(event, context):\n    gone.go()\n"})
    js = analyse_js(tmp_path / "src" / "app.js", "handler", tmp_path / "src")
    py = analyse_python(tmp_path / "src" / "app.py", "handler", tmp_path / "src")
    for facts in (js, py):
        assert facts.analysed and not facts.complete and facts.writes == []
        assert len(facts.notes) == 1 and "gone" in facts.notes[0]


def test_a_data_file_import_and_an_installed_package_leave_the_facts_complete(tmp_path):
    _write(tmp_path, {"app.js": 'const c = require("./config.json");\nconst x = require("lodash");\n'
                                "exports.handler = async () => c;\n",
                      "config.json": "{}\n",
                      "app.py": "import requests\ndef handler(event, context):\n    requests.get('x')\n"})
    js = analyse_js(tmp_path / "src" / "app.js", "handler", tmp_path / "src")
    py = analyse_python(tmp_path / "src" / "app.py", "handler", tmp_path / "src")
    for facts in (js, py):
        assert facts.analysed and facts.complete and facts.notes == []


def test_unused_permission_advice_still_comes_from_complete_code(tmp_path):
    findings, notes = _scan(tmp_path, {"app.py": "def handler(event, context):\n    return 1\n"}, "python3.12")
    assert [rule for rule, _, _ in findings] == ["IL106"] and notes == []


# -- the work budget -----------------------------------------------------------------------


@pytest.fixture
def tiny_budget(monkeypatch):
    monkeypatch.setattr(budget, "UNITS_PER_FILE", 200)
    monkeypatch.setattr(budget, "UNITS_PER_BYTE", 0)


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_code_past_its_budget_is_unknown_not_silent(tmp_path, tiny_budget, language):
    lines = "".join(f"    x{i} = {i}\n" for i in range(300))
    files = ({"app.py": "def handler(event, context):\n" + lines} if language == "python"
             else {"app.js": "exports.handler = async () => {\n" + lines.replace("    x", "  var x") + "};\n"})
    findings, notes = _scan(tmp_path, files, "python3.12" if language == "python" else "nodejs20.x")
    assert findings[0] == PERMISSION_ERROR  # the same code inside its budget gives IL106
    assert len(notes) == 1 and "work budget of 200 units" in notes[0] and "app." in notes[0]


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_the_same_code_inside_its_budget_decides(tmp_path, language):
    lines = "".join(f"    x{i} = {i}\n" for i in range(300))
    files = ({"app.py": "def handler(event, context):\n" + lines} if language == "python"
             else {"app.js": "exports.handler = async () => {\n" + lines.replace("    x", "  var x") + "};\n"})
    findings, notes = _scan(tmp_path, files, "python3.12" if language == "python" else "nodejs20.x")
    assert [rule for rule, _, _ in findings] == ["IL106"] and notes == []


def test_the_budget_note_reaches_stderr_and_json_stays_clean(tmp_path, tiny_budget):
    _write(tmp_path, {"app.py": "def handler(event, context):\n" + "    x = 1\n" * 300})
    write(tmp_path, _template("python3.12"))
    result = cli_runner().invoke(main, ["scan", "--format", "json", str(tmp_path / "template.yaml")])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["findings"][0]["rule"] == "EL101"
    notes = [line for line in result.stderr.splitlines() if line.startswith("loopcheck: note:")]
    assert len(notes) == 1 and "Fn" in notes[0] and "work budget" in notes[0]


# -- linear work on hostile shapes ---------------------------------------------------------


@pytest.fixture
def no_clock(monkeypatch):
    """Outcomes here are decided by work units, never by how busy the machine is."""
    monkeypatch.setattr(budget, "SECONDS_PER_FILE", 1e9)


def _units(facts) -> float:
    assert facts.analysed, facts.problems
    assert [(w.api, w.target.value) for w in facts.writes] == [("PutObject", "BUCKET")]
    return facts.work_units


def test_many_names_in_one_function_cost_linear_work(no_clock):
    small = _units(analyse_js_source(hb.js_many_names(300), "index.js", "handler"))
    large = _units(analyse_js_source(hb.js_many_names(1500), "index.js", "handler"))
    assert large < 6 * small  # five times the names; the old per-name scope scans were 25 times
    python_small = _units(analyse_python_source(hb.py_many_names(300), "app.py", "handler"))
    python_large = _units(analyse_python_source(hb.py_many_names(1500), "app.py", "handler"))
    assert python_large < 6 * python_small


@pytest.mark.parametrize("style", ["esbuild", "webpack"])
def test_bundles_cost_linear_work(no_clock, style):
    small = _units(analyse_js_source(hb.js_bundle(40_000, style), "index.js", "handler"))
    large = _units(analyse_js_source(hb.js_bundle(160_000, style), "index.js", "handler"))
    assert large < 5 * small


def test_deep_nesting_costs_linear_work(no_clock):
    small = _units(analyse_js_source(hb.js_deep_nesting(100), "index.js", "handler"))
    large = _units(analyse_js_source(hb.js_deep_nesting(400), "index.js", "handler"))
    assert large < 5 * small


def test_python_ifs_over_many_variables_cost_linear_work(no_clock):
    def code(count: int) -> str:
        head = hb.py_many_names(count).splitlines()
        tests = [f"    if key.endswith('.x{i}'):\n        x{i} = x{i} + 1" for i in range(count)]
        return "\n".join(head[:-1] + tests + head[-1:]) + "\n"

    small = _units(analyse_python_source(code(300), "app.py", "handler"))
    large = _units(analyse_python_source(code(1200), "app.py", "handler"))
    assert large < 5 * small


def test_a_one_megabyte_bundle_is_analysed_within_its_work_budget(no_clock):
    text = hb.js_bundle(990_000)
    facts = analyse_js_source(text, "index.js", "handler")
    units = _units(facts)
    allowance = budget.UNITS_PER_FILE + budget.UNITS_PER_BYTE * len(text.encode())
    assert units < allowance and units < 1.5 * len(text.encode())


def test_a_one_megabyte_bundle_past_its_budget_is_abandoned_with_the_note(no_clock, monkeypatch):
    monkeypatch.setattr(budget, "UNITS_PER_BYTE", 0)  # only the fixed part: not enough
    facts = analyse_js_source(hb.js_bundle(990_000), "index.js", "handler")
    assert not facts.analysed and facts.writes == []
    assert facts.notes == [facts.problems[0]]
    assert "index.js: handler analysis stopped: work budget" in facts.notes[0]
    assert facts.work_units <= budget.UNITS_PER_FILE + 1024  # it stopped when the budget ran out


def test_the_clock_backstop_abandons_too(monkeypatch):
    monkeypatch.setattr(budget, "SECONDS_PER_FILE", -1.0)
    facts = analyse_python_source(textwrap.dedent(hb.py_many_names(2000)), "app.py", "handler")
    assert not facts.analysed and "time budget" in facts.notes[0]
