"""The same input gives byte-identical output: across runs, and whatever PYTHONHASHSEED is.

Runs the installed `loopcheck` executable (the one next to this Python) as a subprocess, on
the fixtures and on a generated template dense with loops (more cycles than loopcheck
reports, so which ones are kept and in which order must not depend on set or dict order).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from builder import bucket, dense, dump, function, ref, s3_crud, s3_event, sub, template

REPO = Path(__file__).resolve().parent.parent
SEEDS = ["0", "1", "12345"]
FORMATS = ["json", "text"]


def loopcheck_command() -> List[str]:
    beside = Path(sys.executable).parent / "loopcheck"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("loopcheck")
    if found:
        return [found]
    pytest.skip("the loopcheck executable is not installed next to this Python")


def dense_template(buckets: int = 4, functions: int = 4) -> str:
    """Every bucket notifies every function and every function may write every bucket:
    hundreds of simple cycles, past loopcheck's per-template cap."""
    document = template(dense(buckets, functions, prefix_every_other=True))
    return dump({"AWSTemplateFormatVersion": "2010-09-09", **document})


EXTRAS = {
    "broken.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [\n",
    "ci.yml": "on: push\n",
    # A reference cycle (A's name from B, B's from A) beside two loops; no Transform line.
    "refs.yaml": dump(template({
        "A": bucket(sub("${B}-a")),
        "B": bucket(ref("A")),
        "F": function([s3_crud("A"), s3_crud("B"), "AWSLambdaExecute"],
                      {"A": s3_event("A"), "B": s3_event("B")}, code_uri=None),
    }, sam=False)),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Dict[str, List[str]]:
    extras = tmp_path_factory.mktemp("extras")
    for name, text in EXTRAS.items():
        (extras / name).write_text(text)
    dense = tmp_path_factory.mktemp("dense")
    (dense / "template.yaml").write_text(dense_template())
    # The whole fixtures folder, plus an unreadable template, a non-template and a template
    # whose names refer to each other; and, separately, the dense template.
    return {"fixtures": ["fixtures", str(extras)], "dense": [str(dense)]}


def run(seed: str, fmt: str, paths: List[str]) -> Tuple[int, bytes]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    completed = subprocess.run([*loopcheck_command(), "scan", "--format", fmt, *paths], cwd=REPO,
                               env=env, capture_output=True, timeout=300, check=False)
    assert b"Traceback" not in completed.stderr, completed.stderr.decode(errors="replace")
    return completed.returncode, completed.stdout


# (input set, seed, format, attempt): every seed and format on the fixtures, the first seed
# twice; the dense template under two seeds.
JOBS = [("fixtures", seed, fmt, 1) for seed in SEEDS for fmt in FORMATS]
JOBS += [("fixtures", SEEDS[0], fmt, 2) for fmt in FORMATS]
JOBS += [("dense", seed, "json", 1) for seed in SEEDS[:2]]


@pytest.fixture(scope="module")
def outputs(inputs) -> Dict[Tuple[str, str, str, int], Tuple[int, bytes]]:
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda job: run(job[1], job[2], inputs[job[0]]), JOBS))
    return dict(zip(JOBS, results))


def assert_same_bytes(reference: bytes, other: bytes, what: str) -> None:
    if other != reference:
        first = next((i for i, (a, b) in enumerate(zip(reference, other)) if a != b),
                     min(len(reference), len(other)))
        context = reference[max(0, first - 300):first + 200].decode(errors="replace")
        pytest.fail(f"{what}: output differs at byte {first}:\n{context}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_runs_are_byte_identical(fmt, outputs):
    assert outputs[("fixtures", SEEDS[0], fmt, 1)][0] == outputs[("fixtures", SEEDS[0], fmt, 2)][0]
    assert_same_bytes(outputs[("fixtures", SEEDS[0], fmt, 1)][1], outputs[("fixtures", SEEDS[0], fmt, 2)][1],
                      "second run")


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_the_hash_seed(fmt, outputs):
    code, reference = outputs[("fixtures", SEEDS[0], fmt, 1)]
    assert code == 2  # the broken template is in the scan
    assert b"EL101" in reference and b"broken.yaml" in reference
    for seed in SEEDS[1:]:
        other_code, other = outputs[("fixtures", seed, fmt, 1)]
        assert other_code == code
        assert_same_bytes(reference, other, f"PYTHONHASHSEED={seed} against {SEEDS[0]}")


def test_the_dense_template_has_more_loops_than_are_reported(outputs):
    """The stress input does what it is for: more cycles than loopcheck's cap."""
    document = json.loads(outputs[("dense", SEEDS[0], "json", 1)][1])
    assert len(document["findings"]) >= 150


def test_dense_template_output_does_not_depend_on_the_hash_seed(outputs):
    reference = outputs[("dense", SEEDS[0], "json", 1)][1]
    assert_same_bytes(reference, outputs[("dense", SEEDS[1], "json", 1)][1], f"PYTHONHASHSEED={SEEDS[1]}")
