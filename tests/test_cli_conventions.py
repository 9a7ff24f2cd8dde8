"""The linter conventions of `loopcheck scan` (issue 15, items 2 and 3): rule selection
(`--select`/`--ignore`/`--ignore-checks` and the configuration's select/ignore), `--exclude`,
`--quiet`, `--verbose` and the skipped count, the empty scan, a template on stdin, `--format
concise`, colour, `-V`, each rule's documentation URL, and `--help` examples.

Most cases run the CLI in-process on copies of fixtures in tmp_path; colour on a terminal and
`python -m loopcheck` run real subprocesses.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from clirunner import cli_runner

from loopcheck.app.cli import main
from loopcheck.app.selection import Layer, first_unknown, skipped_rules, split_codes
from loopcheck.rulebase.rule import all_rules, doc_url

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
LOOP = FIXTURES / "s3-same-bucket-loop"  # EL101, its handler in src/
TWO_STACKS = FIXTURES / "two-stack-export-loop"  # an EL101 across storage.yaml and processing.yaml
RULES = [rule.id for rule in all_rules()]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: object, cwd: Optional[Path] = None, stdin: Optional[str] = None,
        env: Optional[Dict[str, str]] = None) -> Tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI run in-process in `cwd`."""
    previous = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = cli_runner().invoke(main, [str(a) for a in args], input=stdin, env=env)
    finally:
        os.chdir(previous)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def project(tmp_path: Path) -> Path:
    """A copy of the loop fixture (template and handler) beside a YAML file that is not a template."""
    root = tmp_path / "project"
    shutil.copytree(LOOP, root, ignore=shutil.ignore_patterns("expected*"))
    (root / "workflow.yaml").write_text("on: push\njobs: {}\n")
    return root


def rules_reported(stdout: str) -> List[str]:
    return sorted({finding["rule"] for finding in json.loads(stdout)["findings"]})


@pytest.fixture(autouse=True)
def _no_colour_settings(monkeypatch):
    """The developer's own NO_COLOR / FORCE_COLOR must not change what these tests see."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


# -- rule selection -------------------------------------------------------------------------


def test_codes_are_comma_separated_repeatable_and_case_blind():
    assert split_codes(["EL,wl102", " IL ", ""]) == ["EL", "WL102", "IL"]
    assert first_unknown(["EL", "WL102", "ALL"], RULES) is None
    assert first_unknown(["EL", "XL1", "W9"], RULES) == "XL1"


def test_selection_follows_the_longest_prefix_as_ruff_does():
    everything = frozenset(RULES)
    assert skipped_rules(RULES, []) == frozenset()
    assert skipped_rules(RULES, [Layer(select=("EL",))]) == everything - {"EL101", "EL104", "EL107"}
    assert skipped_rules(RULES, [Layer(select=("EL",), ignore=("EL104",))]) == \
        everything - {"EL101", "EL107"}
    assert skipped_rules(RULES, [Layer(select=("EL104",), ignore=("EL",))]) == everything - {"EL104"}
    # ignore wins a tie
    assert skipped_rules(RULES, [Layer(select=("WL102",), ignore=("WL102",))]) == everything
    assert skipped_rules(RULES, [Layer(ignore=("I",))]) == {r for r in RULES if r.startswith("I")}
    assert skipped_rules(RULES, [Layer(select=("ALL",), ignore=("W",))]) == {r for r in RULES if r[0] == "W"}


def test_the_command_lines_select_replaces_the_configurations_and_its_ignore_adds():
    config, = [Layer(select=("EL",), ignore=("EL104",))]
    assert skipped_rules(RULES, [config, Layer(select=("WL102",))]) == frozenset(RULES) - {"WL102"}
    assert skipped_rules(RULES, [config, Layer(ignore=("EL107",))]) == frozenset(RULES) - {"EL101"}


@pytest.mark.parametrize("flags", [["--select", "WL"], ["--ignore", "EL101"], ["--ignore", "IL,EL"],
                                   ["--ignore-checks", "EL101"], ["--ignore", "WL", "--ignore", "E"]])
def test_rules_left_out_on_the_command_line_report_nothing(tmp_path, flags):
    root = project(tmp_path)
    code, stdout, _ = run("scan", "--format", "json", ".", cwd=root)
    assert rules_reported(stdout) == ["EL101"] and code == 1
    code, stdout, stderr = run("scan", "--format", "json", *flags, ".", cwd=root)
    assert rules_reported(stdout) == [], stderr
    assert code == 0


def test_select_keeps_the_rule_it_names(tmp_path):
    code, stdout, _ = run("scan", "--format", "json", "--select", "WL103,el1", ".", cwd=project(tmp_path))
    assert rules_reported(stdout) == ["EL101"] and code == 1


def test_rules_not_selected_are_not_run(monkeypatch, tmp_path):
    """Selection is AnalysisOptions.skip: the rule's check is never called."""
    from loopcheck.pipeline import analysis

    called = []
    real = analysis.all_rules

    def spied():  # copies: the registry's own Rule objects stay as they are
        return [dataclasses.replace(rule, check=lambda context, rule=rule: called.append(rule.id) or
                                    rule.check(context)) for rule in real()]

    monkeypatch.setattr(analysis, "all_rules", spied)
    run("scan", "--jobs", "1", "--select", "EL101,WL1", ".", cwd=project(tmp_path))
    assert called and set(called) == {r for r in RULES if r == "EL101" or r.startswith("WL1")}


def test_selection_reaches_the_cross_stack_stage(tmp_path):
    root = tmp_path / "stacks"
    shutil.copytree(TWO_STACKS, root, ignore=shutil.ignore_patterns("expected*"))
    _, stdout, _ = run("scan", "--format", "json", ".", cwd=root)
    assert rules_reported(stdout) == ["EL101"]
    code, stdout, _ = run("scan", "--format", "json", "--ignore", "EL1", ".", cwd=root)
    assert rules_reported(stdout) == [] and code == 0


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--ignore-checks"])
def test_an_unknown_code_is_a_usage_error_naming_it(tmp_path, flag):
    code, stdout, stderr = run("scan", flag, "EL,XL9", ".", cwd=project(tmp_path))
    assert code == 2 and stdout == ""
    shown = "--ignore" if flag == "--ignore-checks" else flag
    assert stderr.startswith(f"loopcheck: usage error: {shown} 'XL9' matches no rule; rules: EL101, ")
    assert len(stderr.splitlines()) == 1


def test_loops_takes_the_selection_too(tmp_path):
    code, stdout, stderr = run("loops", "--select", "XL9", ".", cwd=project(tmp_path))
    assert code == 2 and "'XL9' matches no rule" in stderr


@pytest.mark.parametrize("text, expected", [
    ('select = ["WL"]\n', []),
    ('ignore = ["EL"]\n', []),
    ('skip = ["EL101"]\n', []),
    ('select = ["EL", "WL"]\nignore = ["WL"]\n', ["EL101"]),
])
def test_configuration_select_and_ignore(tmp_path, text, expected):
    root = project(tmp_path)
    (root / "pyproject.toml").write_text("[tool.loopcheck]\n" + text)
    _, stdout, stderr = run("scan", "--format", "json", ".", cwd=root)
    assert rules_reported(stdout) == expected, stderr


def test_the_flags_layer_over_the_configuration(tmp_path):
    root = project(tmp_path)
    (root / ".loopcheck.yaml").write_text("select: [WL]\n")
    assert rules_reported(run("scan", "--format", "json", "--select", "EL", ".", cwd=root)[1]) == ["EL101"]
    (root / ".loopcheck.yaml").write_text("select: [EL]\n")
    assert rules_reported(run("scan", "--format", "json", "--ignore", "EL101", ".", cwd=root)[1]) == []


@pytest.mark.parametrize("key", ["select", "ignore", "skip"])
def test_configuration_with_an_unknown_code_names_it(tmp_path, key):
    root = project(tmp_path)
    (root / ".loopcheck.yaml").write_text(f"{key}: [EL, XL9]\n")
    code, _, stderr = run("scan", ".", cwd=root)
    assert code == 2
    assert f"'{key}' names an unknown rule 'XL9'" in stderr and len(stderr.splitlines()) == 1


def test_configuration_format_and_strict(tmp_path):
    root = project(tmp_path)
    (root / ".loopcheck.yaml").write_text("format: concise\nstrict: true\n")
    code, stdout, _ = run("scan", ".", cwd=root)
    assert code == 2  # workflow.yaml is an error with strict
    assert stdout.splitlines()[0].startswith("template.yaml:") and "  loop:" not in stdout
    _, stdout, _ = run("scan", "--format", "json", ".", cwd=root)  # the flag wins
    assert json.loads(stdout)["tool"] == "loopcheck"
    (root / ".loopcheck.yaml").write_text("format: pdf\n")
    code, _, stderr = run("scan", ".", cwd=root)
    assert code == 2 and "'format' must be one of" in stderr


# -- --exclude ------------------------------------------------------------------------------


def test_exclude_flag_is_relative_to_the_current_folder_and_adds_to_the_configuration(tmp_path):
    root = project(tmp_path)
    shutil.copytree(root, root / "copy" / "one", ignore=shutil.ignore_patterns("copy"))
    shutil.copytree(root / "copy" / "one", root / "other")
    (root / ".loopcheck.yaml").write_text("exclude: [other/**]\n")

    def files(*flags: str, cwd: Path = root) -> List[str]:
        stdout = run("scan", "--format", "json", *flags, ".", cwd=cwd)[1]
        return sorted({os.path.normpath(f["file"]) for f in json.loads(stdout)["findings"]})

    assert files() == ["copy/one/template.yaml", "template.yaml"]
    assert files("--exclude", "copy/**") == ["template.yaml"]
    assert files("--exclude", "one", "--exclude", "template.yaml") == []
    # relative to where loopcheck runs, not to the configuration file
    assert files("--exclude", "one/**", cwd=root / "copy") == []


# -- quiet, verbose, skipped, empty ---------------------------------------------------------


def test_skipped_files_are_counted_and_listed_only_with_verbose(tmp_path):
    root = project(tmp_path)
    _, _, stderr = run("scan", ".", cwd=root)
    assert "workflow.yaml" not in stderr
    assert stderr.splitlines()[-1].startswith("1 template scanned: 1 error, 0 warnings, 0 info, 0 unreadable, "
                                              "1 skipped")
    for flag in ("-v", "--verbose"):
        _, _, stderr = run("scan", flag, ".", cwd=root)
        assert "loopcheck: skipped workflow.yaml: not a CloudFormation template (no Resources mapping)" \
            in stderr.splitlines()


def test_formats_without_a_summary_count_the_skipped_in_one_line(tmp_path):
    _, _, stderr = run("scan", "--format", "sarif", ".", cwd=project(tmp_path))
    assert stderr == "loopcheck: skipped 1 file that is not a template (--verbose lists them)\n"


def test_unreadable_files_are_always_listed(tmp_path):
    root = project(tmp_path)
    (root / "broken.yaml").write_text("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties: {a: [\n")
    for flags in ([], ["-q"]):
        code, stdout, _ = run("scan", *flags, ".", cwd=root)
        assert code == 2 and "broken.yaml:5:1: unreadable: invalid YAML" in stdout


def test_quiet_prints_the_findings_and_nothing_else(tmp_path):
    root = project(tmp_path)
    code, stdout, _ = run("scan", ".", cwd=root)
    for flag in ("-q", "--quiet"):
        quiet = run("scan", flag, ".", cwd=root)
        assert quiet == (code, stdout, "")
    assert run("scan", "-q", "--write-baseline", "base.json", ".", cwd=root) == (0, stdout, "")
    assert run("scan", "-q", "--baseline", "base.json", ".", cwd=root) == (0, "", "")
    code, _, stderr = run("scan", "-q", "-v", ".", cwd=root)
    assert code == 2 and stderr == "loopcheck: usage error: --quiet and --verbose cannot be used together\n"


def test_an_empty_scan_says_so(tmp_path):
    (tmp_path / "workflow.yaml").write_text("on: push\n")
    (tmp_path / "empty").mkdir()
    code, stdout, stderr = run("scan", ".", "empty", cwd=tmp_path)
    assert code == 0 and stdout == ""
    assert "loopcheck: no templates found to scan in ., empty" in stderr.splitlines()
    assert run("scan", "-q", ".", cwd=tmp_path) == (0, "", "")
    code, _, stderr = run("scan", "--format", "json", "empty", cwd=tmp_path)
    assert code == 0 and stderr == "loopcheck: no templates found to scan in empty\n"


# -- stdin ----------------------------------------------------------------------------------


def test_a_template_on_stdin(tmp_path):
    root = project(tmp_path)
    template = (root / "template.yaml").read_text()
    _, from_file, _ = run("scan", "template.yaml", cwd=root)
    code, stdout, _ = run("scan", "-", cwd=root, stdin=template)
    assert code == 1 and stdout == from_file.replace("template.yaml", "<stdin>")
    # the handler code is found from the stdin name's folder, wherever loopcheck runs
    _, from_above, _ = run("scan", "project/template.yaml", cwd=tmp_path)
    code, stdout, _ = run("scan", "-", "--stdin-filename", "project/template.yaml", cwd=tmp_path,
                          stdin=template)
    assert code == 1 and stdout == from_above and "project/src/app.py:13 PutObject" in stdout
    # --stdin-filename alone reads stdin
    assert run("scan", "--stdin-filename", "template.yaml", cwd=root, stdin=template)[1] == from_file


def test_stdin_stands_for_the_file_of_its_name(tmp_path):
    """An editor pipes its buffer, not what is on disk: a folder walk that finds the file
    of the stdin name leaves it to stdin."""
    root = project(tmp_path)
    assert rules_reported(run("scan", "--format", "json", ".", cwd=root)[1]) == ["EL101"]
    code, stdout, _ = run("scan", "--format", "json", "-", ".", "--stdin-filename", "template.yaml",
                          cwd=root, stdin="AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    assert code == 0 and json.loads(stdout)["findings"] == []  # the looping file on disk was not read
    assert [s["file"] for s in json.loads(stdout)["skipped"]] == ["template.yaml", "workflow.yaml"]


def test_a_template_on_stdin_joins_a_cross_stack_scan(tmp_path):
    root = tmp_path / "stacks"
    shutil.copytree(TWO_STACKS, root, ignore=shutil.ignore_patterns("expected*"))
    processing = (root / "processing.yaml").read_text()
    (root / "processing.yaml").unlink()
    code, stdout, _ = run("scan", "--format", "concise", "storage.yaml", "-",
                          "--stdin-filename", "processing.yaml", cwd=root, stdin=processing)
    assert code == 1
    assert stdout.startswith("processing.yaml:9:3: EL101 error: recursive loop PhotosBucket -> UploadsTopic")


def test_bad_yaml_on_stdin_is_one_line_with_its_position():
    stdin = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties: {a: [\n"
    code, stdout, _ = run("scan", "-", stdin=stdin)
    assert code == 2
    assert stdout == "<stdin>:5:1: unreadable: invalid YAML: while parsing a flow node did not find expected " \
                     "node content\n"


@pytest.mark.parametrize("args, message", [
    (["scan", "-", "-"], "'-' (stdin) can be given once"),
    (["scan", ".", "--stdin-filename", "t.yaml"], "--stdin-filename names the template read from stdin"),
])
def test_stdin_usage_errors(args, message):
    code, _, stderr = run(*args, stdin="")
    assert code == 2 and stderr.startswith(f"loopcheck: usage error: {message}")


def test_stdin_over_the_size_limit_is_unreadable():
    stdin = "Resources:\n  A: {Type: AWS::S3::Bucket}\n"
    code, stdout, _ = run("scan", "--max-file-size", "10", "-", stdin=stdin)
    assert code == 2 and stdout == ("<stdin>: unreadable: stdin is over the 10-byte limit"
                                    " (raise it with --max-file-size BYTES or the config key max-file-size)\n")


# -- concise and colour ---------------------------------------------------------------------


def test_concise_is_the_first_line_of_each_finding(tmp_path):
    root = project(tmp_path)
    _, text, _ = run("scan", ".", cwd=root)
    code, concise, stderr = run("scan", "--format", "concise", ".", cwd=root)
    headings = [line for line in text.split("\n\nhow to fix:")[0].splitlines() if not line.startswith(" ")]
    assert code == 1 and concise.splitlines() == headings and len(headings) == 1
    assert re.fullmatch(r"template\.yaml:\d+:\d+: EL101 error: recursive loop .*\n", concise)
    assert "1 template scanned" in stderr


def test_no_colour_when_not_a_terminal(tmp_path):
    _, stdout, _ = run("scan", ".", cwd=project(tmp_path))
    assert "\x1b[" not in stdout


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_force_color_colours_through_a_pipe_and_no_color_wins(tmp_path, fmt):
    root = project(tmp_path)
    _, plain, _ = run("scan", "--format", fmt, ".", cwd=root)
    _, coloured, _ = run("scan", "--format", fmt, ".", cwd=root, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured and ANSI.sub("", coloured) == plain
    first = coloured.splitlines()[0]
    assert first.startswith("\x1b[1mtemplate.yaml:") and "\x1b[31m\x1b[1mEL101\x1b[0m" in first
    assert run("scan", "--format", fmt, ".", cwd=root, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1] == plain
    assert run("scan", "--format", fmt, ".", cwd=root, env={"FORCE_COLOR": "0"})[1] == plain


def test_never_colour_into_an_output_file_or_a_machine_format(tmp_path):
    root = project(tmp_path)
    run("scan", "-o", "report.txt", ".", cwd=root, env={"FORCE_COLOR": "1"})
    assert "EL101" in (root / "report.txt").read_text() and "\x1b[" not in (root / "report.txt").read_text()
    _, stdout, _ = run("scan", "--format", "json", ".", cwd=root, env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in stdout


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_colour_on_a_terminal_unless_no_color(tmp_path):
    from userrun import executable

    root = project(tmp_path)

    def on_a_terminal(extra_env: Dict[str, str]) -> str:
        leader, follower = os.openpty()
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(extra_env)
        completed = subprocess.run([executable(), "scan", "--format", "concise", "."], cwd=root, env=env,
                                   stdout=follower, stderr=subprocess.PIPE, timeout=120)
        os.close(follower)
        output = b""
        try:
            while True:
                chunk = os.read(leader, 65536)
                if not chunk:
                    break
                output += chunk
        except OSError:  # Linux: EIO once the terminal is closed and drained
            pass
        os.close(leader)
        assert completed.returncode == 1
        return output.decode()

    assert "\x1b[31m\x1b[1mEL101" in on_a_terminal({})
    assert "\x1b[" not in on_a_terminal({"NO_COLOR": "1"})


# -- -V, documentation URLs, help -----------------------------------------------------------


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag):
    from loopcheck import __version__

    assert run(flag) == (0, f"loopcheck, version {__version__}\n", "")


def test_every_rules_documentation_url_is_a_page_of_the_repository():
    for rule in all_rules():
        url = doc_url(rule.id)
        assert url == f"https://github.com/loopcheck/loopcheck/blob/main/docs/rules/{rule.id}.md"
        assert (ROOT / url.split("/blob/main/", 1)[1]).is_file(), url


def test_sarif_explain_and_the_plugin_link_each_rules_page(tmp_path):
    _, stdout, _ = run("scan", "--format", "sarif", ".", cwd=project(tmp_path))
    sarif_rules = json.loads(stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert sarif_rules and all(r["helpUri"] == doc_url(r["id"]) for r in sarif_rules)
    assert f"Documentation: {doc_url('WL102')}" in run("explain", "wl102")[1]
    pytest.importorskip("cfnlint")
    from loopcheck.app.cfnlint_plugin import RULE_CLASSES

    assert {cls.id: cls.source_url for cls in RULE_CLASSES} == {r: doc_url(r) for r in RULES}


def test_scan_help_shows_examples_and_the_new_flags():
    _, stdout, _ = run("scan", "--help")
    assert "Examples:" in stdout and "loopcheck scan infra/ --select EL,WL102" in stdout
    for flag in ("--select", "--ignore", "--ignore-checks", "--exclude", "--quiet", "--verbose",
                 "--stdin-filename", "concise"):
        assert flag in stdout


# -- small bugs: --output into a missing folder, python -m loopcheck -------------------------


@pytest.mark.parametrize("command", ["scan", "graph", "loops"])
def test_output_into_a_missing_folder_is_one_line_for_every_command(tmp_path, command):
    target = tmp_path / "missing" / "out.txt"
    code, stdout, stderr = run(command, "-o", target, str(LOOP / "template.yaml"))
    assert code == 2 and stdout == ""
    assert stderr == f"loopcheck: output error: {target}: cannot be written (no such folder {target.parent})\n"


def _python_m(*args: str, cwd: Path, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loopcheck", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


def test_python_dash_m_version(tmp_path):
    from loopcheck import __version__

    for flag in ("-V", "--version"):
        completed = _python_m(flag, cwd=tmp_path)
        assert completed.returncode == 0 and completed.stdout == f"loopcheck, version {__version__}\n"


def test_python_dash_m_failure_is_exit_2_without_a_traceback(tmp_path):
    """A bug outside the per-file guard, planted at start-up (sitecustomize), in a real
    `python -m loopcheck` process: one line, exit 2, no traceback."""
    (tmp_path / "sitecustomize.py").write_text(
        "import loopcheck.app.cli as cli\n"
        "def broken(*args, **kwargs):\n"
        "    raise ZeroDivisionError('planted')\n"
        "cli.main = broken\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    completed = _python_m("scan", str(LOOP), cwd=tmp_path, env=env)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stderr.splitlines() == [
        "loopcheck: internal error (ZeroDivisionError: planted); please report it at "
        "https://github.com/loopcheck/loopcheck/issues"]


def test_every_configuration_key_is_documented_in_the_readme_and_the_module():
    import loopcheck.app.config as config

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Configuration"):readme.index("## Adopting loopcheck")]
    for key in config.KNOWN_KEYS:
        if key == "skip":  # ignore's synonym, named in ignore's comment
            assert "`skip`" in section and "`skip`" in config.__doc__
            continue
        assert re.search(rf"^{re.escape(key)} =", section, flags=re.M), key
        assert re.search(rf"^    {re.escape(key)} =", config.__doc__, flags=re.M), key
