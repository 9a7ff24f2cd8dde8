"""Configuration as a user writes it: pyproject.toml [tool.loopcheck] or .loopcheck.yaml,
found upward from the scanned path, or named with --config; flags win over it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from builder import S3_EVENT, bucket, dump, function, get_att, sub, template
from userrun import FIXTURES, loopcheck

from loopcheck.app.config import Config, ConfigError, discover_config, find_config, load_config

LOOP = (FIXTURES / "s3-same-bucket-loop" / "template.yaml").read_text()
FILTERED = (FIXTURES / "s3-prefix-code-in-s3" / "template.yaml").read_text()  # WL102 warning

# A role whose only policy is a customer managed one named by ARN; its code is not readable
# (a zip in S3), so the permissions decide.
EXTERNAL_POLICY = dump(template({
    "Media": bucket(),
    "FnRole": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {},
        "ManagedPolicyArns": [sub("arn:aws:iam::${AWS::AccountId}:policy/MediaWriter")]}},
    "Fn": function(None, S3_EVENT, code_uri={"Bucket": "artifacts", "Key": "app.zip"}, Role=get_att("FnRole")),
}))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def rules_of(completed):
    return [f["rule"] for f in json.loads(completed.stdout)["findings"]]


def test_pyproject_is_found_upward_and_a_table_less_one_is_passed_over(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.loopcheck]\nfail-on = "never"\n')
    write(tmp_path / "app" / "pyproject.toml", '[project]\nname = "app"\n')
    template = write(tmp_path / "app" / "infra" / "template.yaml", LOOP)
    assert find_config([str(template)]) == tmp_path / "pyproject.toml"
    completed = loopcheck("scan", template)
    assert completed.returncode == 0, completed.stderr  # fail-on = never from the config
    assert " EL101 error: " in completed.stdout


def test_loopcheck_yaml_wins_over_pyproject_in_the_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.loopcheck]\nfail-on = "never"\n')
    write(tmp_path / ".loopcheck.yaml", "fail-on: info\n")
    template = write(tmp_path / "template.yaml", LOOP)
    assert find_config([str(template)]) == tmp_path / ".loopcheck.yaml"
    assert loopcheck("scan", template).returncode == 1


def test_cli_fail_on_wins_over_the_configuration(tmp_path):
    write(tmp_path / ".loopcheck.yaml", "fail-on: never\n")
    template = write(tmp_path / "template.yaml", LOOP)
    assert loopcheck("scan", template).returncode == 0
    assert loopcheck("scan", "--fail-on", "error", template).returncode == 1


def test_skip_leaves_a_rule_out(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.loopcheck]\nskip = ["EL101"]\n')
    template = write(tmp_path / "template.yaml", LOOP)
    completed = loopcheck("scan", "--format", "json", template)
    assert completed.returncode == 0 and rules_of(completed) == []


def test_severity_override_keeps_the_rule_id_and_drives_the_exit_status(tmp_path):
    project = tmp_path / "project"
    write(project / "template.yaml", FILTERED)
    template = project / "template.yaml"
    before = loopcheck("scan", "--format", "json", template)
    assert before.returncode == 0 and rules_of(before) == ["WL102"]
    write(project / "pyproject.toml", '[tool.loopcheck]\nseverity = { WL102 = "error" }\n')
    after = loopcheck("scan", "--format", "json", template)
    assert after.returncode == 1
    (finding,) = json.loads(after.stdout)["findings"]
    assert finding["rule"] == "WL102" and finding["severity"] == "error"
    text = loopcheck("scan", template)
    assert " WL102 error: " in text.stdout


def test_managed_policies_from_configuration_feed_the_model(tmp_path):
    template = write(tmp_path / "template.yaml", EXTERNAL_POLICY)
    assert rules_of(loopcheck("scan", "--format", "json", template)) == ["WL103"]  # unknown policy
    write(tmp_path / "pyproject.toml", """\
        [tool.loopcheck]
        managed-policies = { MediaWriter = [
          { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::*" },
        ] }
        """)
    completed = loopcheck("scan", "--format", "json", template)
    # The configured statements are used: the loop is now seen, through the wildcard (WL110).
    assert completed.returncode == 0 and rules_of(completed) == ["WL110"]
    notes = json.loads(completed.stdout)["findings"][0]["notes"]
    assert any("MediaWriter (configured)" in note for note in notes)
    write(tmp_path / "pyproject.toml", """\
        [tool.loopcheck]
        managed-policies = { MediaWriter = [ { Effect = "Allow", Action = "s3:GetObject", Resource = "*" } ] }
        """)
    completed = loopcheck("scan", "--format", "json", template)
    assert completed.returncode == 0 and rules_of(completed) == []  # read-only: no loop


def test_exclude_globs_are_relative_to_the_config_folder(tmp_path):
    write(tmp_path / ".loopcheck.yaml", 'exclude: ["cdk.out/**", "tests/**", "*.generated.yaml"]\n')
    kept = write(tmp_path / "infra" / "template.yaml", LOOP)
    bucket_only = {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}
    write(tmp_path / "cdk.out" / "Stack.template.json", json.dumps(bucket_only))
    write(tmp_path / "tests" / "data" / "loop.yaml", LOOP)
    write(tmp_path / "infra" / "x.generated.yaml", LOOP)
    completed = loopcheck("scan", "--format", "json", ".", cwd=tmp_path)
    files = {f["file"] for f in json.loads(completed.stdout)["findings"]}
    assert files == {kept.relative_to(tmp_path).as_posix()}
    assert "1 template scanned" in loopcheck("scan", ".", cwd=tmp_path).stderr
    # a named file is excluded too (pre-commit names every file), whatever the cwd
    named = loopcheck("scan", tmp_path / "tests" / "data" / "loop.yaml", cwd=tmp_path / "infra")
    assert named.returncode == 0 and named.stdout == ""
    assert "1 excluded" in named.stderr


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path):
    config = write(tmp_path / "pyproject.toml", '[tool.loopcheck]\nfail_on = "never"\n')
    template = write(tmp_path / "template.yaml", LOOP)
    completed = loopcheck("scan", template)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert f"{config} [tool.loopcheck]: unknown key 'fail_on' (did you mean 'fail-on'?)" in completed.stderr
    yaml_config = write(tmp_path / "other.yaml", "skipp: [EL101]\n")
    completed = loopcheck("scan", "--config", yaml_config, template)
    assert completed.returncode == 2 and f"{yaml_config}: unknown key 'skipp'" in completed.stderr


def test_config_flag_names_a_file_anywhere(tmp_path):
    template = write(tmp_path / "a" / "template.yaml", LOOP)
    elsewhere = write(tmp_path / "b" / "loopcheck.toml", 'skip = ["EL101"]\n')
    assert loopcheck("scan", "--config", elsewhere, template).returncode == 0
    missing = loopcheck("scan", "--config", tmp_path / "nope.yaml", template)
    assert missing.returncode == 2 and "no such configuration file" in missing.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ('skip = ["XL999"]', "'skip' names an unknown rule 'XL999'"),
        ('skip = "EL101"', "'skip' must be a list of strings"),
        ('fail-on = "fatal"', "'fail-on' must be one of"),
        ('severity = { WL102 = "critical" }', "'severity.WL102' must be one of"),
        ('managed-policies = { P = [ { Effect = "Allow", Resource = "*" } ] }', "needs Action"),
        ('managed-policies = { P = [ { Effect = "Allow", Action = "*", Resource = "*", X = 1 } ] }',
         "unknown key 'X'"),
        ('exclude = [1]', "'exclude' must be a list of strings"),
        ("skip = [", "invalid TOML"),
        ('show-unused-suppressions = "yes"', "'show-unused-suppressions' must be true or false"),
    ],
)
def test_bad_values_are_errors(tmp_path, text, message):
    config = write(tmp_path / "pyproject.toml", "[tool.loopcheck]\n" + text + "\n")
    with pytest.raises(ConfigError, match=r".*") as raised:
        load_config(str(config))
    assert str(config) in str(raised.value) and message in str(raised.value)


def test_no_configuration_changes_nothing(tmp_path):
    template = write(tmp_path / "template.yaml", LOOP)
    config = discover_config([str(template)])
    assert config == Config(root=config.root)
    assert config.excluder() is None


def test_whole_policy_document_is_accepted_in_yaml(tmp_path):
    config = write(tmp_path / ".loopcheck.yaml", """\
        managed-policies:
          MediaWriter:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: s3:PutObject, Resource: "*"}
        """)
    loaded = load_config(str(config))
    statement = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    assert loaded.managed_policies == {"MediaWriter": [statement]}


# -- configuration files that cannot be used ------------------------------------------------


def _unenterable(monkeypatch, folder: Path):
    """`folder` can be listed but not entered (no search permission): stat of anything in
    it fails, as it does for a user without the x bit (the tests may run as root)."""
    import errno
    import os

    real_stat = os.stat

    def stat(path, *args, **kwargs):
        if Path(os.fspath(path)).parent == folder:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)


def test_folder_that_cannot_be_entered_is_passed_over(tmp_path, monkeypatch):
    write(tmp_path / ".loopcheck.yaml", "fail-on: never\n")
    template = write(tmp_path / "locked" / "template.yaml", LOOP)
    _unenterable(monkeypatch, tmp_path / "locked")
    assert find_config([str(template)]) == tmp_path / ".loopcheck.yaml"


def test_listed_config_in_a_folder_that_cannot_be_entered_is_one_line(tmp_path, monkeypatch):
    write(tmp_path / "locked" / ".loopcheck.yaml", "fail-on: never\n")
    template = write(tmp_path / "locked" / "template.yaml", LOOP)
    _unenterable(monkeypatch, tmp_path / "locked")
    with pytest.raises(ConfigError) as raised:
        find_config([str(template)])
    assert str(raised.value) == f"{tmp_path / 'locked' / '.loopcheck.yaml'}: cannot be read (Permission denied)"


def test_file_in_a_folder_that_cannot_be_entered_is_still_scanned(tmp_path, monkeypatch):
    """Once an internal error from the configuration lookup; now the file is reported as
    unreadable by the scan, like any file that cannot be read."""
    from clirunner import cli_runner

    from loopcheck.app.cli import main

    template = write(tmp_path / "locked" / "template.yaml", LOOP)
    other = write(tmp_path / "open" / "template.yaml", LOOP)
    _unenterable(monkeypatch, tmp_path / "locked")
    result = cli_runner().invoke(main, ["scan", "--format", "json", str(template), str(other)])
    assert result.exit_code == 2, result.stderr
    document = json.loads(result.stdout)
    # Its wording is discovery's (pipeline.discover: os.path.exists says no on EACCES).
    assert [e["file"] for e in document["errors"]] == [str(template)]
    assert "internal error" not in document["errors"][0]["message"]
    assert [f["rule"] for f in document["findings"]] == ["EL101"]  # the other file


def test_oversized_config_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    from loopcheck.load import userfiles

    monkeypatch.setattr(userfiles, "MAX_READ_BYTES", 100)
    config = write(tmp_path / ".loopcheck.yaml", "fail-on: never\n" + "#" * 200 + "\n")
    with pytest.raises(ConfigError) as raised:
        load_config(str(config))
    assert str(raised.value) == f"{config}: file is {config.stat().st_size} bytes, over the 100-byte limit"


def test_unreadable_config_is_one_line(tmp_path, monkeypatch):
    import errno
    import os

    config = write(tmp_path / "loopcheck.toml", "skip = []\n")
    real_open = os.open

    def denied(path, *args, **kwargs):
        if os.fspath(path) == str(config):
            raise PermissionError(errno.EACCES, "Permission denied", str(config))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ConfigError) as raised:
        load_config(str(config))
    assert str(raised.value) == f"{config}: cannot be read (Permission denied)"


def test_oserror_during_the_lookup_is_one_line_not_an_internal_error(tmp_path, monkeypatch):
    import errno

    from clirunner import cli_runner

    import loopcheck.app.config
    from loopcheck.app.cli import main

    def vanished(paths, named=None):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(tmp_path / "gone"))

    monkeypatch.setattr(loopcheck.app.config, "discover_config", vanished)
    template = write(tmp_path / "template.yaml", LOOP)
    result = cli_runner().invoke(main, ["scan", str(template)])
    assert result.exit_code == 2
    assert result.stderr == f"loopcheck: configuration error: {tmp_path / 'gone'}: No such file or directory\n"
