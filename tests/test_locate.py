"""Where a function's handler code is found (loopcheck.code.locate): no CodeUri, container
images (Dockerfile CMD and COPY/ADD), esbuild entry points, built JavaScript mapped back to its
sources, and a state machine's DefinitionUri file; and the reason given when nothing is found."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from builder import (
    esbuild_metadata,
    function,
    function_globals,
    image_function,
    lambda_function,
    queue,
    ref,
    state_machine_at,
    template,
    with_metadata,
    write,
)

from loopcheck.code import build_sources
from loopcheck.code.locate import IMAGE_WITHOUT_CONTEXT, CodeSource, locate_code, problem_reason
from loopcheck.load.loader import Template, load_file
from loopcheck.load.location import Location
from loopcheck.model.resources import Model, build_model
from loopcheck.pipeline.analysis import analyse_template

PY_HANDLER = "def handler(event, context):\n    return None\n"


def _write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _model(repo: Path, resources: Dict[str, Any], files: Optional[Dict[str, str]] = None,
           name: str = "template.yaml") -> Model:
    """The model of a SAM template of `resources` (or of a whole document, when it has a
    Resources key) written at repo/name (the repository has a .git), with `files` in the
    repository; the test runs from inside the repository, so paths are shown relative."""
    (repo / ".git").mkdir(parents=True, exist_ok=True)
    write(repo, resources if "Resources" in resources else template(resources), files, name)
    loaded = load_file(name)
    assert isinstance(loaded, Template), loaded
    return build_model(name, loaded.data)


def _locate(repo: Path, fn: Dict[str, Any], files: Optional[Dict[str, str]] = None,
            name: str = "template.yaml") -> CodeSource:
    """Where the code of the function `fn` (the template's only resource) is found."""
    model = _model(repo, {"Fn": fn}, files, name)
    return locate_code(model, model.functions["Fn"])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def _python(code_uri: Any = None) -> Dict[str, Any]:
    """A Python function (handler app.handler) with this CodeUri (None: none)."""
    return function(code_uri=code_uri)


def _node(code_uri: Any, handler: str = "app.handler",
          metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A Node.js function, with this Metadata if any (esbuild's entry points)."""
    fn = function(code_uri=code_uri, handler=handler, runtime="nodejs20.x")
    return with_metadata(fn, metadata) if metadata is not None else fn


# -- no CodeUri ----------------------------------------------------------------------------


def test_no_code_uri_reads_the_template_folder(repo: Path):
    source = _locate(repo, _python(),
                     {"stack/app.py": PY_HANDLER}, name="stack/template.yaml")
    assert source.found and source.entry == Path("stack/app.py") and source.root == Path("stack")
    assert source.language == "python" and source.function_name == "handler"


def test_no_code_uri_with_no_handler_file_says_where_it_looked(repo: Path):
    source = _locate(repo, _python())
    assert not source.found and source.reason == "not found at app.py"


def test_globals_code_uri_still_wins_over_the_template_folder(repo: Path):
    document = template({"Fn": function(code_uri=None, runtime=None)},
                        globals_=function_globals(CodeUri="lib/", Runtime="python3.12"))
    model = _model(repo, document, {"lib/app.py": PY_HANDLER, "app.py": PY_HANDLER})
    assert locate_code(model, model.functions["Fn"]).entry == Path("lib/app.py")


def test_a_lambda_function_without_code_is_not_read_from_the_template_folder(repo: Path):
    fn = lambda_function("arn:aws:iam::123456789012:role/r", Handler="app.handler", Runtime="python3.12")
    source = _locate(repo, fn, {"app.py": PY_HANDLER})
    assert not source.found and source.reason == "no Code"


def test_without_code_uri_the_loop_rests_on_the_code_beside_the_template(repo: Path):
    """The control: the same template with its handler removed is only a warning."""
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "sam-no-codeuri-loop"
    (repo / ".git").mkdir()
    text = (fixture / "template.yaml").read_text()
    (repo / "template.yaml").write_text(text)
    loaded = load_file("template.yaml")
    assert [f.rule for f in analyse_template("template.yaml", loaded.data)] == ["WL102"]
    (repo / "tidy.py").write_text((fixture / "tidy.py").read_text())
    findings = analyse_template("template.yaml", loaded.data)
    assert [(f.rule, f.evidence) for f in findings] == [("EL101", "both")]
    assert any("and does: tidy.py:" in note for note in findings[0].notes)


# -- reasons -------------------------------------------------------------------------------


@pytest.mark.parametrize("fn, reason", [
    (_python("s3://artifacts/fn.zip"), "code in S3"),
    (_python({"Bucket": "artifacts", "Key": "fn.zip"}), "code in S3"),
    (function(handler="com.example.App::handle", runtime="java21"),
     "not found at src/src/main/java/com/example/App.java"),
    (function(handler="bootstrap", runtime="provided.al2023"), "unsupported language provided.al2023"),
    (_python("nowhere/"), "not found at nowhere"),
    (_python("https://example.com/f.zip"), "not found at https://example.com/f.zip"),
    (_node("src/", "missing.handler"), "not found at src/missing.js"),
    (image_function(ImageUri="123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1"), IMAGE_WITHOUT_CONTEXT),
    (image_function(), IMAGE_WITHOUT_CONTEXT),
])
def test_reasons_when_code_is_not_found(repo: Path, fn: Dict[str, Any], reason: str):
    source = _locate(repo, fn, {"src/app.py": PY_HANDLER})
    assert not source.found and source.reason == reason


def test_a_code_folder_outside_the_repository_is_refused(repo: Path):
    outside = repo.parent / "elsewhere"
    _write(outside, {"app.py": PY_HANDLER})
    source = _locate(repo, _python("../elsewhere/"))
    assert not source.found and source.escapes and "outside the repository" in source.reason


# -- container images ----------------------------------------------------------------------


IMG = {"DockerContext": "./img"}


def _image(repo: Path, dockerfile: Optional[str], files: Dict[str, str],
           properties: Optional[Dict[str, Any]] = None, metadata: Dict[str, Any] = IMG) -> CodeSource:
    """Where the code of an image function is found, img/Dockerfile being `dockerfile` (None: none)."""
    if dockerfile is not None:
        files = {**files, "img/Dockerfile": dockerfile}
    return _locate(repo, with_metadata(image_function(**(properties or {})), metadata), files)


@pytest.mark.parametrize("dockerfile, files, entry", [
    ('FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\nCMD ["app.handler"]\n',
     {"img/app.py": PY_HANDLER}, "img/app.py"),
    ('FROM public.ecr.aws/lambda/python:3.12\nCOPY src/ ${LAMBDA_TASK_ROOT}/\nCMD ["app.handler"]\n',
     {"img/src/app.py": PY_HANDLER}, "img/src/app.py"),
    ('FROM public.ecr.aws/lambda/python:3.12\nCOPY . .\nCMD ["pkg.app.handler"]\n',
     {"img/pkg/app.py": PY_HANDLER, "img/pkg/__init__.py": ""}, "img/pkg/app.py"),
    ("FROM public.ecr.aws/lambda/python:3.12\nCOPY src/app.py $LAMBDA_TASK_ROOT\nCMD app.handler\n",
     {"img/src/app.py": PY_HANDLER}, "img/src/app.py"),
    ('FROM public.ecr.aws/lambda/nodejs:20\nCOPY package.json index.mjs ./\nCMD [ "index.handler" ]\n',
     {"img/index.mjs": "export const handler = async () => {};\n", "img/package.json": "{}"}, "img/index.mjs"),
    ("FROM python:3.12-slim\nARG DIR=/function\nWORKDIR ${DIR}\n"
     "COPY --chown=1000 \\\n    code/*.py ./\n"
     'ENTRYPOINT ["/usr/local/bin/python", "-m", "awslambdaric"]\nCMD ["main.handler"]\n',
     {"img/code/main.py": PY_HANDLER}, "img/code/main.py"),
    ('FROM public.ecr.aws/lambda/python:3.12\nADD ["app/", "/var/task/"]\nCMD ["handler.run"]\n',
     {"img/app/handler.py": "def run(event, context):\n    pass\n"}, "img/app/handler.py"),
])
def test_image_handler_from_cmd_and_copy(repo: Path, dockerfile: str, files: Dict[str, str], entry: str):
    source = _image(repo, dockerfile, files)
    assert source.found, source.reason
    assert source.entry == Path(entry)


def test_image_config_command_overrides_cmd(repo: Path):
    dockerfile = 'FROM public.ecr.aws/lambda/python:3.12\nCOPY . ./\nCMD ["first.handler"]\n'
    files = {"img/first.py": PY_HANDLER, "img/second.py": "def go(event, context):\n    pass\n"}
    source = _image(repo, dockerfile, files, {"ImageConfig": {"Command": ["second.go"]}})
    assert source.entry == Path("img/second.py") and source.function_name == "go"
    assert _image(repo, dockerfile, files).entry == Path("img/first.py")


def test_image_module_root_is_where_its_imports_are_found(repo: Path):
    dockerfile = ('FROM public.ecr.aws/lambda/python:3.12\nCOPY src/ ${LAMBDA_TASK_ROOT}/\n'
                  'CMD ["jobs.run.handler"]\n')
    source = _image(repo, dockerfile, {"img/src/jobs/run.py": PY_HANDLER, "img/src/jobs/__init__.py": ""})
    assert source.entry == Path("img/src/jobs/run.py") and source.root == Path("img/src")


def test_image_without_its_dockerfile(repo: Path):
    source = _image(repo, None, {"img/app.py": PY_HANDLER})
    assert not source.found and source.reason == "not found at img/Dockerfile"


def test_image_with_a_named_dockerfile(repo: Path):
    files = {"img/app.py": PY_HANDLER,
             "img/lambda.Dockerfile": ('FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\n'
                                       'CMD ["app.handler"]\n')}
    metadata = {"DockerContext": "./img", "Dockerfile": "lambda.Dockerfile"}
    assert _image(repo, None, files, metadata=metadata).entry == Path("img/app.py")
    assert _image(repo, None, files).reason == "not found at img/Dockerfile"


def test_image_context_missing(repo: Path):
    source = _image(repo, None, {}, metadata={"DockerContext": "./gone"})
    assert source.reason == "not found at gone (Metadata.DockerContext)"


def test_image_copying_a_folder_without_the_handler(repo: Path):
    dockerfile = 'FROM public.ecr.aws/lambda/python:3.12\nCOPY lib/ ${LAMBDA_TASK_ROOT}/\nCMD ["app.handler"]\n'
    source = _image(repo, dockerfile, {"img/lib/util.py": "X = 1\n", "img/app.py": PY_HANDLER})
    assert not source.found  # app.py sits in the context, but no COPY puts it in the image
    assert source.reason == "not found at img/lib/app.py"


def test_image_copying_nothing_the_handler_needs(repo: Path):
    dockerfile = ("FROM public.ecr.aws/lambda/python:3.12\n"
                  "COPY --from=public.ecr.aws/example/extension:1 /opt/. /opt/\n"
                  'COPY requirements.txt ./\nCMD ["app.handler"]\n')
    source = _image(repo, dockerfile, {"img/app.py": PY_HANDLER, "img/requirements.txt": ""})
    assert source.reason == "not found at img/Dockerfile (no COPY or ADD brings app)"


@pytest.mark.parametrize("base, reason", [
    ("public.ecr.aws/lambda/java:21", "unsupported language java21"),
    ("public.ecr.aws/lambda/provided:al2023", "unsupported language provided.al2023"),
    ("amazon/aws-lambda-ruby:3.3", "unsupported language ruby3.3"),
    ("public.ecr.aws/lambda/dotnet:8@sha256:0123", "unsupported language dotnet8"),
])
def test_image_of_an_unsupported_runtime(repo: Path, base: str, reason: str):
    dockerfile = f'FROM {base}\nCOPY app.rb ./\nCMD ["app.lambda_handler"]\n'
    assert _image(repo, dockerfile, {"img/app.rb": "def lambda_handler; end\n"}).reason == reason


def test_image_base_runtime_follows_stages():
    parsed = build_sources.parse_dockerfile(
        "FROM public.ecr.aws/lambda/nodejs:20 AS base\nFROM base\nCMD [\"a.b\"]\n", "Dockerfile")
    assert build_sources.base_runtime(parsed) == "nodejs20"
    assert build_sources.base_runtime(build_sources.parse_dockerfile("FROM node:20\n", "D")) is None


def test_image_without_cmd(repo: Path):
    dockerfile = "FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\n"
    source = _image(repo, dockerfile, {"img/app.py": PY_HANDLER})
    assert source.reason == "no handler in the CMD of img/Dockerfile"


def test_image_with_an_unreadable_cmd_line(repo: Path):
    source = _image(repo, "FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\nCMD 'app.handler\n",
                    {"img/app.py": PY_HANDLER})
    assert source.reason == "could not be parsed (img/Dockerfile:3)"


def test_image_context_outside_the_repository(repo: Path):
    _write(repo.parent / "other", {"Dockerfile": 'FROM x\nCOPY . .\nCMD ["app.handler"]\n',
                                   "app.py": PY_HANDLER})
    source = _image(repo, None, {}, metadata={"DockerContext": "../other"})
    assert source.escapes and not source.found


def test_image_multi_stage_typescript_build_reads_the_sources(repo: Path):
    dockerfile = """\
        FROM node:20 AS build
        WORKDIR /app
        COPY package.json tsconfig.json ./
        COPY src ./src
        RUN npm ci && npx tsc
        FROM public.ecr.aws/lambda/nodejs:20
        COPY --from=build /app/dist/ ${LAMBDA_TASK_ROOT}/
        CMD ["handler.main"]
        """
    files = {"img/package.json": "{}",
             "img/tsconfig.json": '{"compilerOptions": {"outDir": "dist", "rootDir": "src"}}',
             "img/src/handler.ts": "export const main = async () => {};\n"}
    source = _image(repo, textwrap.dedent(dockerfile), files)
    assert source.found, source.reason
    assert source.entry == Path("img/src/handler.ts") and source.language == "typescript"
    assert source.root == Path("img/src")


def test_dockerfile_is_read_not_run():
    parsed = build_sources.parse_dockerfile(
        "# comment\nARG BASE=public.ecr.aws/lambda/python:3.12\nFROM $BASE\n"
        "RUN rm -rf / \\\n  && echo never\nENV APP=/var/task/app\nWORKDIR $APP\nCOPY [\"a b.py\", \"./\"]\n"
        "CMD [\"x.handler\"]\n", "Dockerfile")
    assert parsed.final is not None and parsed.final.workdir == "/var/task/app"
    (copy,) = parsed.final.copies
    assert copy.sources == ["a b.py"] and copy.dest == "/var/task/app" and copy.dest_is_folder
    assert parsed.cmd == ["x.handler"] and parsed.problem == ""


@pytest.mark.parametrize("words, handler", [
    (["app.handler"], "app.handler"),
    (["python", "-m", "awslambdaric", "pkg.mod.fn"], "pkg.mod.fn"),
    (["app.handler --verbose"], None),
    (["node", "server.js"], "server.js"),  # a file, not a handler: found nowhere later
    (["./bootstrap"], None),
    ([], None),
    (None, None),
])
def test_handler_of_command(words, handler):
    assert build_sources.handler_of_command(words) == handler


# -- esbuild -------------------------------------------------------------------------------


TS = "export const handler = async () => {};\n"


@pytest.mark.parametrize("handler, points, entry", [
    ("app.handler", ["app.ts"], "fn/app.ts"),
    ("index.handler", ["src/handlers/work.ts"], "fn/src/handlers/work.ts"),  # the only one
    ("work.handler", ["src/other.ts", "src/work.ts"], "fn/src/work.ts"),  # by name
    ("src/work.handler", ["src/other.ts", "src/work.ts"], "fn/src/work.ts"),  # by path
])
def test_esbuild_entry_points(repo: Path, handler: str, points, entry: str):
    files = {f"fn/{p}": TS for p in points}
    source = _locate(repo, _node("fn/", handler, esbuild_metadata(points)), files)
    assert source.found, source.reason
    assert source.entry == Path(entry) and source.language == "typescript" and source.root == Path("fn")


def test_esbuild_entry_point_missing(repo: Path):
    source = _locate(repo, _node("fn/", metadata=esbuild_metadata(["src/app.ts"])), {"fn/app.ts": TS})
    assert not source.found and source.reason == "not found at fn/src/app.ts"


def test_esbuild_entry_points_none_for_the_handler(repo: Path):
    source = _locate(repo, _node("fn/", "c.handler", esbuild_metadata(["a.ts", "b.ts"])),
                     {"fn/a.ts": TS, "fn/b.ts": TS})
    assert not source.found and "no esbuild EntryPoints entry" in source.reason


# -- built JavaScript ----------------------------------------------------------------------


BUILT = "exports.handler = async () => {};\n//# sourceMappingURL=app.js.map\n"


def test_code_uri_at_missing_build_output_reads_the_tsconfig_sources(repo: Path):
    files = {"tsconfig.json": ('{\n  // built by tsc\n  "compilerOptions": '
                               '{"outDir": "./dist", "rootDir": "./src",},\n}\n'),
             "src/jobs/app.ts": TS}
    source = _locate(repo, _node("dist/jobs"), files)
    assert source.found, source.reason
    assert source.entry == Path("src/jobs/app.ts") and source.root == Path("src")


def test_tsconfig_found_above_the_template_folder(repo: Path):
    files = {"tsconfig.json": '{"compilerOptions": {"outDir": "out"}, "include": ["lib/**/*"]}',
             "lib/app.ts": TS}
    source = _locate(repo, _node("../out/"),
                     files, name="infra/template.yaml")
    assert source.entry == Path("lib/app.ts") and source.root == Path("lib")


def test_built_output_and_sources_both_present_prefers_the_sources(repo: Path):
    files = {"tsconfig.json": '{"compilerOptions": {"outDir": "dist", "rootDir": "src"}}',
             "src/app.ts": TS, "dist/app.js": "exports.handler = async () => {};\n"}
    source = _locate(repo, _node("dist/"), files)
    assert source.entry == Path("src/app.ts")


def test_built_output_without_its_sources_is_read_as_is(repo: Path):
    files = {"tsconfig.json": '{"compilerOptions": {"outDir": "dist", "rootDir": "src"}}',
             "dist/app.js": "exports.handler = async () => {};\n"}
    source = _locate(repo, _node("dist/"), files)
    assert source.entry == Path("dist/app.js") and source.language == "javascript"


def test_tsconfig_without_root_dir_uses_the_folder_holding_every_source(repo: Path):
    """tsc's default rootDir: the common folder of its inputs (here lambdas/), not the
    tsconfig's own folder; declarations, node_modules and the outDir are no inputs."""
    files = {"tsconfig.json": '{"compilerOptions": {"outDir": "dist"}}',
             "lambdas/orders/place.ts": TS, "lambdas/shared.ts": "export const x = 1;\n",
             "types/global.d.ts": "declare const y: number;\n",
             "node_modules/pkg/index.ts": TS, "dist/stale.ts": TS}
    source = _locate(repo, _node("dist/orders", "place.handler"),
                     files)
    assert source.entry == Path("lambdas/orders/place.ts") and source.root == Path("lambdas")


def test_tsconfig_without_out_dir(repo: Path):
    files = {"tsconfig.json": '{"compilerOptions": {"strict": true}}', "src/app.ts": TS}
    source = _locate(repo, _node("dist/"), files)
    assert not source.found and source.reason == "not found at dist"
    (repo / "dist").mkdir()
    source = _locate(repo, _node("dist/"))
    assert source.reason == "not found at dist/app.js (tsconfig.json has no outDir)"


def test_source_map_next_to_the_built_file(repo: Path):
    files = {"build/app.js": BUILT,
             "build/app.js.map": json.dumps({"version": 3, "mappings": "", "sources": [
                 "../node_modules/x/index.js", "../ts/app.ts", "../ts/util.ts"]}),
             "ts/app.ts": TS, "ts/util.ts": "export const x = 1;\n"}
    source = _locate(repo, _node("build/"), files)
    assert source.entry == Path("ts/app.ts") and source.root == Path("ts")


def test_source_map_named_by_the_comment(repo: Path):
    files = {"out/main.js": "exports.handler = 1;\n//# sourceMappingURL=maps/main.map\n",
             "out/maps/main.map": json.dumps({"sources": ["../../code/main.ts"], "mappings": ""}),
             "code/main.ts": TS}
    source = _locate(repo, _node("out/", "main.handler"), files)
    assert source.entry == Path("code/main.ts")


def test_source_map_naming_files_outside_the_repository_is_ignored(repo: Path):
    _write(repo.parent, {"secret/app.ts": TS})
    files = {"out/app.js": BUILT, "out/app.js.map": json.dumps({"sources": ["../../secret/app.ts"]})}
    source = _locate(repo, _node("out/"), files)
    assert source.entry == Path("out/app.js")


def test_plain_javascript_stays_what_it_is(repo: Path):
    source = _locate(repo, _node("src/"),
                     {"src/app.js": "exports.handler = async () => {};\n"})
    assert source.entry == Path("src/app.js") and source.root == Path("src")


# -- DefinitionUri -------------------------------------------------------------------------


DEFINITION_YAML = """\
StartAt: Fan
States:
  Fan:
    Type: Parallel
    End: true
    Branches:
      - StartAt: Send
        States:
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters:
              QueueUrl: ${QueueUrl}
              MessageBody.$: $
            End: true
"""


def _machine(repo: Path, uri: Any, files: Optional[Dict[str, str]] = None) -> Model:
    """The model of a state machine whose definition is at `uri`, its QueueUrl the queue Out."""
    return _model(repo, {"Out": queue(), "Machine": state_machine_at(uri, {"QueueUrl": ref("Out")})}, files)


def test_definition_uri_yaml_file_gives_the_tasks(repo: Path):
    model = _machine(repo, "sm/flow.asl.yaml", {"sm/flow.asl.yaml": DEFINITION_YAML})
    (task,) = model.tasks
    assert (task.machine, task.action, task.state) == ("Machine", "sqs:SendMessage", "Send")
    assert task.targets == ["Out"]
    assert task.written_at == Location("sm/flow.asl.yaml", 10)  # the state's first line
    assert model.unknown_definitions == {}


def test_definition_uri_json_file_gives_the_tasks(repo: Path):
    definition = {"StartAt": "Send", "States": {"Send": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": "${QueueUrl}", "MessageBody": "x"}, "End": True}}}
    model = _machine(repo, "flow.json", {"flow.json": json.dumps(definition, indent=1)})
    (task,) = model.tasks
    assert task.targets == ["Out"] and task.written_at == Location("flow.json", 4)


@pytest.mark.parametrize("uri, why", [
    ("s3://bucket/flow.json", "definition in an S3 location"),
    ({"Bucket": "b", "Key": "flow.json"}, "definition in an S3 location"),
    ("sm/missing.json", "not found at sm/missing.json"),
    ("sm/bad.yaml", "could not be parsed (sm/bad.yaml:3)"),  # where the flow list should have ended
])
def test_definition_uri_unknown(repo: Path, uri: Any, why: str):
    model = _machine(repo, uri, {"sm/bad.yaml": "States:\n  A: [unclosed\n"})
    assert model.tasks == []
    assert model.unknown_definitions == {"Machine": why}


@pytest.mark.parametrize("uri", ["../outside.asl.yaml", "{outside}"])
def test_definition_uri_outside_the_repository_is_not_read(repo: Path, uri: str):
    outside = repo.parent / "outside.asl.yaml"
    outside.write_text(DEFINITION_YAML)
    model = _machine(repo, uri.format(outside=outside))  # the relative path, or the absolute one
    assert model.tasks == []
    assert "outside the repository" in model.unknown_definitions["Machine"]


def test_definition_uri_loop_note_names_the_definition_file():
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "step-functions-definition-uri-loop"
    text = (fixture / "expected.txt").read_text()
    assert "task QueueFollowUp (statemachine/pipeline.asl.json:" in text


@pytest.mark.parametrize("problem, reason", [
    ("src/app.py:3: syntax error: expected ':'", "could not be parsed (src/app.py:3)"),
    ("C:/x/b.js:12: syntax error", "could not be parsed (C:/x/b.js:12)"),
    ("handler 'main' not found in src/app.js", "handler 'main' not found in src/app.js"),
])
def test_analyser_problems_as_short_reasons(problem: str, reason: str):
    assert problem_reason(problem) == reason


@pytest.mark.parametrize("fn", [
    with_metadata(image_function(), {"DockerContext": ["a", "b"]}),
    with_metadata(image_function(), {"DockerContext": ".", "Dockerfile": {"x": 1}}),
    with_metadata(image_function(ImageConfig=[1]), {"DockerContext": "img"}),
    with_metadata(image_function(ImageConfig={"Command": [1, 2]}), {"DockerContext": "img"}),
    with_metadata(image_function(ImageConfig={"Command": "", "WorkingDirectory": 3}), {"DockerContext": "img"}),
    with_metadata(image_function(), {"DockerContext": "im\0g"}),
    _node("fn/", metadata={"BuildMethod": "esbuild", "BuildProperties": "x"}),
    _node("fn/", metadata=esbuild_metadata("app.ts")),
    _node("fn/", metadata=esbuild_metadata([1, None, "../../../etc/passwd"])),
    function(code_uri=None, runtime=ref("R")),
])
def test_odd_values_give_a_reason_not_an_exception(repo: Path, fn: Dict[str, Any]):
    files = {"img/Dockerfile": 'FROM public.ecr.aws/lambda/python:3.12\nCOPY . .\nCMD ["app.handler"]\n',
             "fn/app.ts": TS, "img/app.py": PY_HANDLER}
    source = _locate(repo, fn, files)
    assert source.found or source.reason


@pytest.mark.parametrize("uri", [3, ["a", "b"], "", "a\0b", "/", "sm"])
def test_odd_definition_uris_leave_the_definition_unknown(repo: Path, uri: Any):
    (repo / "sm").mkdir()
    model = _machine(repo, uri)
    assert model.tasks == [] and model.unknown_definitions["Machine"]


def test_tasks_of_a_nested_definition_file_point_into_it(repo: Path):
    definition = DEFINITION_YAML.replace("Fan:\n    Type: Parallel", "Fan:\n    Type: Parallel\n    Comment: x")
    model = _machine(repo, "./sm/../sm/flow.asl.yaml", {"sm/flow.asl.yaml": definition})
    (task,) = model.tasks
    assert task.written_at == Location("sm/flow.asl.yaml", 11)


def test_esbuild_entry_point_outside_the_repository_is_not_read(repo: Path):
    (repo.parent / "secret.ts").write_text(TS)
    source = _locate(repo, _node("fn/", "secret.handler", esbuild_metadata(["../../secret.ts"])),
                     {"fn/app.ts": TS})
    assert not source.found and source.escapes


def test_unknown_definition_is_a_note_on_stderr(repo: Path):
    from clirunner import cli_runner

    from loopcheck.app.cli import main

    _machine(repo, "sm/missing.asl.json")
    result = cli_runner().invoke(main, ["scan", "template.yaml"])
    assert ("loopcheck: note: template.yaml: state machine Machine: definition unknown "
            "(not found at sm/missing.asl.json), its tasks not read") in result.stderr
    (repo / "sm").mkdir()
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    (repo / "sm" / "missing.asl.json").write_text(json.dumps(definition))
    assert "loopcheck: note:" not in cli_runner().invoke(main, ["scan", "template.yaml"]).stderr
