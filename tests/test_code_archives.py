"""Handler code inside a local .zip (loopcheck.code.archives): a SAM `CodeUri`, a
CloudFormation `Code` and a Terraform `filename` that name a zip are read like a folder, and
findings name the member inside the archive (`fn/process.zip/process.py:9`), the same on every
run; a zip that is unsafe or broken (zip slip, a bomb, a link, corrupt) is a code note and the
permissions decide. And a Terraform function whose package is exactly a folder or file
(archive_file) without its handler module cannot start: its permission-only loop is a warning.

Every archive here is made by the test."""

from __future__ import annotations

import importlib.util
import json
import stat
import tempfile
import textwrap
import warnings
import zipfile
from pathlib import Path
from typing import Dict, Optional

import pytest
from builder import (
    bucket,
    environment,
    function,
    get_att,
    lambda_function,
    lambda_notification,
    ref,
    role,
    s3_crud,
    s3_event,
    statement,
    template,
    write,
)
from clirunner import run_cli

from loopcheck.code import archives

# A handler that writes a thumbnail back into the bucket named by OUTPUT_BUCKET.
WRITES_BACK = """\
import os
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key="small-" + key, Body=b"")
"""
# The same handler, whose write is in a helper module of the archive.
CALLS_HELPER = """\
from lib import store


def handler(event, context):
    store.save(event["Records"][0]["s3"]["object"]["key"])
"""
HELPER = """\
import os
import boto3

s3 = boto3.client("s3")


def save(key):
    s3.put_object(Bucket=os.environ["OUTPUT_BUCKET"], Key="small-" + key, Body=b"")
"""
# The same in Node.js (SDK v3).
WRITES_BACK_JS = """\
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";

const s3 = new S3Client({});

export const handler = async (event) => {
  const key = event.Records[0].s3.object.key;
  await s3.send(new PutObjectCommand({ Bucket: process.env.OUTPUT_BUCKET, Key: `small-${key}`, Body: "" }));
};
"""
# A handler that only reads and logs.
READS_ONLY = """\
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    record = event["Records"][0]["s3"]
    print(s3.head_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"]))
"""

needs_terraform = pytest.mark.skipif(
    importlib.util.find_spec("hcl2") is None, reason="python-hcl2 is not installed")


def make_zip(path: Path, members: Dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def scan(*paths: str):
    code, out, err = run_cli("scan", "--format", "json", "--fail-on", "never", *paths)
    assert "Traceback" not in err, err
    return json.loads(out), out


def rules(document) -> Dict[str, str]:
    return {f["rule"]: f["severity"] for f in document["findings"]}


def notes(document, rule: str) -> str:
    return "\n".join(note for f in document["findings"] if f["rule"] == rule for note in f["notes"])


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """tempfile's folder for the test alone: what the scan leaves behind is seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


# -- SAM and CloudFormation -----------------------------------------------------------------------


def sam_loop(folder: Path, members: Dict[str, str], code_uri: str = "fn/process.zip",
             handler: str = "process.handler") -> None:
    fn = function([s3_crud("MediaBucket")], {"Upload": s3_event("MediaBucket")}, code_uri=code_uri,
                  handler=handler, Environment=environment(OUTPUT_BUCKET=ref("MediaBucket")))
    write(folder, template({"MediaBucket": bucket(), "ResizeFn": fn}))
    make_zip(folder / code_uri, members)


def test_a_sam_handler_in_a_zip_that_writes_back_is_a_loop_shown_by_its_code(tmp_path, monkeypatch,
                                                                             private_tmp):
    sam_loop(tmp_path / "app", {"process.py": WRITES_BACK})
    monkeypatch.chdir(tmp_path)
    document, out = scan("app/template.yaml")
    (finding,) = [f for f in document["findings"] if f["rule"] == "EL101"]
    assert finding["evidence"] == "both"
    assert "app/fn/process.zip/process.py:9 PutObject" in "\n".join(finding["notes"])
    assert str(private_tmp) not in out and "loopcheck-zip-" not in out
    assert list(private_tmp.iterdir()) == []  # the copy is gone


def test_the_archive_is_read_like_a_folder_imports_followed_inside_it(tmp_path, monkeypatch, private_tmp):
    sam_loop(tmp_path, {"process.py": CALLS_HELPER, "lib/__init__.py": "", "lib/store.py": HELPER})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert rules(document).get("EL101") == "error"
    assert "fn/process.zip/lib/store.py:8 PutObject" in notes(document, "EL101")


def test_a_nodejs_handler_in_a_zip_is_read_too(tmp_path, monkeypatch, private_tmp):
    fn = function([s3_crud("MediaBucket")], {"Upload": s3_event("MediaBucket")}, code_uri="fn.zip",
                  handler="handlers/resize.handler", runtime="nodejs20.x",
                  Environment=environment(OUTPUT_BUCKET=ref("MediaBucket")))
    write(tmp_path, template({"MediaBucket": bucket(), "ResizeFn": fn}))
    make_zip(tmp_path / "fn.zip", {"handlers/resize.mjs": WRITES_BACK_JS, "package.json": "{}"})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert rules(document).get("EL101") == "error"
    assert "fn.zip/handlers/resize.mjs:7 PutObject" in notes(document, "EL101")


def test_a_zip_whose_code_never_writes_back_is_no_loop(tmp_path, monkeypatch, private_tmp):
    sam_loop(tmp_path, {"process.py": READS_ONLY})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert "EL101" not in rules(document) and rules(document).get("IL106") == "info"


def test_the_same_bytes_on_every_run(tmp_path, monkeypatch, private_tmp):
    sam_loop(tmp_path, {"process.py": CALLS_HELPER, "lib/__init__.py": "", "lib/store.py": HELPER})
    monkeypatch.chdir(tmp_path)
    runs = {fmt: {run_cli("scan", "--format", fmt, "--fail-on", "never", "template.yaml")[1] for _ in range(2)}
            for fmt in ("text", "json", "sarif")}
    assert all(len(outputs) == 1 for outputs in runs.values()), runs


def test_a_cloudformation_code_zip_is_read_too(tmp_path, monkeypatch, private_tmp):
    fn = lambda_function(role=get_att("FnRole"), Code="fn.zip", Handler="process.handler", Runtime="python3.12",
                         Environment=environment(OUTPUT_BUCKET=ref("MediaBucket")))
    resources = {
        "MediaBucket": bucket(notifications=[lambda_notification("ResizeFn")]),
        "FnRole": role([statement("s3:PutObject", {"Fn::Sub": "${MediaBucket.Arn}/*"})]),
        "ResizeFn": fn,
    }
    write(tmp_path, template(resources, sam=False))
    make_zip(tmp_path / "fn.zip", {"process.py": WRITES_BACK})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert rules(document).get("EL101") == "error"
    assert "fn.zip/process.py:9 PutObject" in notes(document, "EL101")


@pytest.mark.parametrize("members, why", [
    ({"../process.py": WRITES_BACK}, "leaves the archive's folder"),
    ({"/tmp/process.py": WRITES_BACK}, "leaves the archive's folder"),
    ({"process.py": WRITES_BACK, "a/../../evil.py": ""}, "leaves the archive's folder"),
])
def test_an_unsafe_zip_is_not_read_and_the_grant_decides(tmp_path, monkeypatch, private_tmp, members, why):
    sam_loop(tmp_path / "app", members)
    monkeypatch.chdir(tmp_path)
    document, _ = scan("app/template.yaml")
    assert rules(document).get("EL101") == "error"  # the grant names the trigger bucket
    assert "code not analysed (code archive app/fn/process.zip not read: member" in notes(document, "EL101")
    assert why in notes(document, "EL101")
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "process.py").exists()
    assert list(private_tmp.iterdir()) == []


def test_a_corrupt_zip_is_a_code_note(tmp_path, monkeypatch, private_tmp):
    sam_loop(tmp_path, {"process.py": WRITES_BACK})
    (tmp_path / "fn/process.zip").write_bytes(b"PK\x03\x04 this is not a zip archive")
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert rules(document).get("EL101") == "error"
    assert "code archive fn/process.zip not read: not a readable zip archive" in notes(document, "EL101")


def test_a_handler_module_missing_from_a_sam_zip_leaves_the_decision_to_the_grant(tmp_path, monkeypatch):
    sam_loop(tmp_path, {"other.py": WRITES_BACK})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert rules(document).get("EL101") == "error"  # SAM as before: no claim that it cannot start
    assert "not found at fn/process.zip/process.py" in notes(document, "EL101")


# -- the archive's own checks -------------------------------------------------------------------


def special_member(path: Path, name: str, mode: int) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system = 3  # Unix: the mode is in the high bits
        info.external_attr = mode << 16
        archive.writestr(info, "target.py")
    return path


@pytest.mark.parametrize("mode, why", [
    (stat.S_IFLNK | 0o777, "is a symbolic link"),
    (stat.S_IFIFO | 0o644, "is not a regular file"),
    (stat.S_IFCHR | 0o644, "is not a regular file"),
])
def test_links_and_special_files_refuse_the_archive(tmp_path, mode, why):
    path = special_member(tmp_path / "fn.zip", "process.py", mode)
    with pytest.raises(archives.ArchiveError, match=why):
        archives.list_files(path)


def test_a_regular_unix_member_is_read(tmp_path):
    path = special_member(tmp_path / "fn.zip", "process.py", stat.S_IFREG | 0o644)
    assert archives.list_files(path) == ["process.py"]


def test_a_bomb_is_refused_by_its_size_and_its_count(tmp_path, monkeypatch, private_tmp):
    monkeypatch.setattr(archives, "MAX_UNCOMPRESSED_BYTES", 100_000)
    path = make_zip(tmp_path / "fn.zip", {"process.py": WRITES_BACK, "padding.bin": "\0" * 1_000_000})
    assert path.stat().st_size < 10_000  # it inflates a hundredfold
    with pytest.raises(archives.ArchiveError, match="more than 100000 bytes uncompressed"):
        archives.list_files(path)
    with pytest.raises(archives.ArchiveError, match="more than 100000 bytes uncompressed"):
        with archives.extracted(path):
            pass
    assert list(private_tmp.iterdir()) == []
    monkeypatch.setattr(archives, "MAX_MEMBERS", 3)
    many = make_zip(tmp_path / "many.zip", {f"m{i}.py": "" for i in range(4)})
    with pytest.raises(archives.ArchiveError, match="more than 3 members"):
        archives.list_files(many)


def test_sizes_are_counted_as_they_inflate_not_taken_from_the_headers(tmp_path, monkeypatch, private_tmp):
    path = make_zip(tmp_path / "fn.zip", {"process.py": WRITES_BACK, "big.bin": "x" * 50_000})
    with zipfile.ZipFile(path) as archive:
        limit = sum(info.file_size for info in archive.infolist()) - 1
    real_members = archives._members

    def understated(archive):  # the listing believes headers that understate the sizes
        monkeypatch.setattr(archives, "MAX_UNCOMPRESSED_BYTES", 10**9)
        try:
            return real_members(archive)
        finally:
            monkeypatch.setattr(archives, "MAX_UNCOMPRESSED_BYTES", limit)

    monkeypatch.setattr(archives, "_members", understated)
    with pytest.raises(archives.ArchiveError, match=f"more than {limit} bytes uncompressed"):
        with archives.extracted(path):
            pass
    assert list(private_tmp.iterdir()) == []


def test_an_encrypted_or_twice_named_member_refuses_the_archive(tmp_path):
    path = make_zip(tmp_path / "locked.zip", {"process.py": WRITES_BACK})
    data = bytearray(path.read_bytes())  # zipfile cannot encrypt: set the flag in both headers
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + offset] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(archives.ArchiveError, match="encrypted"):
        archives.list_files(path)
    twice = tmp_path / "twice.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        make_zip(twice, {"process.py": ""})
        with zipfile.ZipFile(twice, "a") as archive:
            archive.writestr("./process.py", WRITES_BACK)
    with pytest.raises(archives.ArchiveError, match="appears twice"):
        archives.list_files(twice)


@pytest.mark.parametrize("name", ["../x.py", "/x.py", "a/../../x.py", "..\\x.py", "C:/x.py", "\\x.py"])
def test_member_names_that_leave_the_folder(name):
    with pytest.raises(archives.ArchiveError, match="leaves"):
        archives.member_name(name)


def test_member_names_are_normalised():
    assert archives.member_name("./lib//store.py") == "lib/store.py"
    assert archives.member_name("lib/") == "lib"


def test_relabel_names_the_archive_everywhere_in_the_facts():
    from loopcheck.code.facts import CodeFacts, Guard, Target, Write

    folder = "/tmp/loopcheck-zip-abc"
    write_ = Write("s3", "PutObject", Target("env", "OUT"), f"{folder}/app.py", 3, 1,
                   guards=(Guard("key", 2, "k", file=f"{folder}/lib/a.py"),))
    facts = CodeFacts("python", [f"{folder}/app.py"], [write_], [f"{folder}/app.py:1: syntax error"])
    out = archives.relabel(facts, folder, "fn/x.zip")
    assert "loopcheck-zip" not in repr(out)
    assert out.writes[0].file == "fn/x.zip/app.py" and out.writes[0].guards[0].file == "fn/x.zip/lib/a.py"


# -- Terraform ------------------------------------------------------------------------------------

TF_COMMON = """\
resource "aws_s3_bucket" "media" {
  bucket = "media-uploads"
}

resource "aws_iam_role" "fn" {
  name               = "fn-role"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "objects" {
  role = aws_iam_role.fn.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${aws_s3_bucket.media.arn}/*"
    }]
  })
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.media.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.fn.arn
    events              = ["s3:ObjectCreated:*"]
  }
}
"""


def tf_unit(folder: Path, function_body: str, extra: str = "", files: Optional[Dict[str, str]] = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = textwrap.indent(textwrap.dedent(function_body).strip(), "  ")
    (folder / "main.tf").write_text(TF_COMMON + textwrap.dedent(extra) + f"""
resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
{body}
  environment {{
    variables = {{
      OUTPUT_BUCKET = aws_s3_bucket.media.id
    }}
  }}
}}
""")
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@needs_terraform
def test_a_terraform_filename_zip_is_read(tmp_path, monkeypatch, private_tmp):
    unit = tf_unit(tmp_path / "infra", 'filename = "process.zip"\nhandler = "process.handler"')
    make_zip(unit / "process.zip", {"process.py": WRITES_BACK})
    monkeypatch.chdir(tmp_path)
    document, out = scan("infra")
    assert rules(document).get("EL101") == "error"
    assert "infra/process.zip/process.py:9 PutObject" in notes(document, "EL101")
    assert "loopcheck-zip-" not in out and list(private_tmp.iterdir()) == []
    make_zip(unit / "process.zip", {"process.py": READS_ONLY})
    document, _ = scan("infra")
    assert "EL101" not in rules(document)


ARCHIVE_DIR = """
data "archive_file" "package" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/package.zip"
}
"""
ARCHIVE_FILE = """
data "archive_file" "package" {
  type        = "zip"
  source_file = "${path.module}/src/app.py"
  output_path = "${path.module}/build/package.zip"
}
"""
UPLOADED = """
resource "aws_s3_object" "package" {
  bucket = aws_s3_bucket.media.bucket
  key    = "code/package.zip"
  source = data.archive_file.package.output_path
}
"""
BY_FILENAME = """
filename         = data.archive_file.package.output_path
source_code_hash = data.archive_file.package.output_base64sha256
"""
BY_S3 = """
s3_bucket        = aws_s3_bucket.media.bucket
s3_key           = "code/package.zip"
source_code_hash = data.archive_file.package.output_base64sha256
"""


@needs_terraform
@pytest.mark.parametrize("archive, extra, deploy, files", [
    (ARCHIVE_DIR, "", BY_FILENAME, {"src/app.py": READS_ONLY}),
    (ARCHIVE_DIR, UPLOADED, BY_S3, {"src/app.py": READS_ONLY}),
    # source_file zips app.py alone: other.py beside it is not in the package.
    (ARCHIVE_FILE, "", BY_FILENAME, {"src/app.py": READS_ONLY, "src/other.py": WRITES_BACK}),
], ids=["source_dir", "uploaded-to-s3", "source_file"])
def test_a_terraform_package_without_its_handler_module_cannot_start(tmp_path, monkeypatch, archive, extra,
                                                                       deploy, files):
    handler = 'handler = "other.handler"' if "src/other.py" in files else 'handler = "first_job.handler"'
    unit = tf_unit(tmp_path / "infra", deploy + handler, archive + extra, files)
    monkeypatch.chdir(tmp_path)
    document, _ = scan("infra")
    assert rules(document) == {"WL110": "warning"}
    (finding,) = document["findings"]
    assert "cannot start as written" in finding["message"]
    built_from = "infra/src/app.py" if archive is ARCHIVE_FILE else "infra/src"
    assert f"is not in the package built from {built_from}, so the function cannot start as written" in \
        "\n".join(finding["notes"])
    assert unit.is_dir()


@needs_terraform
@pytest.mark.parametrize("archive, extra, deploy, handler, why", [
    (ARCHIVE_DIR, "", BY_FILENAME, "app.handler", "the handler is there: its code decides"),
    (ARCHIVE_DIR, "", BY_FILENAME + 'layers = ["arn:aws:lambda:us-east-1:123456789012:layer:deps:1"]\n',
     "first_job.handler", "a layer may hold a Python handler module"),
    # Uploaded under another key than the function's: what is deployed there is not known.
    (ARCHIVE_DIR, UPLOADED.replace("code/package.zip", "code/other.zip"), BY_S3, "first_job.handler",
     "the S3 object is not the archive"),
])
def test_only_a_package_known_exactly_and_lacking_the_module_cannot_start(tmp_path, monkeypatch, archive, extra,
                                                                          deploy, handler, why):
    tf_unit(tmp_path / "infra", deploy + f'handler = "{handler}"', archive + extra, {"src/app.py": WRITES_BACK})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("infra")
    assert rules(document).get("EL101") == "error", why
    assert "cannot start" not in json.dumps(document)


def test_a_sam_folder_without_the_handler_module_stays_an_error(tmp_path, monkeypatch):
    # `sam build` may complete a CodeUri folder: no claim that the function cannot start.
    fn = function([s3_crud("MediaBucket")], {"Upload": s3_event("MediaBucket")}, code_uri="src/",
                  handler="first_job.handler", Environment=environment(OUTPUT_BUCKET=ref("MediaBucket")))
    write(tmp_path, template({"MediaBucket": bucket(), "ResizeFn": fn}), {"src/app.py": READS_ONLY})
    monkeypatch.chdir(tmp_path)
    document, _ = scan("template.yaml")
    assert rules(document).get("EL101") == "error"
    assert "not found at src/first_job.py" in notes(document, "EL101")


def test_extracting_an_unsafe_archive_writes_nothing_outside(tmp_path, private_tmp):
    path = make_zip(tmp_path / "zips" / "fn.zip", {"process.py": WRITES_BACK, "../../evil.py": "x = 1\n"})
    with pytest.raises(archives.ArchiveError, match="leaves"):
        with archives.extracted(path):
            pass
    assert not list(tmp_path.rglob("evil.py")) and list(private_tmp.iterdir()) == []
