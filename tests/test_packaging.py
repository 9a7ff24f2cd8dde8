"""The package as users get it: `pip install loopcheck` brings only what the CLI needs (no
cfn-lint, no cfn-flip: every command runs with them made unimportable), the cfn-lint plugin
says what to install when cfn-lint is missing, and the wheel and sdist, built offline from
this checkout, pass `twine check --strict` and `check-wheel-contents` and hold every file
the CLI reads at run time."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PLUGIN_ONLY = ("cfnlint", "cfn_flip")  # what a light install does not have

# Run first in a probe: makes the plugin-only packages unimportable, installed or not.
WITHOUT_PLUGIN_PACKAGES = f"""
import sys
from importlib.abc import MetaPathFinder

class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {PLUGIN_ONLY!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Missing())
"""


def probe(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_PLUGIN_PACKAGES + code], capture_output=True,
                          text=True, cwd=ROOT, check=False, timeout=300)


def test_every_command_runs_without_cfn_lint_or_cfn_flip(tmp_path):
    """Each command, every output format (on every fixture, or on two linked templates):
    statuses as usual (0, or 1 for findings), and neither package imported, not even where
    it is installed."""
    code = f"""
import contextlib, io
from loopcheck.app.cli import main
from loopcheck.report import FORMATS

fixtures, linked = {str(FIXTURES)!r}, {str(FIXTURES / "two-stack-export-loop")!r}
commands = [["scan", "--format", "json", fixtures], ["graph", fixtures]]  # every fixture, once
commands += [["scan", "--format", name, linked] for name in sorted(FORMATS) if name != "json"]
commands += [["graph", "--format", "dot", linked], ["loops", linked], ["rules"], ["explain", "EL101"]]
for command in commands:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main(command)
            status = 0
        except SystemExit as exit:
            status = exit.code or 0
    print(" ".join(command[:3]), status)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {PLUGIN_ONLY!r})
print("loaded:", loaded)
"""
    done = probe(code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "loaded: []"
    statuses = {line.rsplit(" ", 1)[0]: int(line.rsplit(" ", 1)[1]) for line in lines[:-1]}
    assert len(statuses) >= 9
    assert statuses["scan --format json"] == 1  # the fixtures hold loops: the scan really ran
    assert all(status in (0, 1) for status in statuses.values()), statuses


def test_the_plugin_without_cfn_lint_says_what_to_install():
    done = probe("import loopcheck.cfnlint_plugin\n")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: loopcheck's cfn-lint plugin needs cfn-lint")
    assert "pip install 'loopcheck[cfn-lint]'" in last


# -- the built distributions -----------------------------------------------------------------

# Left out of the copy the distributions are built from: environments, caches, build output.
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv*", "venv", "node_modules", "build", "dist", "*.egg-info",
                                      "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis")


@pytest.fixture(scope="module")
def distributions(tmp_path_factory):
    """(wheel, sdist) built from a copy of this checkout, offline: the sdist first, then the
    wheel from the unpacked sdist (python -m build's way), so a file missing from the sdist
    is missing from the wheel too."""
    for module in ("build", "twine", "check_wheel_contents"):
        pytest.importorskip(module, reason="the test extra installs it: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("dist")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(work / "out"),
                            str(source)], capture_output=True, text=True, check=False, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list((work / "out").glob("*.whl"))
    sdists = list((work / "out").glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    return wheels[0], sdists[0]


@pytest.mark.slow
def test_twine_check_passes_strict(distributions):
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2 and "WARNING" not in checked.stdout + checked.stderr


@pytest.mark.slow
def test_check_wheel_contents_passes(distributions):
    wheel, _ = distributions
    checked = subprocess.run([sys.executable, "-m", "check_wheel_contents", "--toplevel", "loopcheck",
                              str(wheel)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == f"{wheel}: OK"


@pytest.mark.slow
def test_wheel_holds_what_the_cli_reads_and_asks_only_for_what_it_imports(distributions):
    wheel, _ = distributions
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = email.message_from_string(
            archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    wanted = {"loopcheck/app/rule_examples.json"}
    wanted |= {f"loopcheck/knowledge/{p.name}" for p in (ROOT / "loopcheck" / "knowledge").glob("*.json")}
    wanted |= {f"loopcheck/rules/{p.name}" for p in (ROOT / "rules").glob("*.py")}  # rules/ as loopcheck.rules
    assert len(wanted) >= 10 and wanted <= names, sorted(wanted - names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("rules/", "tests/", "fixtures/")) for n in names)

    assert metadata["License-Expression"] == "Apache-2.0"
    requires = metadata.get_all("Requires-Dist")
    plain = [r for r in requires if "extra ==" not in r]
    assert not [r for r in plain if r.lower().startswith(("cfn-lint", "cfn-flip", "cfn_lint", "cfn_flip"))]
    assert any(r.startswith("cfn-lint") and 'extra == "cfn-lint"' in r for r in requires)
    assert "cfn-lint" in metadata.get_all("Provides-Extra")
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= {
        url.split(",")[0] for url in metadata.get_all("Project-URL")}
