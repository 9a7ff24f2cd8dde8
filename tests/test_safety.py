"""loopcheck never runs what it reads, opens no network connection, and bounds what it reads."""

from __future__ import annotations

import ast
import json
import shutil
import socket
from pathlib import Path
from typing import Any, Dict

import pytest
from builder import bucket, function, lambda_function, s3_crud, s3_event, template, write
from clirunner import cli_runner

from loopcheck.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

def _document(marker: Path) -> Dict[str, Any]:
    """Media triggers PyFn (code in py/), JsFn (code in js/) and InlineFn (code in the template),
    each of whose code would leave a file next to `marker` if it were run."""
    crud, events = [s3_crud("Media")], {"U": s3_event("Media")}
    inline_code = {"ZipFile": {"Fn::Join": ["\n", [f"open({str(marker)!r} + '-inline', 'w').write('ran')",
                                                    "def handler(event, context):", "    pass"]]}}
    return template({
        "Media": bucket(),
        "PyFn": function(crud, events, code_uri="py/"),
        "JsFn": function(crud, events, code_uri="js/", runtime="nodejs20.x"),
        "InlineFn": lambda_function(Runtime="python3.12", Handler="index.handler", Code=inline_code),
    })


def _project(tmp_path: Path) -> Path:
    marker = tmp_path / "ran"
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "app.py").write_text(
        f"open({str(marker)!r} + '-py', 'w').write('ran')\n"
        "import helper\n"
        "def handler(event, context):\n    pass\n"
    )
    (tmp_path / "py" / "helper.py").write_text(f"open({str(marker)!r} + '-helper', 'w').write('ran')\n")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text(
        f'require("fs").writeFileSync({str(marker)!r} + "-js", "ran");\nexports.handler = async () => {{}};\n'
    )
    write(tmp_path, _document(marker))
    return marker


def _scan(*args: str):
    result = cli_runner().invoke(main, ["scan", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_handler_code_and_inline_code_are_never_run(tmp_path):
    marker = _project(tmp_path)
    code, document = _scan(str(tmp_path / "template.yaml"))
    assert document["errors"] == []
    assert code in (0, 1)
    assert not list(tmp_path.glob("ran*")), "analysed code was executed"
    assert not marker.exists()


def test_a_scan_opens_no_network_connection(tmp_path, monkeypatch):
    _project(tmp_path)
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    code, document = _scan("--jobs", "1", str(tmp_path))
    assert attempts == []
    assert document["findings"] and document["errors"] == []


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            )
            yield name, node


@pytest.mark.parametrize("path", sorted((ROOT / "loopcheck").rglob("*.py")), ids=lambda p: p.name)
def test_source_never_evaluates_or_imports_what_it_reads(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name, node in _calls(tree):
        if isinstance(node.func, ast.Name):  # builtins; `re.compile` and the like are fine
            assert name not in ("eval", "exec", "compile", "__import__"), (
                f"{path.name}:{node.lineno} calls {name}"
            )
        assert name not in ("run_path", "run_module", "exec_module"), f"{path.name}:{node.lineno} calls {name}"
        if name in ("load", "load_all") and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "yaml":
                loader = {k.arg: k.value for k in node.keywords}.get("Loader")
                assert loader is not None and "Safe" in ast.unparse(loader), f"{path.name}:{node.lineno}"
        if name == "import_module":
            argument = ast.unparse(node.args[0]) if node.args else ""
            assert "loopcheck" in argument or "FORMATS" in argument, f"{path.name}:{node.lineno}: {argument}"


def test_the_loader_builds_on_a_safe_yaml_loader():
    from loopcheck.load import yaml_values

    safe = (__import__("yaml").SafeLoader, __import__("yaml").CSafeLoader)
    assert issubclass(yaml_values.TemplateLoader, safe)


def test_file_size_limit_is_configurable(tmp_path):
    template = tmp_path / "template.yaml"
    shutil.copy(FIXTURES / "s3-same-bucket-loop" / "template.yaml", template)
    size = template.stat().st_size
    code, document = _scan("--max-file-size", str(size - 1), str(template))
    assert code == 2
    assert document["errors"][0]["message"] == f"file is {size} bytes, over the {size - 1}-byte limit"
    code, document = _scan("--max-file-size", str(size), str(template))
    assert code == 1 and document["errors"] == []
    (tmp_path / ".loopcheck.yaml").write_text(f"max-file-size: {size - 1}\n")
    code, document = _scan(str(template))
    assert code == 2 and "limit" in document["errors"][0]["message"]
