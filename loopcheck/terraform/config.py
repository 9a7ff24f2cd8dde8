"""A Terraform configuration as loopcheck reads it, whatever it was read from: the resources
and data sources of a root module folder (with the local child modules it calls), or of a plan
in JSON. The readers (HCL, plan) build it; the translator turns it into a template. Values are
plain data: what could be evaluated is a literal, what names another object is a Reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple


@dataclass(frozen=True)
class Reference:
    """An attribute of another object of the configuration: `aws_s3_bucket.input.arn` is
    Reference("aws_s3_bucket.input", "arn"); `data.aws_iam_policy_document.p.json` is
    Reference("data.aws_iam_policy_document.p", "json"); inside a module its address carries the
    module path (`module.images.aws_s3_bucket.this`). `attribute` is "" for the whole object."""

    address: str
    attribute: str = ""


@dataclass(frozen=True)
class Interpolation:
    """A string built from parts (`"${aws_s3_bucket.x.arn}/*"`, `format(...)`, `join(...)`):
    literal text and References (or Unknowns) in order."""

    parts: Tuple[Any, ...]


@dataclass(frozen=True)
class Unknown:
    """A value that could not be evaluated statically (a variable with no default, a function
    loopcheck does not evaluate, a value known only after apply): the expression as written."""

    text: str


@dataclass(frozen=True)
class Encoded:
    """`jsonencode(...)` of a value: the value itself (a dict or list holding literals,
    References and Interpolations), which Terraform turns into a JSON string."""

    value: Any


@dataclass
class TfResource:
    """One resource or data source. `values` holds its arguments and nested blocks (a block type
    maps to a list of dicts, one per block), each a literal (str, int, float, bool, None, list,
    dict) or a Reference, Interpolation, Unknown or Encoded."""

    address: str  # "aws_lambda_function.ocr", "data.archive_file.zip", "module.x.aws_s3_bucket.this[0]"
    mode: str  # "managed" | "data"
    type: str  # "aws_lambda_function"
    values: Dict[str, Any]
    file: str  # the .tf file it is written in (as the scan names it); the plan file for a plan
    line: int  # the line of its block (0: not known, as for a plan)
    module_dir: str = ""  # folder of the module that declares it (`path.module`); relative paths start there
    # `# loopcheck: ignore <ID> <reason>` comments on the block (the line before it or inside it)
    suppressions: List[Tuple[str, str]] = field(default_factory=list)


@dataclass
class TfModuleCall:
    """A `module` block whose source is not a local folder (a registry or Git module): its
    arguments, as read, for the translator's knowledge of well-known modules (the community
    Lambda module). Local modules are read and their resources listed instead."""

    address: str  # "module.resize"
    source: str  # "terraform-aws-modules/lambda/aws"
    values: Dict[str, Any]
    file: str
    line: int
    module_dir: str = ""  # folder of the module that calls it
    suppressions: List[Tuple[str, str]] = field(default_factory=list)


@dataclass
class TfConfiguration:
    """One Terraform unit: a root module folder (with its local child modules) or a plan file."""

    source: str  # the folder or plan file, as the scan names it
    resources: List[TfResource] = field(default_factory=list)
    module_calls: List[TfModuleCall] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # what could not be read, and why
