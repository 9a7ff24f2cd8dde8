"""A function whose package is known exactly (loopcheck.code.exact_package): the Terraform
translator says so only when the function deploys what an archive_file of the configuration zips
from one folder or file, and the code stage then tells a handler module that is plainly absent
from one that may be there."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from loopcheck.code.exact_package import lacks_module, package_of
from loopcheck.knowledge.handler_files import EXACT_PACKAGE_METADATA
from loopcheck.terraform.config import (
    Interpolation,
    Reference,
    TfConfiguration,
    TfModuleCall,
    TfResource,
    Unknown,
)
from loopcheck.terraform.translate import to_template

R = Reference


def files(root: Path, *names: str) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("/"):
            path.mkdir(exist_ok=True)
        else:
            path.write_text("")
    return root


@pytest.mark.parametrize("present, module, language", [
    ("app.py", "app", "python"),
    ("app.cpython-312-x86_64-linux-gnu.so", "app", "python"),  # a compiled module starts too
    ("app/__init__.py", "app", "python"),  # a package
    ("pkg/app.py", "pkg.app", "python"),
    ("handlers/app.py", "handlers/app", "python"),
    ("index.mjs", "index", "javascript"),
    ("src/index.js", "src/index", "javascript"),
    ("index.ts", "index", "javascript"),  # leans towards present
    ("pkg.app.js", "pkg.app", None),  # no runtime: either language's spelling
])
def test_a_module_that_may_be_there_is_not_lacking(tmp_path, present, module, language):
    package = files(tmp_path / "src", present, "other.py")
    assert not lacks_module(package, module, language)


@pytest.mark.parametrize("module, language", [
    ("first_job", "python"), ("pkg.app", "python"), ("lib/app", "javascript"), ("appx", None),
])
def test_a_module_plainly_absent_is_lacking(tmp_path, module, language):
    package = files(tmp_path / "src", "app.py", "pkg/", "lib/other.js")
    assert lacks_module(package, module, language)


def test_a_single_file_package_holds_that_file_alone_at_its_root(tmp_path):
    source = files(tmp_path / "src", "app.py", "other.py") / "app.py"
    assert not lacks_module(source, "app", "python")
    assert lacks_module(source, "other", "python")  # beside it on disk, not in the package
    assert lacks_module(source, "src.app", "python")


def test_what_cannot_be_told_is_not_lacking(tmp_path):
    assert not lacks_module(tmp_path / "missing", "app", "python")  # the code stage says "not found"
    assert not lacks_module(files(tmp_path / "src", "app.py"), "../app", "python")


def test_the_metadata_names_the_package_beside_the_template(tmp_path):
    assert package_of({EXACT_PACKAGE_METADATA: "src"}, tmp_path) == tmp_path / "src"
    assert package_of({}, tmp_path) is None and package_of({EXACT_PACKAGE_METADATA: 3}, tmp_path) is None


# -- the translator's side ------------------------------------------------------------------------

PATH = Unknown("path.module")


def configuration(tmp_path: Path, function: Dict[str, Any], archive: Optional[Dict[str, Any]] = None,
                  upload: Optional[Dict[str, Any]] = None, calls=()) -> TfConfiguration:
    folder = tmp_path / "stack"
    files(folder, "src/app.py", "main.tf")
    main = str(folder / "main.tf")
    resources = [TfResource("aws_s3_bucket.code", "managed", "aws_s3_bucket", {"bucket": "code"}, main, 1,
                            str(folder))]
    if archive is not None:
        resources.append(TfResource("data.archive_file.package", "data", "archive_file",
                                    {"type": "zip", "output_path": Interpolation((PATH, "/build/p.zip")),
                                     **archive},
                                    main, 5, str(folder)))
    if upload is not None:
        resources.append(TfResource("aws_s3_object.package", "managed", "aws_s3_object", upload, main, 10,
                                    str(folder)))
    resources.append(TfResource("aws_lambda_function.fn", "managed", "aws_lambda_function",
                                {"function_name": "fn", "handler": "app.handler", "runtime": "python3.12",
                                 **function}, main, 20, str(folder)))
    return TfConfiguration(str(folder), resources, list(calls))


def package_metadata(config: TfConfiguration, address: str = "aws_lambda_function.fn") -> Optional[str]:
    resource = to_template(config).data["Resources"][address]
    return resource.get("Metadata", {}).get(EXACT_PACKAGE_METADATA)


OUTPUT = R("data.archive_file.package", "output_path")
HASH = R("data.archive_file.package", "output_base64sha256")
SOURCE_DIR = {"source_dir": Interpolation((PATH, "/src"))}
S3 = {"s3_bucket": R("aws_s3_bucket.code", "bucket"), "s3_key": "code/p.zip", "source_code_hash": HASH}


@pytest.mark.parametrize("function, archive, upload, expected", [
    ({"filename": OUTPUT}, SOURCE_DIR, None, "src"),
    ({"filename": OUTPUT}, {"source_file": Interpolation((PATH, "/src/app.py"))}, None, "src/app.py"),
    ({"filename": Interpolation((PATH, "/build/p.zip"))}, SOURCE_DIR, None, "src"),  # the output_path's value
    (S3, SOURCE_DIR, {"bucket": R("aws_s3_bucket.code", "id"), "key": "code/p.zip", "source": OUTPUT}, "src"),
], ids=["source_dir", "source_file", "filename-literal", "uploaded"])
def test_a_function_deploying_an_archive_file_has_an_exact_package(tmp_path, function, archive, upload,
                                                                    expected):
    assert package_metadata(configuration(tmp_path, function, archive, upload)) == expected


@pytest.mark.parametrize("function, archive, upload", [
    # A hash alone does not say what is deployed.
    ({"filename": "other.zip", "source_code_hash": HASH}, SOURCE_DIR, None),
    # The upload is under another key, or of another file.
    (S3, SOURCE_DIR, {"bucket": R("aws_s3_bucket.code", "id"), "key": "code/q.zip", "source": OUTPUT}),
    (S3, SOURCE_DIR, {"bucket": R("aws_s3_bucket.code", "id"), "key": "code/p.zip", "source": "other.zip"}),
    (S3, SOURCE_DIR, None),
    # Content added beside the folder.
    ({"filename": OUTPUT}, {**SOURCE_DIR, "source": [{"content": "x", "filename": "extra.py"}]}, None),
    # No archive at all: a committed zip, code in S3.
    ({"filename": "fn.zip"}, None, None),
], ids=["hash-only", "other-key", "other-source", "no-upload", "source-blocks", "no-archive"])
def test_anything_less_certain_is_not_exact(tmp_path, function, archive, upload):
    assert package_metadata(configuration(tmp_path, function, archive, upload)) is None


def test_the_community_modules_package_is_not_exact(tmp_path):
    # Its build may add dependencies (pip, npm) to source_path.
    call = TfModuleCall("module.fn", "terraform-aws-modules/lambda/aws",
                        {"function_name": "fn", "handler": "app.handler", "runtime": "python3.12",
                         "source_path": Interpolation((PATH, "/src"))},
                        str(tmp_path / "stack" / "main.tf"), 30, str(tmp_path / "stack"))
    config = configuration(tmp_path, {"filename": "fn.zip"}, calls=[call])
    assert package_metadata(config, "module.fn.aws_lambda_function.this") is None
