"""loopcheck benchmark: speed and memory against a YAML-parse floor and against cfn-lint.

    python benchmarks/run.py                      # sizes 10,100,500,2000,5000; 5 runs; + folders
    python benchmarks/run.py --quick              # sizes 10,100,500; 3 runs; 1 cfn-lint run; no folders
    python benchmarks/run.py --sizes 500 --runs 9 --no-cfn-lint

Run it with the interpreter loopcheck is installed in (e.g. /tmp/venv/bin/python): the
`loopcheck` and `cfn-lint` commands are taken from that interpreter's bin folder. Templates
come from benchmarks/generate.py (same seed, same bytes). Needs no network.

For each size, in one run:
- loopcheck end to end: `loopcheck scan --format json FILE` as a child process; median wall
  time, and the child's own peak RSS (os.wait4, the largest over the runs);
- the floor: the same file parsed by PyYAML's CSafeLoader (with a catch-all constructor for
  CloudFormation's `!Ref`/`!Sub` tags, which plain CSafeLoader rejects), both in-process and
  as `python -c ... FILE`, so each side of a ratio pays the same start-up;
- loopcheck in-process: `loader.load_file` and `pipeline.analyse_template` timed apart
  (after one warm-up call, so imports are not counted);
- cfn-lint on the same file (the peer), and cfn-lint `-a loopcheck.cfnlint_plugin` (the
  plugin's overhead), when that module exists.

Terraform rows (`tf N`, sizes --terraform-sizes, default 10,100,500; skipped with a note when
python-hcl2 or the Terraform reader is missing): `loopcheck scan` of a generated root module
of N resources (generate.py --terraform) against its floor, python-hcl2 parsing the same .tf
files (`hcl2.loads`), in-process and as processes; the verdict compares its multiple of the
floor with the YAML template's at the same size.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import yaml
from generate import DEFAULT_OUT, DEFAULT_SEED, DEFAULT_SIZES, expected_loops, write_templates, write_terraform

REPO = Path(__file__).resolve().parent.parent
PLUGIN_MODULE = "loopcheck.cfnlint_plugin"

# The floor, as source text: exec'd here for the in-process floor and passed to `python -c`
# for the subprocess floor, so both measure exactly the same parse.
FLOOR_SOURCE = '''
import sys
import yaml


class FloorLoader(yaml.CSafeLoader):
    """CSafeLoader plus one catch-all constructor for CloudFormation short tags."""


def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}


FloorLoader.add_multi_constructor("!", _tagged)


def floor_load(paths):
    """Parse every file; return how many could not be parsed (folders hold broken ones)."""
    failed = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                yaml.load(handle.read(), Loader=FloorLoader)
        except Exception:
            failed += 1
    return failed


if __name__ == "__main__":
    floor_load(sys.argv[1:])
'''
# The Terraform floor: python-hcl2 alone parsing each .tf file, as source text for the same reason.
TF_FLOOR_SOURCE = '''
import sys
import hcl2


def tf_floor_load(paths):
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            hcl2.loads(handle.read())


if __name__ == "__main__":
    tf_floor_load(sys.argv[1:])
'''
TERRAFORM_SIZES = (10, 100, 500)  # python-hcl2 takes seconds per 500 resources: larger rows take minutes
# Children are started by this small helper process, not by run.py itself: Linux counts the
# memory of the process that forks (or vforks) a child into the child's peak RSS, and run.py
# grows to hundreds of MB holding the large templates in-process. The helper stays ~10 MB and
# reports, per child, its wall time, CPU time and own peak RSS (os.wait4).
SPAWNER_SOURCE = """
import json, os, sys, time
for line in sys.stdin:
    argv, out = json.loads(line)
    actions = [(os.POSIX_SPAWN_OPEN, 1, out or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps([wall, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]), flush=True)
"""
_floor_namespace: Dict[str, Any] = {"__name__": "floor"}
exec(FLOOR_SOURCE, _floor_namespace)  # noqa: S102 - our own constant, see above
floor_load: Callable[[Sequence[str]], int] = _floor_namespace["floor_load"]


@dataclass
class Child:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS in MB, exit status."""

    wall: float
    cpu: float
    rss_mb: float
    status: int


@dataclass
class Row:
    """Every measurement for one template (or one folder)."""

    name: str
    resources: int
    files: int = 1
    lc_wall: float = 0.0  # loopcheck subprocess, median s
    lc_rss: float = 0.0  # its peak RSS, MB (largest over the runs)
    lc_cpu: float = 0.0  # its CPU time (user + system), median s: less sensitive to a busy machine
    floor_sub: float = 0.0  # floor subprocess, median s
    lc_inproc: float = 0.0  # loopcheck in-process (load + analyse), median s
    load: float = 0.0  # in-process, median s
    analyse: float = 0.0  # in-process, median s
    floor_inproc: float = 0.0  # floor in-process, median s
    floor_paused: float = 0.0  # the same with the garbage collector paused, as loopcheck pauses it
    cfn_lint: Optional[float] = None  # median s
    cfn_lint_rss: Optional[float] = None
    cfn_lint_cpu: Optional[float] = None  # median CPU s, for reference on a busy machine
    plugin_cpu: Optional[float] = None
    plugin: Optional[float] = None  # cfn-lint -a loopcheck.cfnlint_plugin, median s
    findings: Dict[str, int] = field(default_factory=dict)
    expected_loops: Optional[int] = None  # EL101 findings the generator placed (None: folder rows)
    notes: List[str] = field(default_factory=list)

    @property
    def ratio_inproc(self) -> float:
        return self.lc_inproc / self.floor_inproc if self.floor_inproc else float("nan")

    @property
    def ratio_sub(self) -> float:
        return self.lc_wall / self.floor_sub if self.floor_sub else float("nan")

    @property
    def lint_speedup(self) -> Optional[float]:
        return self.cfn_lint / self.lc_wall if self.cfn_lint and self.lc_wall else None

    @property
    def ms_per_resource(self) -> float:
        return 1000 * self.lc_inproc / self.resources if self.resources else float("nan")

    @property
    def plugin_overhead(self) -> Optional[float]:
        return (self.plugin - self.cfn_lint) / self.cfn_lint if self.plugin and self.cfn_lint else None


# -- measuring ---------------------------------------------------------------------------------


def command(name: str, module: str) -> List[str]:
    """A console script of this interpreter's environment, else `python -m module`."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return [str(local)]
    found = shutil.which(name)
    return [found] if found else [sys.executable, "-m", module]


class Spawner:
    """The helper process of SPAWNER_SOURCE: one command in, one measurement out."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SPAWNER_SOURCE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=REPO)

    def run(self, cmd: Sequence[str], stdout: str = "") -> Child:
        """Run `cmd` (argv[0] an absolute path), its stdout to the file `stdout` or discarded."""
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps([list(cmd), stdout]) + "\n")
        self.proc.stdin.flush()
        wall, cpu, maxrss_kb, status = json.loads(self.proc.stdout.readline())
        return Child(wall, cpu, maxrss_kb / 1024, status)  # ru_maxrss is KB on Linux

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait()


_spawner: Optional[Spawner] = None


def run_child(cmd: Sequence[str], stdout: str = "") -> Child:
    """Run one command through the spawner: wall time, CPU time, its own peak RSS, status."""
    global _spawner
    if _spawner is None:
        _spawner = Spawner()
    return _spawner.run(cmd, stdout)


def repeat_children(cmd: Sequence[str], runs: int) -> List[Child]:
    return [run_child(cmd) for _ in range(runs)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def loopcheck_children(paths: Sequence[str], runs: int, row: Row,
                       floor_cmd: Optional[List[str]] = None) -> None:
    """`loopcheck scan --format json` end to end, interleaved with the floor subprocess."""
    lc_cmd = command("loopcheck", "loopcheck") + ["scan", "--format", "json", *paths]
    floor_cmd = floor_cmd or [sys.executable, "-c", FLOOR_SOURCE, *row_files(paths)]
    lc: List[Child] = []
    floor: List[Child] = []
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "loopcheck.json")
        for _ in range(runs):
            lc.append(run_child(lc_cmd, stdout=out))
            floor.append(run_child(floor_cmd))
        with open(out, encoding="utf-8") as handle:
            report = json.load(handle)
    row.lc_wall, row.lc_rss = median([c.wall for c in lc]), max(c.rss_mb for c in lc)
    row.lc_cpu = median([c.cpu for c in lc])
    row.floor_sub = median([c.wall for c in floor])
    row.findings = dict(sorted(Counter(f["rule"] for f in report["findings"]).items()))
    if report["errors"]:
        row.notes.append(f"loopcheck: {len(report['errors'])} unreadable file(s)")
    if any(c.status not in (0, 1) for c in lc) and row.files == 1:
        row.notes.append(f"loopcheck exit status {lc[-1].status}")


def row_files(paths: Sequence[str]) -> List[str]:
    """The template files behind the paths, as loopcheck discovers them."""
    from loopcheck.app.scan import discover

    # a Terraform folder found by the walk is not a YAML file for the floor
    return [path for path, missing in discover(paths) if not missing and os.path.isfile(path)]


def loopcheck_inprocess(path: str, runs: int, row: Row) -> None:
    """load_file and analyse_template timed apart, after one warm-up; the floor likewise."""
    from loopcheck.load.loader import Template, load_file
    from loopcheck.pipeline.analysis import analyse_template

    loads, analyses, floors, paused = [], [], [], []
    for attempt in range(runs + 1):
        gc.collect()  # each step starts from a clean heap: no garbage from the previous one
        t0 = time.perf_counter()
        loaded = load_file(path)
        t1 = time.perf_counter()
        if not isinstance(loaded, Template):
            raise SystemExit(f"{path}: not a template: {loaded}")
        analyse_template(path, loaded.data)
        t2 = time.perf_counter()
        del loaded
        gc.collect()
        t3 = time.perf_counter()
        floor_load([path])
        t4 = time.perf_counter()
        gc.collect()
        gc.disable()
        t5 = time.perf_counter()
        floor_load([path])
        t6 = time.perf_counter()
        gc.enable()
        if attempt:  # the first pass is the warm-up
            loads.append(t1 - t0)
            analyses.append(t2 - t1)
            floors.append(t4 - t3)
            paused.append(t6 - t5)
    row.load, row.analyse, row.floor_inproc = median(loads), median(analyses), median(floors)
    row.floor_paused = median(paused)
    row.lc_inproc = median([a + b for a, b in zip(loads, analyses)])


def folder_inprocess(folder: str, files: Sequence[str], runs: int, row: Row) -> None:
    """A whole folder in-process: pipeline.scan against the floor over the same files."""
    from loopcheck.app.scan import scan

    scans, floors = [], []
    for attempt in range(runs + 1):
        gc.collect()
        t0 = time.perf_counter()
        scan([folder])
        t1 = time.perf_counter()
        gc.collect()
        t2 = time.perf_counter()
        floor_load(files)
        t3 = time.perf_counter()
        if attempt:
            scans.append(t1 - t0)
            floors.append(t3 - t2)
    row.lc_inproc, row.floor_inproc = median(scans), median(floors)


def terraform_ready() -> str:
    """Why Terraform rows cannot be measured, or "" when they can."""
    for module, why in (("hcl2", "python-hcl2 is not installed"),
                        ("loopcheck.terraform.hcl_reader", "this loopcheck has no Terraform reader"),
                        ("loopcheck.terraform.translate", "this loopcheck has no Terraform translator")):
        if importlib.util.find_spec(module) is None:
            return why
    return ""


def terraform_row(size: int, folder: Path, loops: int, runs: int) -> Row:
    """A generated root module: loopcheck against python-hcl2's parse of the same files."""
    files = sorted(str(path) for path in folder.glob("*.tf"))
    row = Row(f"tf {size}", size, files=len(files), expected_loops=loops)
    loopcheck_children([str(folder)], runs, row, [sys.executable, "-c", TF_FLOOR_SOURCE, *files])
    found = row.findings.get("EL101", 0)
    if found != loops:
        row.notes.append(f"{found} EL101 findings, but the module holds {loops} unguarded loops")
    terraform_inprocess(str(folder), files, runs, row)
    return row


def terraform_inprocess(folder: str, files: Sequence[str], runs: int, row: Row) -> None:
    """The unit read (HCL reader + translation) and analysed, timed apart, against hcl2.loads
    of the same files; after one warm-up."""
    from loopcheck.app.scan import analyse_loaded, load_unit
    from loopcheck.load.loader import Template
    from loopcheck.pipeline.analysis import AnalysisOptions

    namespace: Dict[str, Any] = {"__name__": "tf_floor"}
    exec(TF_FLOOR_SOURCE, namespace)  # noqa: S102 - our own constant
    tf_floor_load = namespace["tf_floor_load"]
    loads, analyses, floors = [], [], []
    for attempt in range(runs + 1):
        gc.collect()
        t0 = time.perf_counter()
        loaded = load_unit(folder)
        t1 = time.perf_counter()
        if not isinstance(loaded, Template):
            raise SystemExit(f"{folder}: not read as a Terraform unit: {loaded}")
        analyse_loaded(loaded, AnalysisOptions())
        t2 = time.perf_counter()
        del loaded
        gc.collect()
        t3 = time.perf_counter()
        tf_floor_load(files)
        t4 = time.perf_counter()
        if attempt:
            loads.append(t1 - t0)
            analyses.append(t2 - t1)
            floors.append(t4 - t3)
    row.load, row.analyse, row.floor_inproc = median(loads), median(analyses), median(floors)
    row.lc_inproc = median([a + b for a, b in zip(loads, analyses)])


def terraform_verdict(by_size: Dict[int, Row], terraform: Dict[int, Row]) -> List[str]:
    """Terraform stays within the multiple of its parse time YAML stays within, at each size
    both were measured (in-process; processes for reference)."""
    out = []
    for size in sorted(terraform):
        tf, yaml_row = terraform[size], by_size.get(size)
        if yaml_row is None:
            out.append(f"n/a   Terraform at {size}: no YAML row of that size to compare with")
            continue
        ok = tf.ratio_inproc <= yaml_row.ratio_inproc
        out.append(f"{'PASS' if ok else 'FAIL'}  Terraform at {size} within YAML's multiple of its parse time "
                   f"(in-process, loopcheck / parse floor): {tf.ratio_inproc:.2f}x "
                   f"vs YAML {yaml_row.ratio_inproc:.2f}x "
                   f"[processes: {tf.ratio_sub:.2f}x vs {yaml_row.ratio_sub:.2f}x; hcl2 parse "
                   f"{tf.floor_inproc:.3f} s vs CSafeLoader {yaml_row.floor_inproc:.3f} s]")
    return out


def cfn_lint(files: Sequence[str], runs: int, row: Row, plugin: bool) -> None:
    """cfn-lint on the same files, and with `-a loopcheck.cfnlint_plugin` when it exists."""
    base = command("cfn-lint", "cfnlint") + list(files)
    plain: List[Child] = []
    with_plugin: List[Child] = []
    for _ in range(runs):
        plain.append(run_child(base))
        if plugin:
            with_plugin.append(run_child(base + ["-a", PLUGIN_MODULE]))
    row.cfn_lint, row.cfn_lint_rss = median([c.wall for c in plain]), max(c.rss_mb for c in plain)
    row.cfn_lint_cpu = median([c.cpu for c in plain])
    if with_plugin:
        row.plugin = median([c.wall for c in with_plugin])
        row.plugin_cpu = median([c.cpu for c in with_plugin])
        if any(c.status == 1 for c in with_plugin):  # cfn-lint's "could not load rules" / crash
            row.notes.append("cfn-lint -a plugin exited 1: did the plugin load?")


def count_resources(files: Sequence[str]) -> int:
    """Resources across the files the floor loader can read (folder rows)."""
    total = 0
    loader = _floor_namespace["FloorLoader"]
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.load(handle.read(), Loader=loader)
        except Exception:  # noqa: BLE001 - broken files are counted by loopcheck, not here
            continue
        if isinstance(data, dict) and isinstance(data.get("Resources"), dict):
            total += len(data["Resources"])
    return total


# -- printing ----------------------------------------------------------------------------------


def fmt(value: Optional[float], spec: str = ".3f", suffix: str = "") -> str:
    return "n/a" if value is None or value != value else f"{value:{spec}}{suffix}"


def print_tables(rows: Sequence[Row]) -> None:
    head = ("row", "resources", "lc wall s", "lc cpu s", "RSS MB", "floor sub s", "lc/floor sub", "lc inproc s",
            "floor inproc s", "lc/floor inproc", "cfn-lint s", "cfn-lint/lc", "ms/resource")
    lines = [head]
    for r in rows:
        lines.append((r.name, str(r.resources), fmt(r.lc_wall), fmt(r.lc_cpu), fmt(r.lc_rss, ".1f"),
                      fmt(r.floor_sub),
                      fmt(r.ratio_sub, ".2f", "x"), fmt(r.lc_inproc), fmt(r.floor_inproc),
                      fmt(r.ratio_inproc, ".2f", "x"), fmt(r.cfn_lint, ".2f"), fmt(r.lint_speedup, ".1f", "x"),
                      fmt(r.ms_per_resource, ".3f")))
    print_aligned(lines)
    print()
    head2 = ("row", "load s", "analyse s", "analyse %", "load/floor", "cfn-lint RSS MB", "cfn-lint+plugin s",
             "plugin overhead", "findings")
    lines = [head2]
    for r in rows:
        total = r.load + r.analyse
        timed = bool(r.load)  # a template or a Terraform unit timed in-process (not a folder row)
        lines.append((r.name, fmt(r.load if timed else None), fmt(r.analyse if timed else None),
                      fmt(100 * r.analyse / total if total else None, ".0f", "%"),
                      fmt(r.load / r.floor_inproc if timed and r.floor_inproc else None, ".2f", "x"),
                      fmt(r.cfn_lint_rss, ".1f"), fmt(r.plugin, ".2f"),
                      fmt(100 * r.plugin_overhead if r.plugin_overhead is not None else None, "+.1f", "%"),
                      " ".join(f"{k}:{v}" for k, v in r.findings.items()) or "-"))
    print_aligned(lines)
    for r in rows:
        for note in r.notes:
            print(f"note: {r.name}: {note}")


def print_aligned(lines: Sequence[Sequence[str]]) -> None:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for index, line in enumerate(lines):
        cells = [cell.ljust(w) if i == 0 or i == len(line) - 1 else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


def verdicts(by_size: Dict[int, Row], plugin_note: str) -> List[str]:
    """One line per target: PASS, FAIL, or n/a when the size was not measured."""
    out = []

    def line(ok: Optional[bool], text: str) -> None:
        out.append(f"{'n/a ' if ok is None else 'PASS' if ok else 'FAIL'}  {text}")

    r500, r10, r5000 = by_size.get(500), by_size.get(10), by_size.get(5000)
    if r500:
        line(r500.ratio_inproc <= 1.5,
             f"loopcheck <= 1.5x floor at 500 (in-process load+analyse vs CSafeLoader parse): "
             f"{r500.ratio_inproc:.2f}x [subprocess vs subprocess, for reference: {r500.ratio_sub:.2f}x; "
             f"against the floor with its collector paused too: {r500.lc_inproc / r500.floor_paused:.2f}x]")
        speed = r500.lint_speedup
        cpu_speed = r500.cfn_lint_cpu / r500.lc_cpu if r500.cfn_lint_cpu and r500.lc_cpu else None
        line(None if speed is None else speed >= 10,
             f"loopcheck >= 10x faster than cfn-lint at 500 (subprocess walls): {fmt(speed, '.1f', 'x')} "
             f"[CPU times, for reference: {fmt(cpu_speed, '.1f', 'x')}]")
        overhead = r500.plugin_overhead
        cpu_overhead = (100 * (r500.plugin_cpu - r500.cfn_lint_cpu) / r500.cfn_lint_cpu
                        if r500.plugin_cpu and r500.cfn_lint_cpu else None)
        shown = fmt(None if overhead is None else 100 * overhead, "+.1f", "%")
        line(None if overhead is None else overhead <= 0.05,
             f"cfn-lint plugin overhead <= 5% at 500 (walls): {shown} "
             f"[CPU times, for reference: {fmt(cpu_overhead, '+.1f', '%')}]"
             + (f" ({plugin_note})" if overhead is None and plugin_note else ""))
    else:
        line(None, "targets at 500: size 500 not measured")
    line(None if not r10 else r10.lc_wall <= 0.15,
         f"cold start <= 0.15 s at 10 (loopcheck scan wall median): {fmt(r10.lc_wall if r10 else None)} s")
    flat = {s: r.ms_per_resource for s, r in by_size.items() if 100 <= s <= 5000}
    if len(flat) >= 2:
        spread = max(flat.values()) / min(flat.values())
        detail = ", ".join(f"{s}: {v:.3f}" for s, v in sorted(flat.items()))
        both_ends = {100, 5000} <= set(flat)  # a verdict only over the whole range
        line(spread <= 1.5 if both_ends else None,
             f"per-resource cost flat within 1.5x from 100 to 5000 (in-process ms/resource; "
             f"{detail}): max/min {spread:.2f}x")
    else:
        line(None, "per-resource cost flat within 1.5x from 100 to 5000: needs two sizes in 100..5000")
    line(None if not r5000 else r5000.lc_rss < 150,
         f"peak RSS < 150 MB at 5000 (loopcheck child): {fmt(r5000.lc_rss if r5000 else None, '.1f')} MB")
    return out


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated resource counts (default 10,100,500,2000,5000)")
    parser.add_argument("--runs", type=int, help="runs per loopcheck/floor measurement (default 5; median)")
    parser.add_argument("--lint-runs", type=int, help="runs per cfn-lint measurement (default 3; median)")
    parser.add_argument("--folder-lint-runs", type=int, default=1,
                        help="cfn-lint runs on the corpus folder (slow: ~0.1 s per file; default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="sizes 10,100,500, 3 runs, 1 cfn-lint run, no folder rows")
    parser.add_argument("--no-cfn-lint", action="store_true", help="skip the cfn-lint columns")
    parser.add_argument("--plugin-max-size", type=int, default=500,
                        help="measure cfn-lint -a plugin only on rows of at most this many resources "
                             "(default 500, the target size; 0: every row)")
    parser.add_argument("--no-folders", action="store_true", help="skip the fixtures and corpus rows")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--json-templates", action="store_true", help="benchmark the JSON form instead of YAML")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where templates are written")
    parser.add_argument("--save", type=Path, help="also write every row as JSON here")
    parser.add_argument("--terraform-sizes", default=",".join(map(str, TERRAFORM_SIZES)),
                        help="resource counts of the Terraform rows (default 10,100,500; empty: none)")
    parser.add_argument("--no-terraform", action="store_true", help="skip the Terraform rows")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [10, 100, 500] if args.quick else list(DEFAULT_SIZES))
    args.runs = args.runs or (3 if args.quick else 5)
    args.lint_runs = args.lint_runs or (1 if args.quick else 3)
    args.no_folders = args.no_folders or args.quick
    args.terraform_sizes = [] if args.no_terraform else [int(s) for s in args.terraform_sizes.split(",") if s]
    return args


def progress(row: Row, rows: Sequence[Row], save: Optional[Path]) -> None:
    """One line per finished row on stderr (and the rows so far to --save), so a long run
    that is interrupted still leaves its numbers."""
    print(f"    {row.name}: loopcheck {row.lc_wall:.3f} s, in-process {row.lc_inproc:.3f} s, "
          f"floor {row.floor_inproc:.3f} s, cfn-lint {fmt(row.cfn_lint, '.2f')} s", file=sys.stderr, flush=True)
    if save:
        save.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


def wants_plugin(args: argparse.Namespace, resources: int) -> bool:
    return not args.plugin_max_size or resources <= args.plugin_max_size


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def code_version() -> str:
    """The commit under test, and whether the working tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "loopcheck", "rules"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return head + (" + uncommitted changes in loopcheck/ or rules/" if dirty else "")


def ensure_bytecode() -> str:
    """Compile loopcheck's modules to __pycache__ the way `pip install` does, so start-up is
    measured as users get it. An editable install under PYTHONDONTWRITEBYTECODE (set on some
    CI machines) would otherwise recompile every module on every run (~0.1 s)."""
    import compileall

    import loopcheck

    folder = Path(loopcheck.__file__).resolve().parent
    compileall.compile_dir(str(folder), quiet=1)
    return f"{folder} compiled (as pip install does)"


def main(argv: Optional[Sequence[str]] = None) -> int:
    global _spawner
    args = parse_args(argv)
    _spawner = Spawner()  # before anything large is loaded here
    plugin = importlib.util.find_spec(PLUGIN_MODULE) is not None
    plugin_note = "" if plugin else f"{PLUGIN_MODULE} not found: plugin column skipped"
    sizes = sorted(set(args.sizes) | {10})  # 10 is the cold-start row
    paths = write_templates(sizes, args.out, args.seed, json_too=args.json_templates)
    if args.json_templates:
        paths = {size: path.with_suffix(".json") for size, path in paths.items()}
    print(f"python {sys.version.split()[0]} ({sys.executable}); {os.cpu_count()} cores; seed {args.seed}; "
          f"runs {args.runs}, cfn-lint runs {args.lint_runs}; templates in {args.out}")
    print(f"loopcheck code: {code_version()}")
    print(f"bytecode: {ensure_bytecode()}")
    if plugin_note:
        print(f"note: {plugin_note}")
    startup = median([c.wall for c in repeat_children([sys.executable, "-c", "pass"], args.runs)])
    print(f"python start-up alone (python -c pass): {startup:.3f} s; load average {load_average()}")
    print("commands: " + " ".join(command("loopcheck", "loopcheck")) + " scan --format json FILE | "
          f"{sys.executable} -c FLOOR_SOURCE FILE | " + " ".join(command("cfn-lint", "cfnlint"))
          + f" FILE [-a {PLUGIN_MODULE}]")

    rows: List[Row] = []
    by_size: Dict[int, Row] = {}
    for size in sizes:
        path = str(paths[size])
        row = Row(f"{size} ({Path(path).suffix[1:]})", size, expected_loops=expected_loops(size, args.seed))
        print(f"... {size} resources", file=sys.stderr, flush=True)
        loopcheck_children([path], args.runs, row)
        found = row.findings.get("EL101", 0)
        if found != row.expected_loops:
            row.notes.append(f"{found} EL101 findings, but the template holds {row.expected_loops} unguarded "
                             "loops (a cap on cycles, or a missed or extra loop?)")
        loopcheck_inprocess(path, args.runs, row)
        if not args.no_cfn_lint:
            cfn_lint([path], args.lint_runs, row, plugin and wants_plugin(args, size))
        rows.append(row)
        by_size[size] = row
        progress(row, rows, args.save)

    terraform: Dict[int, Row] = {}
    why_not = terraform_ready() if args.terraform_sizes else "not asked for"
    if why_not:
        print(f"note: Terraform rows skipped: {why_not}")
    else:
        for size, (folder, loops) in write_terraform(args.terraform_sizes, args.out, args.seed).items():
            print(f"... Terraform, {size} resources", file=sys.stderr, flush=True)
            row = terraform_row(size, folder, loops, args.runs)
            rows.append(row)
            terraform[size] = row
            progress(row, rows, args.save)

    if not args.no_folders:
        # (name, folder, runs, cfn-lint runs): the corpus takes ~10 s a loopcheck run, minutes a cfn-lint run
        folders = [("fixtures/", REPO / "fixtures", args.runs, args.lint_runs)]
        if args.corpus.is_dir():
            folders.append(("shared/corpus/", args.corpus, min(args.runs, 3), args.folder_lint_runs))
        else:
            print(f"note: {args.corpus} not found: corpus row skipped")
        for name, folder, runs, lint_runs in folders:
            print(f"... {name}", file=sys.stderr, flush=True)
            files = row_files([str(folder)])
            row = Row(f"{name} ({len(files)} files)", count_resources(files), files=len(files))
            loopcheck_children([str(folder)], runs, row)
            folder_inprocess(str(folder), files, runs, row)
            if not args.no_cfn_lint:
                cfn_lint(files, lint_runs, row, plugin and wants_plugin(args, row.resources))
            rows.append(row)
            progress(row, rows, args.save)

    print(f"\nload average at the end: {load_average()} ({os.cpu_count()} cores; other load makes walls noisy)")
    print_tables(rows)
    print()
    for text in verdicts(by_size, plugin_note) + terraform_verdict(by_size, terraform):
        print(text)
    if args.save:
        args.save.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    _spawner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
