"""The cfn-lint plugin, run as users run it: the real cfn-lint, in a subprocess, on every
fixture, compared with the CLI's JSON output from the same run of the suite (never with
pinned expectations, since the analysis evolves). Same rule ids, resources, paths, cycles,
messages, lines and columns; severity from the id's first letter; cfn-lint's exit bitmask.

Works under both cfn-lint eras (scripts/test_cfnlint_eras.sh runs this file under each):
< 1.54 transforms SAM before rules run, >= 1.54 hands rules the SAM template (Globals
merged). The era is read from the installed version and asserted, not assumed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import builder
import pytest

from loopcheck.app.scan import ScanOptions, scan_file
from loopcheck.load.loader import Template as LoadedTemplate
from loopcheck.load.loader import load_file
from loopcheck.load.nodes import locate
from loopcheck.rulebase.rule import all_rules

cfnlint = pytest.importorskip("cfnlint")
plugin = pytest.importorskip("loopcheck.app.cfnlint_plugin")

ROOT = Path(__file__).resolve().parent.parent
ALL_TEMPLATES: List[str] = sorted(
    str(path.relative_to(ROOT))
    for folder in (ROOT / "fixtures").iterdir() if folder.is_dir()
    for path in folder.iterdir() if path.name in ("template.yaml", "template.yml", "template.json")
)


def _has_duplicate_keys(template: str) -> bool:
    return bool(getattr(load_file(str(ROOT / template)).data, "duplicates", None))


# cfn-lint refuses a template with a duplicate key (E0000) before any rule runs, so the plugin
# never sees it: those fixtures are compared in test_duplicate_keys_stop_at_cfn_lints_parser.
DUPLICATE_KEY_TEMPLATES = [t for t in ALL_TEMPLATES if _has_duplicate_keys(t)]
TEMPLATES = [t for t in ALL_TEMPLATES if t not in DUPLICATE_KEY_TEMPLATES]
IDS = [Path(t).parent.name for t in TEMPLATES]
LOOPCHECK_IDS = {rule.id for rule in all_rules()}
CFN_LINT_VERSION = tuple(int(part) for part in re.findall(r"\d+", version("cfn-lint"))[:3])
# cfn-lint < 1.54 runs the SAM transform before its rules; >= 1.54 merges Globals only.
TRANSFORMS_SAM = CFN_LINT_VERSION < (1, 54)
LEVEL = {"Error": "error", "Warning": "warning", "Informational": "info"}
CFN_LINT_SEVERITY = {"error": "error", "warning": "warning", "info": "informational"}
EXIT_BIT = {"error": 2, "warning": 4, "info": 8}
SAM_GLOBALS = {"AWS::Serverless::Function": "Function"}
# Every cfn-lint rule id is a letter and a digit; loopcheck's are a letter and "L".
CFN_LINT_OWN_RULES = [letter + digit for letter in "EWI" for digit in "0123456789"]
RUN_CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"


def cfn_lint(templates: Sequence[str], cwd: Path, options: Sequence[str] = (),
             stdin: Optional[str] = None) -> Tuple[int, List[Dict[str, Any]]]:
    """Exit status and JSON matches of the real cfn-lint with the plugin appended, as the
    README shows it (`--append-rules` takes several values, hence the `--`)."""
    command = [sys.executable, "-c", RUN_CFN_LINT, "--format", "json", "--include-checks", "I",
               "--append-rules", "loopcheck.cfnlint_plugin", *options]
    if templates:
        command += ["--", *templates]
    done = subprocess.run(command, cwd=cwd, input=stdin if stdin is not None else "",
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.strip(), f"cfn-lint printed nothing (status {done.returncode}): {done.stderr}"
    return done.returncode, json.loads(done.stdout)


def ours(matches: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [m for m in matches if m["Rule"]["Id"] in LOOPCHECK_IDS]


def cycle_in(message: str) -> List[str]:
    found = re.search(r"[A-Za-z0-9]+(?: -> [A-Za-z0-9]+)+", message)
    return found.group(0).split(" -> ") if found else []


@cache
def written_template(template: str) -> Any:
    loaded = load_file(str(ROOT / template))
    assert isinstance(loaded, LoadedTemplate), loaded
    return loaded.data


def _written(data: Any, path: Sequence[Any]) -> bool:
    node = data
    for step in path:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return False
    return True


def expected_position(template: str, finding: Dict[str, Any]) -> Tuple[int, int]:
    """The CLI's line and column, except for a property a SAM function inherits from Globals
    (its path is not written under the function): the plugin points at the Globals entry,
    where the value is written (in both eras; cfn-lint >= 1.54 locates it there itself)."""
    data, path = written_template(template), finding["path"]
    if not _written(data, path) and len(path) >= 4 and path[0] == "Resources" and path[2] == "Properties":
        section = SAM_GLOBALS.get(data["Resources"][path[1]].get("Type"))
        inherited = ["Globals", section, *path[3:]]
        if section and _written(data, inherited[:3]):
            return locate(data, inherited)
    return finding["line"], finding["column"]


@pytest.fixture(scope="session")
def cli_findings() -> Dict[str, List[Dict[str, Any]]]:
    """`loopcheck scan --format json` over every fixture, by file."""
    done = subprocess.run([sys.executable, "-m", "loopcheck", "scan", "--format", "json",
                           "--fail-on", "never", *TEMPLATES], cwd=ROOT, capture_output=True, text=True)
    document = json.loads(done.stdout)
    assert document["errors"] == [], document["errors"]
    by_file: Dict[str, List[Dict[str, Any]]] = {t: [] for t in TEMPLATES}
    for finding in document["findings"]:
        by_file[finding["file"]].append(finding)
    return by_file


@pytest.fixture(scope="session")
def cfn_lint_run() -> Tuple[int, List[Dict[str, Any]]]:
    """One cfn-lint run over every fixture: (exit status, all matches)."""
    return cfn_lint(TEMPLATES, ROOT)


# -- the plugin module --------------------------------------------------------------------
def test_module_exposes_one_cfn_lint_rule_per_loopcheck_rule():
    """What cfn-lint itself instantiates from `-a loopcheck.cfnlint_plugin`."""
    from cfnlint.helpers import create_rules

    instances = create_rules(plugin)
    assert sorted(r.id for r in instances) == sorted(LOOPCHECK_IDS)
    by_id = {rule.id: rule for rule in all_rules()}
    for instance in instances:
        rule = by_id[instance.id]
        assert instance.shortdesc == rule.title and rule.rationale in instance.description
        assert CFN_LINT_SEVERITY[rule.severity] == instance.severity
        assert type(instance).__name__.startswith(rule.id)
        assert getattr(plugin, type(instance).__name__) is type(instance)


# -- every fixture, plugin against CLI -----------------------------------------------------
@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_fixture_gives_the_cli_findings(template, cli_findings, cfn_lint_run):
    _, matches = cfn_lint_run
    got = sorted(
        (m["Rule"]["Id"], LEVEL[m["Level"]], m["Location"]["Path"], cycle_in(m["Message"]), m["Message"],
         (m["Location"]["Start"]["LineNumber"], m["Location"]["Start"]["ColumnNumber"]))
        for m in ours(matches) if m["Filename"] == template
    )
    expected = sorted(
        (f["rule"], f["severity"], f["path"], cycle_in(f["message"]), f["message"],
         expected_position(template, f))
        for f in cli_findings[template]
    )
    assert got == expected
    for finding in cli_findings[template]:
        assert finding["path"][:2] == ["Resources", finding["resource"]]
        if finding["cycle"]:
            assert cycle_in(finding["message"]) == finding["cycle"]


def test_duplicate_keys_stop_at_cfn_lints_parser():
    """cfn-lint reports a duplicate key itself (E0000, both lines) and runs no rule, the
    plugin's included; loopcheck's CLI reads the same file with WL112 instead."""
    assert DUPLICATE_KEY_TEMPLATES
    status, matches = cfn_lint(DUPLICATE_KEY_TEMPLATES, ROOT)
    assert status & EXIT_BIT["error"]
    assert ours(matches) == []
    for template in DUPLICATE_KEY_TEMPLATES:
        own = [m for m in matches if m["Filename"] == template]
        assert own and all(m["Rule"]["Id"] == "E0000" and "Duplicate found" in m["Message"] for m in own)


def test_fixtures_exercise_the_comparison(cli_findings, cfn_lint_run):
    """Not a vacuous comparison: loops found, and cfn-lint's own rules kept out of it."""
    _, matches = cfn_lint_run
    assert len(ours(matches)) == sum(len(f) for f in cli_findings.values()) > 0
    assert {f["severity"] for found in cli_findings.values() for f in found} >= {"error", "info"}


def test_exit_status_is_cfn_lint_bitmask(cli_findings, cfn_lint_run):
    status, matches = cfn_lint_run
    expected = 0
    for match in matches:
        expected |= EXIT_BIT[LEVEL[match["Level"]]]
    assert status == expected
    # and loopcheck's findings alone, one fixture per combination of severities
    profiles: Dict[frozenset, str] = {}
    for template in TEMPLATES:
        profiles.setdefault(frozenset(f["severity"] for f in cli_findings[template]), template)
    for severities, template in profiles.items():
        status, matches = cfn_lint([template], ROOT, ["--ignore-checks", *CFN_LINT_OWN_RULES])
        assert {m["Rule"]["Id"] for m in matches} <= LOOPCHECK_IDS
        assert status == sum(EXIT_BIT[s] for s in severities), template


# -- the two eras ------------------------------------------------------------------------
def _cfn_template(text: str, filename: Optional[str]):
    """A cfn-lint Template after cfn-lint's own transform step, as rules receive it."""
    from cfnlint.decode import decode_str
    from cfnlint.template import Template

    data, errors = decode_str(text)
    assert not errors, errors
    cfn = Template(filename, data, ["us-east-1"])
    assert cfn.transform() == []
    return cfn


def _sam_templates() -> List[str]:
    return [t for t in TEMPLATES if "AWS::Serverless-2016-10-31" in (ROOT / t).read_text()]


def test_era_follows_the_installed_cfn_lint():
    """cfn-lint < 1.54 hands rules the transformed template and the plugin reads the file as
    written; >= 1.54 hands the SAM template with Globals merged, read as it is."""
    assert _sam_templates()
    for template in _sam_templates():
        cfn = _cfn_template((ROOT / template).read_text(), template)
        types = {str(r.get("Type")) for r in cfn.template["Resources"].values()}
        serverless = any(t.startswith("AWS::Serverless::") for t in types)  # a function or state machine
        assert (not serverless) == TRANSFORMS_SAM, template
        analysis = plugin.analyse(cfn)
        if TRANSFORMS_SAM:
            assert analysis.mode == "as written"  # the file, decoded again by cfn-lint
            assert analysis.data["Resources"].keys() <= cfn.template["Resources"].keys()
        elif "Globals" in cfn.template:
            assert analysis.mode == "globals merged" and "Globals" not in analysis.data
        else:
            assert analysis.mode == "as written" and analysis.data is cfn.template


@pytest.mark.parametrize("template", TEMPLATES, ids=IDS)
def test_template_piped_on_stdin_gives_the_cli_findings(template, tmp_path, monkeypatch):
    """With no file to read again (stdin), cfn-lint < 1.54's transformed template is analysed
    and generated resources are mapped back: same rules, resources and messages as the CLI
    on the template alone (without its code folder, as on stdin)."""
    monkeypatch.chdir(tmp_path)
    lone = tmp_path / Path(template).name
    lone.write_text((ROOT / template).read_text())
    expected, error, _ = scan_file(lone.name, ScanOptions())
    assert error is None
    cfn = _cfn_template(lone.read_text(), None)
    got = [
        (rule_id, match.path[:2], match.message)
        for rule_id in sorted(LOOPCHECK_IDS)
        for match in plugin.rule_matches(cfn, rule_id)
    ]
    if TRANSFORMS_SAM and template in _sam_templates():
        assert plugin.analysis_for(cfn).mode == "transformed"
    assert sorted(got) == sorted((f.rule, f.path[:2], f.message) for f in expected)
    for rule_id in LOOPCHECK_IDS:
        for match in plugin.rule_matches(cfn, rule_id):
            assert match.path[1] in cfn.template["Resources"]


def test_stdin_through_the_real_cfn_lint(tmp_path, cli_findings):
    template = next(t for t in _sam_templates() if cli_findings[t])
    lone = tmp_path / "template.yaml"
    lone.write_text((ROOT / template).read_text())
    _, matches = cfn_lint([], tmp_path, stdin=lone.read_text())
    expected, _, _ = scan_file(str(lone), ScanOptions())
    assert sorted((m["Rule"]["Id"], m["Location"]["Path"][:2], m["Message"]) for m in ours(matches)) == sorted(
        (f.rule, f.path[:2], f.message) for f in expected
    )


def test_generated_resources_map_to_their_sam_function():
    transformed = {
        "Resources": {
            "ResizeFn": {"Type": "AWS::Lambda::Function",
                         "Properties": {"Tags": [{"Key": "lambda:createdBy", "Value": "SAM"}]}},
            "ResizeFnRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "ResizeFnUploadPermission": {"Type": "AWS::Lambda::Permission", "Properties": {}},
            "ResizeFnLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "SharedRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Plain": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "PlainRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        }
    }
    generated = plugin._generated_ids(transformed)
    assert generated == {"ResizeFnRole": "ResizeFn", "ResizeFnUploadPermission": "ResizeFn"}
    analysis = plugin.Analysis([], transformed, generated, "transformed")
    finding = type("F", (), {"path": ["Resources", "ResizeFnRole", "Properties", "Policies", 0]})()
    assert analysis.report_path(finding) == ["Resources", "ResizeFn"]


# -- behaviour inside cfn-lint -------------------------------------------------------------
def suppressed(rules: List[str]) -> str:
    """A same-bucket loop whose function tells cfn-lint to ignore `rules` on it."""
    fn = builder.function([builder.s3_crud("MediaBucket")], {"Upload": builder.s3_event("MediaBucket")})
    fn["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": rules}}}
    return builder.dump({"AWSTemplateFormatVersion": "2010-09-09",
                         **builder.template({"MediaBucket": builder.bucket(), "ResizeFn": fn})})


def test_per_resource_suppression_applies(tmp_path):
    """`Metadata: cfn-lint: config: ignore_checks` on the function silences its finding."""
    template = tmp_path / "template.yaml"
    template.write_text(suppressed(["E9999"]))
    expected, _, _ = scan_file(str(template), ScanOptions())
    rules = sorted({f.rule for f in expected if f.resource == "ResizeFn"})
    assert rules, "the unsuppressed template has a finding on ResizeFn"
    _, matches = cfn_lint([template.name], tmp_path)
    assert sorted({m["Rule"]["Id"] for m in ours(matches)}) == rules
    template.write_text(suppressed(rules))
    _, matches = cfn_lint([template.name], tmp_path)
    assert ours(matches) == []


def with_template_ignore(document_text: str, checks: List[str], reasonless: bool = False) -> str:
    """The template with `Metadata: cfn-lint: config: ignore_checks` at its top level (and,
    with `reasonless`, a loopcheck suppression without a reason on the bucket: a WL901)."""
    import yaml

    document = yaml.safe_load(document_text)
    document["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": checks}}}
    if reasonless:
        document["Resources"]["MediaBucket"]["Metadata"] = {"loopcheck": {"ignore": [{"rule": "EL101"}]}}
    return builder.dump(document)


@pytest.mark.parametrize("checks, reasonless", [
    (["EL101"], False),  # a whole id
    (["E3012", "EL1"], False),  # a prefix of loopcheck's errors, beside a cfn-lint id
    (["W"], True),  # every warning rule: the WL901 goes, the EL101 stays
    (["EL1O1"], False),  # a typo: suppresses nothing, and WL903 says so
])
def test_template_level_ignore_checks_agree_between_cli_and_plugin(tmp_path, checks, reasonless):
    """cfn-lint turns a rule off for the whole template when the template's own config ignores
    it (by prefix); `loopcheck scan` honours the same list, so both report the same findings."""
    template = tmp_path / "template.yaml"
    template.write_text(with_template_ignore(suppressed(["E9999"]), checks, reasonless))
    cli = json.loads(subprocess.run(
        [sys.executable, "-m", "loopcheck", "scan", "--format", "json", "--show-suppressed", template.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120).stdout)
    _, matches = cfn_lint([template.name], tmp_path)
    reported = sorted((f["rule"], f["line"]) for f in cli["findings"])
    assert sorted((m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"]) for m in ours(matches)) == reported
    hidden = [item["rule"] for item in cli["suppressed"]]
    assert all(any(rule.startswith(check) for check in checks) for rule in hidden)
    if checks == ["EL1O1"]:
        assert [rule for rule, _ in reported] == ["EL101", "WL903"] and hidden == []
    else:
        assert hidden and {item["suppressed"]["reason"] for item in cli["suppressed"]} == {
            "cfn-lint ignore_checks in the template's Metadata"}


def test_rule_classes_share_one_analysis_and_report_an_internal_error_once(monkeypatch):
    template = _sam_templates()[0]
    calls = []
    real = plugin.analyse_template

    def counting(file, data):
        calls.append(file)
        return real(file, data)

    monkeypatch.setattr(plugin, "analyse_template", counting)
    cfn = _cfn_template((ROOT / template).read_text(), template)
    instances = [cls() for cls in plugin.RULE_CLASSES]
    for instance in instances:
        instance.match(cfn)
    assert calls == [template]

    def broken(file, data):
        raise KeyError("boom")

    monkeypatch.setattr(plugin, "analyse_template", broken)
    cfn = _cfn_template((ROOT / template).read_text(), template)
    with pytest.raises(RuntimeError, match="could not analyse this template.*KeyError"):
        instances[0].match(cfn)
    assert [instance.match(cfn) for instance in instances[1:]] == [[] for _ in instances[1:]]


def test_cli_never_imports_cfn_lint():
    probe = (
        "import sys\n"
        "from loopcheck.app.cli import main\n"
        f"sys.argv = ['loopcheck', 'scan', '--format', 'json', {TEMPLATES[0]!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'cfnlint'], 'cfnlint imported'\n"
        "assert 'loopcheck.app.cfnlint_plugin' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
