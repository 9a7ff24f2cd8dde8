"""Baselines as a user runs them: record today's findings, then report only new ones."""

from __future__ import annotations

import json
import shutil

from userrun import FIXTURES, loopcheck

from loopcheck.app.baseline import canonical_cycle

LOOP = FIXTURES / "s3-same-bucket-loop" / "template.yaml"
TWO_FUNCTIONS = FIXTURES / "s3-two-function-loop" / "template.yaml"


def project(tmp_path):
    """Two templates with loops, in a project folder."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(LOOP, tmp_path / "a" / "template.yaml")
    shutil.copy(TWO_FUNCTIONS, tmp_path / "b" / "template.yaml")
    return tmp_path


def test_canonical_cycle_ignores_rotation():
    assert canonical_cycle(["B", "F", "A", "G", "B"]) == ("A", "G", "B", "F", "A")
    assert canonical_cycle(["A", "G", "B", "F", "A"]) == ("A", "G", "B", "F", "A")
    assert canonical_cycle([]) == ()


def test_write_baseline_records_findings_deterministically(tmp_path):
    root = project(tmp_path)
    written = loopcheck("scan", "--write-baseline", "baseline.json", ".", cwd=root)
    assert written.returncode == 0, written.stderr  # accepted: exit 0 despite the errors
    assert "wrote 2 findings to the baseline baseline.json" in written.stderr
    assert " EL101 error: " in written.stdout  # the report is still shown
    document = json.loads((root / "baseline.json").read_text())
    assert document["tool"] == "loopcheck" and document["format"] == 1
    assert document["findings"] == [
        {"cycle": ["MediaBucket", "ResizeFn", "MediaBucket"], "file": "a/template.yaml", "rule": "EL101"},
        {"cycle": ["IngestFn", "StagingBucket", "PublishFn", "RawBucket", "IngestFn"],
         "file": "b/template.yaml", "rule": "EL101"},
    ]
    first = (root / "baseline.json").read_bytes()
    # the same findings, from another folder and with the paths named differently: same bytes
    again = loopcheck("scan", "--write-baseline", root / "baseline.json", root / "b", root / "a",
                      cwd=root / "a")
    assert again.returncode == 0
    assert (root / "baseline.json").read_bytes() == first


def test_baseline_reports_only_new_findings_and_survives_edits(tmp_path):
    root = project(tmp_path)
    loopcheck("scan", "--write-baseline", "baseline.json", ".", cwd=root)
    clean = loopcheck("scan", "--baseline", "baseline.json", ".", cwd=root)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == ""
    assert "baseline baseline.json: 2 known findings not reported, 0 gone" in clean.stderr

    # edits elsewhere in the file move every line: the baseline still matches
    template = root / "a" / "template.yaml"
    text = template.read_text()
    template.write_text("# a comment\n# another\n" + text.replace("Resources:", "Resources:\n  Extra:\n"
                                                                 "    Type: AWS::SNS::Topic\n", 1))
    moved = loopcheck("scan", "--baseline", "baseline.json", ".", cwd=root)
    assert moved.returncode == 0 and moved.stdout == ""

    # a new loop is reported, and decides the exit status alone
    shutil.copy(LOOP, root / "b" / "new.yaml")
    new = loopcheck("scan", "--format", "json", "--baseline", "baseline.json", ".", cwd=root)
    assert new.returncode == 1
    document = json.loads(new.stdout)
    assert [f["file"] for f in document["findings"]] == ["b/new.yaml"]
    assert document["baseline"] == {"file": "baseline.json", "matched": 2, "gone": 0}


def test_fixed_findings_are_counted_as_gone(tmp_path):
    root = project(tmp_path)
    loopcheck("scan", "--write-baseline", "baseline.json", ".", cwd=root)
    shutil.copy(FIXTURES / "s3-two-buckets" / "template.yaml", root / "a" / "template.yaml")
    completed = loopcheck("scan", "--format", "json", "--baseline", "baseline.json", ".", cwd=root)
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["baseline"] == {"file": "baseline.json", "matched": 1, "gone": 1}
    # a template not scanned this time is not "gone"
    subset = loopcheck("scan", "--format", "json", "--baseline", "baseline.json", "b", cwd=root)
    assert json.loads(subset.stdout)["baseline"] == {"file": "baseline.json", "matched": 1, "gone": 0}


def test_bad_baseline_is_a_usage_error(tmp_path):
    root = project(tmp_path)
    missing = loopcheck("scan", "--baseline", "nope.json", ".", cwd=root)
    assert missing.returncode == 2 and "baseline error: nope.json: cannot be read" in missing.stderr
    (root / "bad.json").write_text("{not json")
    bad = loopcheck("scan", "--baseline", "bad.json", ".", cwd=root)
    assert bad.returncode == 2 and "not a loopcheck baseline" in bad.stderr
    both = loopcheck("scan", "--baseline", "bad.json", "--write-baseline", "x.json", ".", cwd=root)
    assert both.returncode == 2 and "cannot be used together" in both.stderr


def test_oversized_baseline_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    import pytest

    from loopcheck.app import baseline
    from loopcheck.load import userfiles

    monkeypatch.setattr(userfiles, "MAX_READ_BYTES", 1000)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"tool": "loopcheck", "format": 1, "findings": []}) + " " * 2000)
    with pytest.raises(baseline.BaselineError) as raised:
        baseline.read(str(path))
    assert str(raised.value) == f"{path}: file is {path.stat().st_size} bytes, over the 1000-byte limit"


def test_write_baseline_into_a_missing_folder_is_refused_before_the_scan(tmp_path):
    root = project(tmp_path)
    completed = loopcheck("scan", "--write-baseline", "nope/baseline.json", ".", cwd=root)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr == (f"loopcheck: baseline error: nope/baseline.json: cannot be written "
                                f"(no such folder {root / 'nope'})\n")
