"""The CLI as a user runs it: exit codes, the JSON contract, skipping and errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builder import bucket, dump, template
from builder import dense as dense_resources
from clirunner import cli_runner

from loopcheck import __version__
from loopcheck.app.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LOOP = FIXTURES / "s3-same-bucket-loop" / "template.yaml"
CLEAN = FIXTURES / "s3-two-buckets" / "template.yaml"
WARNING = FIXTURES / "s3-prefix-code-in-s3" / "template.yaml"
INFO = FIXTURES / "s3-prefix-scoped" / "template.yaml"


def run(*args):
    result = cli_runner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "path, fail_on, expected",
    [
        (CLEAN, "error", 0),
        (LOOP, "error", 1),
        (WARNING, "error", 0),
        (WARNING, "warning", 1),
        (INFO, "warning", 0),
        (INFO, "info", 1),
        (LOOP, "never", 0),
    ],
)
def test_exit_status_follows_fail_on(path, fail_on, expected):
    code, _, _ = run("scan", "--fail-on", fail_on, path)
    assert code == expected


def test_json_shape_is_the_contract():
    code, out, _ = run("scan", "--format", "json", LOOP)
    assert code == 1
    document = json.loads(out)
    assert document["tool"] == "loopcheck" and document["version"] == __version__
    assert document["errors"] == []
    (finding,) = document["findings"]
    for key in ("rule", "severity", "file", "line", "column", "resource", "path", "message", "cycle"):
        assert key in finding
    assert finding["severity"] in ("error", "warning", "info")
    assert finding["resource"] == "ResizeFn"
    assert finding["path"] == ["Resources", "ResizeFn"]
    assert finding["cycle"][0] == finding["cycle"][-1] == "MediaBucket"
    assert finding["file"] == str(LOOP)


def test_text_output_leads_with_file_line_col_id_severity(tmp_path):
    code, out, err = run("scan", LOOP)
    first, second = out.splitlines()[:2]
    assert first.startswith(f"{LOOP}:11:3: EL101 error: recursive loop MediaBucket -> ResizeFn -> MediaBucket")
    assert second == "  loop: MediaBucket -> ResizeFn -> MediaBucket"
    assert "1 template scanned: 1 error" in err


def test_broken_template_is_reported_and_the_others_still_scanned(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n")
    shutil.copy(LOOP, tmp_path / "loop.yaml")
    code, out, _ = run("scan", "--format", "json", tmp_path)
    document = json.loads(out)
    assert code == 2
    assert [e["file"] for e in document["errors"]] == [str(broken)]
    assert document["errors"][0]["line"] == 4 and "invalid YAML" in document["errors"][0]["message"]
    assert [f["rule"] for f in document["findings"]] == ["EL101"]


def test_non_templates_are_skipped_and_counted_whether_walked_or_named(tmp_path):
    """Counted in the summary; one line each with --verbose."""
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    package = tmp_path / "package.json"
    package.write_text('{"name": "x", "version": "1.0.0"}')
    helm = tmp_path / "chart.yaml"
    helm.write_text("image: {{ .Values.image }}\n")  # not even YAML, and not a template
    for args in (["scan", tmp_path], ["scan", workflow, package, helm]):
        code, out, err = run(*args)
        assert code == 0, err
        assert out == ""
        assert "loopcheck: skipped " not in err and ", 3 skipped (" in err.splitlines()[-1]
        code, out, err = run(*args, "--verbose")
        assert code == 0 and out == ""
        assert err.count("loopcheck: skipped ") == 3
        assert f"skipped {workflow}: not a CloudFormation template" in err


def test_strict_makes_non_templates_errors(tmp_path):
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\n")
    code, out, _ = run("scan", "--strict", "--format", "json", workflow)
    assert code == 2
    assert "--strict" in json.loads(out)["errors"][0]["message"]


def test_missing_path_is_an_error_but_other_files_are_scanned():
    code, out, _ = run("scan", "--format", "json", "does/not/exist.yaml", CLEAN)
    document = json.loads(out)
    assert code == 2
    assert document["errors"][0]["file"] == "does/not/exist.yaml"


def test_directories_are_walked_for_every_template_suffix(tmp_path):
    one_bucket = template({"B": bucket()}, sam=False)
    for suffix in (".yaml", ".yml", ".json", ".template"):
        target = tmp_path / f"t{suffix}"
        target.write_text(json.dumps(one_bucket) if suffix == ".json" else dump(one_bucket))
    (tmp_path / "notes.txt").write_text("Resources: x")
    _, _, err = run("scan", tmp_path)
    assert "4 templates scanned" in err


def test_usage_errors_exit_2():
    assert run("scan", "--format", "xml", CLEAN)[0] == 2
    assert run("scan", "--no-such-flag", CLEAN)[0] == 2


def test_version_and_help():
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out
    code, out, _ = run("scan", "--help")
    assert code == 0 and "--fail-on" in out


def test_installed_command_runs_as_a_subprocess():
    command = shutil.which("loopcheck") or str(Path(sys.executable).parent / "loopcheck")
    completed = subprocess.run([command, "scan", "--format", "json", str(LOOP)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["findings"][0]["rule"] == "EL101"


def test_rules_ship_inside_the_package_and_no_top_level_rules_module():
    from importlib import metadata

    import loopcheck.rules

    # rules/ at the top of the repository is mapped to loopcheck.rules (pyproject package-dir).
    assert loopcheck.rules.__name__ == "loopcheck.rules"
    assert Path(loopcheck.rules.__file__).parent.name == "rules"
    top_level = metadata.distribution("loopcheck").read_text("top_level.txt")
    if top_level is not None:  # absent for some editable installs
        assert top_level.split() == ["loopcheck"]


def test_every_package_in_the_source_tree_is_installed():
    """A subpackage missing from pyproject's list works in an editable install and breaks in
    a wheel (pre-commit and CI install wheels)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    root = Path(__file__).resolve().parent.parent
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(setuptools["packages"])
    found = {
        ".".join(Path(folder).relative_to(root).parts)
        for folder, _, files in os.walk(root / "loopcheck")
        if "__init__.py" in files
    }
    assert setuptools["package-dir"] == {"loopcheck.rules": "rules"}
    assert (root / "rules" / "__init__.py").is_file()
    assert found | {"loopcheck.rules"} == declared


def test_a_cut_short_cycle_search_is_said_on_stderr_and_never_in_the_json(tmp_path):
    dense = tmp_path / "dense.yaml"
    # thousands of simple cycles in one component
    dense.write_text(dump(template(dense_resources(5, 5, code_uri="s3://b/k.zip"))))
    code, out, err = run("scan", "--format", "json", dense)
    assert code == 1
    assert "note: " in err and "more loops than loopcheck lists" in err and "dense.yaml" in err
    assert len(json.loads(out)["findings"]) >= 150
    small = tmp_path / "small.yaml"
    # two loops: nothing cut short
    small.write_text(dump(template(dense_resources(1, 2, code_uri="s3://b/k.zip"))))
    code, _, err = run("scan", small)
    assert code == 1 and "note: " not in err


def test_scan_without_a_path_scans_the_current_folder(tmp_path, monkeypatch):
    fixture = Path(__file__).parent.parent / "fixtures" / "named-grant-no-code" / "template.yaml"
    shutil.copy(fixture, tmp_path / "template.yaml")
    monkeypatch.chdir(tmp_path)
    from loopcheck.app.cli import main

    result = cli_runner().invoke(main, ["scan", "--format", "json"])
    assert result.exit_code == 1  # the loop in ./template.yaml was found
    assert [f["file"] for f in json.loads(result.stdout)["findings"]] == ["template.yaml"]
# -- files named on the command line: special files, missing folders, full disks -----------


def _special_files(tmp_path):
    """name -> a path that is not a regular file (each kind, and a symlink to one)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "link-to-zero"
    link.symlink_to("/dev/zero")
    return {"fifo": (fifo, "a FIFO (named pipe)"), "zero": (Path("/dev/zero"), "a character device"),
            "directory": (folder, "a directory"), "symlink": (link, "a character device")}


SPECIAL = ["fifo", "zero", "directory", "symlink"]
NAMED_FILE_OPTIONS = {"--baseline": ("baseline error", "not read"),
                      "--config": ("configuration error", "not read"),
                      "--output": ("output error", "not written"),
                      "--write-baseline": ("baseline error", "not written")}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize("option", sorted(NAMED_FILE_OPTIONS))
def test_special_files_named_as_options_are_refused_in_one_line(tmp_path, option, kind):
    """Refused before the scan, never read (a FIFO would block, /dev/zero grow without end)
    and never written: one line naming the path, exit 2."""
    from userrun import executable

    path, described = _special_files(tmp_path)[kind]
    completed = subprocess.run([executable(), "scan", option, str(path), str(LOOP)],
                               capture_output=True, text=True, timeout=60)
    heading, verb = NAMED_FILE_OPTIONS[option]
    assert completed.returncode == 2
    assert completed.stderr == f"loopcheck: {heading}: {path}: {described}, not a regular file: {verb}\n"
    assert completed.stdout == ""  # refused before the scan


def test_output_into_a_missing_folder_is_one_line(tmp_path):
    target = tmp_path / "nope" / "report.txt"
    code, stdout, stderr = run("scan", "-o", target, LOOP)
    assert code == 2 and stdout == ""
    assert stderr == f"loopcheck: output error: {target}: cannot be written (no such folder {target.parent})\n"


def test_output_write_failure_is_one_line_not_an_internal_error(tmp_path, monkeypatch):
    """A full disk (/dev/full is refused as a device; here the write itself fails)."""
    import errno

    from loopcheck.load import userfiles

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(userfiles, "open", full, raising=False)
    target = tmp_path / "report.json"
    code, _stdout, stderr = run("scan", "--format", "json", "-o", target, LOOP)
    assert code == 2
    assert stderr.splitlines()[-1] == (
        f"loopcheck: output error: {target}: cannot be written (No space left on device)")
    assert "internal error" not in stderr


def test_output_to_dev_full_is_refused_in_one_line():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    code, _stdout, stderr = run("scan", "-o", "/dev/full", LOOP)
    assert code == 2
    assert stderr == "loopcheck: output error: /dev/full: a character device, not a regular file: not written\n"


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout")
def test_output_to_dev_stdout_and_dev_null_still_work():
    from userrun import loopcheck

    through_stdout = loopcheck("scan", "--format", "json", "-o", "/dev/stdout", LOOP)
    assert through_stdout.returncode == 1, through_stdout.stderr
    assert [f["rule"] for f in json.loads(through_stdout.stdout)["findings"]] == ["EL101"]
    to_null = loopcheck("scan", "-o", os.devnull, LOOP)
    assert to_null.returncode == 1 and to_null.stdout == ""


def test_stdout_on_a_full_disk_is_one_line(monkeypatch, capsys):
    """An OSError outside the per-file guard is the environment's: one line, exit 2."""
    import errno

    import loopcheck.app.cli as cli

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "<stdout>")

    monkeypatch.setattr(cli, "main", full)
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == 2
    assert capsys.readouterr().err == "loopcheck: error: <stdout>: No space left on device\n"


def test_python_dash_m_goes_through_the_same_guard(monkeypatch, capsys):
    """`python -m loopcheck` exits 2 with one line on a failure, as `loopcheck` does."""
    import runpy

    import loopcheck.app.cli as cli

    def broken():
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(cli, "main", broken)
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("loopcheck", run_name="__main__")
    assert exited.value.code == 2
    assert "loopcheck: internal error (ZeroDivisionError: simulated bug)" in capsys.readouterr().err


def test_python_dash_m_bad_output_is_one_line(tmp_path):
    target = tmp_path / "missing" / "out.txt"
    completed = subprocess.run([sys.executable, "-m", "loopcheck", "scan", "-o", str(target), str(LOOP)],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        f"loopcheck: output error: {target}: cannot be written (no such folder {target.parent})"]


def test_a_source_checkout_imported_as_it_is_finds_its_rules():
    """scripts/, `python -m loopcheck` and cfn-lint run in the checkout import loopcheck from the
    checkout itself, where rules/ sits beside loopcheck/ (only an install maps it)."""
    root = Path(__file__).resolve().parent.parent
    code = (
        "import sys\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "import loopcheck\n"
        f"assert loopcheck.__file__.startswith({str(root)!r}), loopcheck.__file__\n"
        "from loopcheck.rulebase import all_rules\n"
        "count = len(all_rules())\n"
        "print(count, sys.modules['loopcheck.rules'].__file__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=False)
    assert done.returncode == 0, done.stderr
    count, where = done.stdout.split()
    assert int(count) == len(list((root / "rules").glob("[ewi]l*.py")))
    assert where == str(root / "rules" / "__init__.py")


def test_a_named_template_scan_imports_only_what_it_uses():
    """Start-up is most of a one-template run (the pre-commit hook): the folder walk's
    .gitignore rules, build-output tracing, the other reporters and the JS analyser stay
    unimported when a template with a Python handler is named and one format is asked for."""
    probe = ("import sys\n"
             "from loopcheck.app.cli import main\n"
             "try:\n"
             "    main(['scan', '--format', 'json', sys.argv[1]])\n"
             "except SystemExit:\n"
             "    pass\n"
             "sys.stderr.write('\\n'.join(sorted(sys.modules)))\n")
    completed = subprocess.run([sys.executable, "-c", probe, str(LOOP)], capture_output=True, text=True,
                               check=False, cwd=FIXTURES.parent)
    loaded = set(completed.stderr.split())
    assert "loopcheck.report.json_report" in loaded and "loopcheck.code.python_facts" in loaded
    unused = {"pathspec", "loopcheck.load.ignore", "loopcheck.code.build_sources",
              "loopcheck.report.sarif", "loopcheck.report.text", "loopcheck.report.junit",
              "loopcheck.code.js_facts", "loopcheck.stacks.linker", "loopcheck.stacks.cross_stack",
              "cfnlint", "cfn_flip", "loopcheck.fixes.mechanical", "loopcheck.fixes.source_edits", "difflib",
              # other languages, other commands and options, other reporters (issue 16: start-up)
              "loopcheck.code.java_facts", "loopcheck.code.csharp_facts", "loopcheck.code.go_facts",
              "loopcheck.code.locate_java", "loopcheck.code.locate_csharp", "loopcheck.load.definition_file",
              "loopcheck.app.baseline", "loopcheck.app.ruledocs", "loopcheck.app.cfnlint_plugin",
              "loopcheck.pipeline.inventory", "loopcheck.fixes.patch", "loopcheck.stacks.links",
              "loopcheck.report.drawing", "loopcheck.report.loops", "loopcheck.report.github",
              "loopcheck.report.gitlab", "tree_sitter"}
    assert not unused & loaded, sorted(unused & loaded)


def test_the_command_leaves_its_objects_out_of_the_collections_at_exit():
    """The interpreter's last collections would walk every live object of a finished scan
    (issue 16: start-up): by the time they run, those objects are frozen."""
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: sys.stderr.write(f'frozen {gc.get_freeze_count()}'))\n"
             "sys.argv = ['loopcheck', 'scan', '--quiet', sys.argv[1]]\n"
             "from loopcheck.app.cli import run\n"
             "run()\n")
    completed = subprocess.run([sys.executable, "-c", probe, str(LOOP)], capture_output=True, text=True,
                               check=False, cwd=FIXTURES.parent)
    assert completed.returncode == 1, completed.stderr
    frozen = int(completed.stderr.rsplit("frozen ", 1)[1])
    assert frozen > 10_000, completed.stderr
