"""Rule documentation: `loopcheck rules`, `loopcheck explain ID`, and docs/rules/<ID>.md,
all from the rule modules and the fixtures they name."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
from userrun import FIXTURES, ROOT, loopcheck

from loopcheck.rulebase.rule import all_rules


def test_committed_rule_docs_are_up_to_date():
    completed = subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_rule_docs.py"), "--check"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_rule_names_a_failing_and_a_passing_fixture():
    for rule in all_rules():
        failing, passing = rule.examples
        assert (FIXTURES / failing).is_dir(), rule.id
        assert (FIXTURES / passing).is_dir(), rule.id


def test_readme_links_a_page_per_rule():
    readme = (ROOT / "README.md").read_text()
    for rule in all_rules():
        assert f"[{rule.id}](docs/rules/{rule.id}.md)" in readme
        assert (ROOT / "docs" / "rules" / f"{rule.id}.md").is_file()


def test_rules_lists_every_rule():
    completed = loopcheck("rules")
    assert completed.returncode == 0
    lines = completed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [rule.id for rule in all_rules()]
    assert "EL101  error    Unguarded recursive loop" in lines


def test_explain_prints_the_ruff_style_page_with_fixture_examples():
    completed = loopcheck("explain", "el101")  # ids are case-insensitive
    assert completed.returncode == 0
    page = completed.stdout
    headings = re.findall(r"^## (.*)$", page, flags=re.M)
    assert headings == ["What it does", "Why is this bad?", "Example", "Use instead", "How to fix"]
    example = page.split("## Example")[1].split("## Use instead")[0]
    assert "MediaBucket:" in example and "S3CrudPolicy" in example  # the failing template
    assert "From fixtures/s3-same-bucket-loop/template.yaml." in example
    fixed = page.split("## Use instead")[1]
    assert "ResultBucket:" in fixed and "S3ReadPolicy" in fixed  # the two-bucket design


def test_explain_cuts_the_failing_example_to_the_resources_involved():
    page = loopcheck("explain", "WL901").stdout
    example = page.split("## Example")[1].split("## Use instead")[0]
    assert "ThumbBucket:" in example and "- rule: EL101" in example
    assert "ThumbFn:" not in example  # not part of the WL901 finding
    assert "Description" not in page


def test_explain_unknown_rule_is_a_usage_error():
    completed = loopcheck("explain", "XL1")
    assert completed.returncode == 2
    assert "no rule 'XL1'" in completed.stderr and "EL101" in completed.stderr


def test_scan_does_not_import_docs_or_drawing_code():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from loopcheck.app.cli import main\n"
        f"CliRunner().invoke(main, ['scan', {str(FIXTURES / 's3-same-bucket-loop')!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith('loopcheck.')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT / "tests").stdout
    assert "loopcheck.app.ruledocs" not in loaded
    assert "loopcheck.report.drawing" not in loaded
    assert "loopcheck.app.baseline" not in loaded


_OFFLINE = ("Could not find a version", "No matching distribution", "Failed to establish",
            "Temporary failure in name resolution", "ProxyError")


@pytest.mark.slow  # builds a wheel (pip fetches setuptools into an isolated build environment)
def test_explain_works_from_a_built_wheel(tmp_path):
    """The wheel has no fixtures/: explain reads the packaged loopcheck/app/rule_examples.json."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path),
                            str(ROOT)], capture_output=True, text=True, check=False, timeout=600)
    if built.returncode != 0 and any(m in built.stderr for m in _OFFLINE):
        pytest.skip("the package index is unreachable: cannot build a wheel")
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("loopcheck-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "loopcheck/app/rule_examples.json" in names
        assert "loopcheck/knowledge/managed_policies.json" in names  # read on the scan path
        assert "loopcheck/rules/el101_unguarded_loop.py" in names  # rules/ mapped by package-dir
        assert not any(name.startswith("rules/") for name in names)
        assert not any(name.startswith("fixtures/") for name in names)
        archive.extractall(tmp_path / "site")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import loopcheck.app.cli as c; "
            "print(c.__file__); sys.argv = ['loopcheck', 'explain', 'EL104']; c.main()")
    completed = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")], cwd=tmp_path,
                               capture_output=True, text=True, check=False)
    assert completed.stdout.splitlines()[0].startswith(str(tmp_path / "site"))
    assert "RecursiveLoop: Allow" in completed.stdout and "```yaml" in completed.stdout
    assert "From fixtures/s3-recursive-loop-allow/template.yaml." in completed.stdout
