"""Every speed and memory target of issue 16 in one run: each figure next to its target, next to
the same figure for a named baseline install, and next to cfn-lint and checkov where they do
the same job (checkov is run only when present: it lives in its own virtual environment).

    python benchmarks/targets.py --baseline /tmp/base/bin/loopcheck --checkov /tmp/checkov/bin/checkov
    python benchmarks/targets.py --quick          # fewer runs, smaller sizes: a smoke run, not a verdict

`--loopcheck` defaults to the `loopcheck` beside this interpreter; measure a non-editable install
(an editable install pays for its import hook on every start). The generated inputs go to
benchmarks/out/ (git-ignored). Wall times are medians of paired runs (each command run right after
the other, so a load change hits both); the load average is printed before and after each row,
and any row measured above 0.5 load per core says so, since its walls are then not idle figures.
CPU times (user + system of the child, from wait4) are printed where wall time is the target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import handler_memory  # noqa: E402
import mixed_repo  # noqa: E402
from run import FLOOR_SOURCE  # noqa: E402

OUT = HERE / "out" / "targets"
CORPUS = HERE.parent.parent / "shared" / "corpus"
BIG_FILE = str(50_000_000)  # the 20,000-resource template is about 9 MB, over the 5 MB default


@dataclass
class Run:
    """One child process: wall seconds, user + system CPU seconds, peak RSS MB, exit status."""

    wall: float
    cpu: float
    rss_mb: float
    status: int


def run(cmd: Sequence[str], cwd: Optional[str] = None) -> Run:
    with tempfile.TemporaryFile() as sink:
        started = time.perf_counter()
        child = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, cwd=cwd)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode)


def paired(commands: Dict[str, Sequence[str]], runs: int, cwd: Optional[str] = None) -> Dict[str, List[Run]]:
    """Each command once per round, in turn, for `runs` rounds (one warm-up round first)."""
    for cmd in commands.values():
        run(cmd, cwd)
    out: Dict[str, List[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            out[name].append(run(cmd, cwd))
    return out


def wall(runs: List[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def cpu(runs: List[Run]) -> float:
    return statistics.median(r.cpu for r in runs)


def load() -> float:
    return os.getloadavg()[0]


@dataclass
class Row:
    """One target: what was measured, the figure, the target, and the peers' figures."""

    item: str
    what: str
    figure: str
    target: str
    met: Optional[bool]
    baseline: str = "n/a"
    cfn_lint: str = "n/a"
    checkov: str = "n/a"
    notes: List[str] = field(default_factory=list)


@dataclass
class Tools:
    loopcheck: str
    baseline: Optional[str]
    cfn_lint: Optional[str]
    checkov: Optional[str]
    runs: int
    quick: bool

    def installs(self) -> Dict[str, str]:
        found = {"loopcheck": self.loopcheck}
        if self.baseline:
            found["baseline"] = self.baseline
        return found

    def python_of(self, script: str) -> str:
        return str(Path(script).parent / "python")


def peers(tools: Tools, files: Sequence[str], folder: Optional[str], runs: int) -> Tuple[str, str]:
    """cfn-lint on the template files, checkov on the folder (or the single file): median walls."""
    lint = ckv = "n/a"
    if tools.cfn_lint and files:
        lint = f"{wall(paired({'cfn-lint': [tools.cfn_lint, *files]}, runs)['cfn-lint']):.2f} s"
    if tools.checkov:
        target = ["-d", folder] if folder else ["-f", files[0]]
        cmd = [tools.checkov, *target, "--framework", "cloudformation", "--quiet", "--compact",
               "--skip-download", "-o", "json"]
        ckv = f"{wall(paired({'checkov': cmd}, runs)['checkov']):.2f} s"
    return lint, ckv


def scan_cmd(loopcheck: str, *args: str) -> List[str]:
    return [loopcheck, "scan", "--format", "json", "--fail-on", "never", *args]


# -- the rows ------------------------------------------------------------------------------------


def non_templates(tools: Tools) -> Row:
    """Item 1: a repository mostly of non-templates costs within 1.3x of its templates alone."""
    root = OUT / "mixed"
    if root.exists():
        shutil.rmtree(root)
    counts = mixed_repo.write_repository(root, 60, 0.25 if tools.quick else 1.0, 16)
    stacks = str(root / "stacks")
    commands: Dict[str, Sequence[str]] = {}
    for name, binary in tools.installs().items():
        commands[f"{name} whole"] = scan_cmd(binary, "--jobs", "1", str(root))
        commands[f"{name} stacks"] = scan_cmd(binary, "--jobs", "1", stacks)
    before = load()
    runs = paired(commands, tools.runs)
    ratio = {name: cpu(runs[f"{name} whole"]) / cpu(runs[f"{name} stacks"]) for name in tools.installs()}
    templates = sorted(str(p) for p in (root / "stacks").rglob("template.yaml"))
    lint, ckv = peers(tools, templates, str(root), 1)
    row = Row("1", f"repository of {sum(counts.values())} files, {counts.get('templates', 60)} templates: "
                   "CPU whole / templates only", f"{ratio['loopcheck']:.2f}x", "<= 1.3x",
              ratio["loopcheck"] <= 1.3, cfn_lint=f"{lint} (templates only)", checkov=f"{ckv} (whole)")
    if "baseline" in ratio:
        row.baseline = f"{ratio['baseline']:.2f}x"
    row.notes.append(f"loopcheck CPU whole {cpu(runs['loopcheck whole']):.2f} s, templates only "
                     f"{cpu(runs['loopcheck stacks']):.2f} s; load {before:.2f} -> {load():.2f}")
    return row


def start_up(tools: Tools, template: Path) -> Row:
    """Item 2: a 10-resource scan within 40 ms of `python -c 'import yaml'`, paired, median of 21."""
    commands: Dict[str, Sequence[str]] = {"yaml": [tools.python_of(tools.loopcheck), "-c", "import yaml"]}
    for name, binary in tools.installs().items():
        commands[name] = scan_cmd(binary, str(template))
    before = load()
    runs = paired(commands, 7 if tools.quick else 21)
    gap = {name: (wall(runs[name]) - wall(runs["yaml"])) * 1000 for name in tools.installs()}
    lint, ckv = peers(tools, [str(template)], None, 3)
    row = Row("2", "10-resource scan minus `python -c 'import yaml'` (wall)", f"{gap['loopcheck']:+.0f} ms",
              "<= 40 ms", gap["loopcheck"] <= 40, cfn_lint=lint, checkov=ckv)
    if "baseline" in gap:
        row.baseline = f"{gap['baseline']:+.0f} ms"
    row.notes.append(f"walls: import yaml {wall(runs['yaml']) * 1000:.0f} ms, loopcheck "
                     f"{wall(runs['loopcheck']) * 1000:.0f} ms (CPU {cpu(runs['loopcheck']) * 1000:.0f} ms); "
                     f"load {before:.2f} -> {load():.2f}")
    return row


def process_ratio(tools: Tools, template: Path) -> Row:
    """Item 3: a 500-resource scan as a process at most 1.5x the floor process, median of 11."""
    commands: Dict[str, Sequence[str]] = {
        "floor": [tools.python_of(tools.loopcheck), "-c", FLOOR_SOURCE, str(template)]}
    for name, binary in tools.installs().items():
        commands[name] = scan_cmd(binary, str(template))
    before = load()
    runs = paired(commands, 5 if tools.quick else 11)
    ratio = {name: wall(runs[name]) / wall(runs["floor"]) for name in tools.installs()}
    lint, ckv = peers(tools, [str(template)], None, 1 if tools.quick else 3)
    row = Row("3", "500-resource scan / floor process (CSafeLoader, tags ignored), wall",
              f"{ratio['loopcheck']:.2f}x", "<= 1.5x", ratio["loopcheck"] <= 1.5, cfn_lint=lint, checkov=ckv)
    if "baseline" in ratio:
        row.baseline = f"{ratio['baseline']:.2f}x"
    row.notes.append(f"walls: floor {wall(runs['floor']) * 1000:.0f} ms, loopcheck "
                     f"{wall(runs['loopcheck']) * 1000:.0f} ms; load {before:.2f} -> {load():.2f}")
    return row


def handler_code(tools: Tools) -> Row:
    """Item 4: 200 functions x 2,000-line handlers peak under 100 MB, Python and JavaScript."""
    functions, lines = (40, 500) if tools.quick else (200, 2000)
    peaks: Dict[str, Dict[str, float]] = {}
    for language in ("py", "js"):
        template = handler_memory.write_case(language, functions, lines, OUT)
        for name, binary in tools.installs().items():
            peaks.setdefault(name, {})[language] = handler_memory.measure(binary, template)[0]
    worst = max(peaks["loopcheck"].values())
    text = ", ".join(f"{lang} {mb:.0f} MB" for lang, mb in peaks["loopcheck"].items())
    row = Row("4", f"peak RSS, {functions} functions x {lines}-line handlers", text, "< 100 MB each",
              worst < 100, cfn_lint="does not read handler code", checkov="does not read handler code")
    if "baseline" in peaks:
        row.baseline = ", ".join(f"{lang} {mb:.0f} MB" for lang, mb in peaks["baseline"].items())
    return row


def scale(tools: Tools) -> List[Row]:
    """Item 5: cost per resource 5,000 -> 20,000 within 1.3x of 100 -> 5,000; under 300 MB at 20,000."""
    low, middle, high = (100, 1000, 4000) if tools.quick else (100, 5000, 20000)
    paths = generate.write_templates([low, middle, high], OUT / "scale")
    cpu_s: Dict[str, Dict[int, float]] = {}
    peak: Dict[str, float] = {}
    for size in (low, middle, high):
        commands = {name: scan_cmd(binary, "--max-file-size", BIG_FILE, str(paths[size]))
                    for name, binary in tools.installs().items()}
        runs = paired(commands, 1 if tools.quick else 3)
        for name, measured in runs.items():
            cpu_s.setdefault(name, {})[size] = cpu(measured)
            if size == high:
                peak[name] = max(r.rss_mb for r in measured)

    def ratio(name: str) -> float:
        early = (cpu_s[name][middle] - cpu_s[name][low]) / (middle - low)
        late = (cpu_s[name][high] - cpu_s[name][middle]) / (high - middle)
        return late / early

    rows = [Row("5", f"CPU per resource {middle}->{high} / {low}->{middle}", f"{ratio('loopcheck'):.2f}x",
                "<= 1.3x", ratio("loopcheck") <= 1.3, cfn_lint="not run (minutes per size)",
                checkov="not run (minutes per size)"),
            Row("5", f"peak RSS at {high} resources", f"{peak['loopcheck']:.0f} MB", "< 300 MB",
                peak["loopcheck"] < 300)]
    if "baseline" in cpu_s:
        rows[0].baseline = f"{ratio('baseline'):.2f}x"
        rows[1].baseline = f"{peak['baseline']:.0f} MB"
    return rows


def jobs(tools: Tools) -> List[Row]:
    """Item 6: --jobs 2 at least 1.6x faster than --jobs 1 over the corpus on an idle machine."""
    if not CORPUS.is_dir():
        return [Row("6", "--jobs 1 / --jobs 2 over ../shared/corpus", "n/a", ">= 1.6x", None,
                    notes=["the corpus is absent"])]
    commands: Dict[str, Sequence[str]] = {}
    for name, binary in tools.installs().items():
        for count in (1, 2):
            commands[f"{name} {count}"] = scan_cmd(binary, "--jobs", str(count), str(CORPUS))
    before = load()
    runs = paired(commands, 1 if tools.quick else 3)
    after = load()
    speedup = {name: wall(runs[f"{name} 1"]) / wall(runs[f"{name} 2"]) for name in tools.installs()}
    row = Row("6", "--jobs 1 wall / --jobs 2 wall over ../shared/corpus", f"{speedup['loopcheck']:.2f}x",
              ">= 1.6x (idle)", speedup["loopcheck"] >= 1.6, cfn_lint="single process", checkov="n/a")
    if "baseline" in speedup:
        row.baseline = f"{speedup['baseline']:.2f}x"
    row.notes.append(f"walls {wall(runs['loopcheck 1']):.2f} s / {wall(runs['loopcheck 2']):.2f} s, "
                     f"CPU {cpu(runs['loopcheck 1']):.2f} s / {cpu(runs['loopcheck 2']):.2f} s; "
                     f"load average {before:.2f} before, {after:.2f} after")
    if max(before, after) > 0.5 * (os.cpu_count() or 1):
        row.notes.append("the machine was not idle: this is not the idle figure the target asks for")
    return [row, threshold(tools)]


def threshold(tools: Tools) -> Row:
    """The small-scan threshold (loopcheck.app.scan.PARALLEL_THRESHOLD): the smallest number of
    corpus templates for which the pool pays for itself, measured in one process with the
    threshold lifted, so both sides pay the same start-up."""
    python = tools.python_of(tools.loopcheck)
    probe = (
        "import sys, time, statistics\n"
        "import loopcheck.app.scan as s\n"
        "from loopcheck.app.scan import discover\n"
        "s.PARALLEL_THRESHOLD = 0\n"
        "files = [p for p, e in discover([sys.argv[1]]) if e is None]\n"
        "for n in (16, 32, 64, 96, 128, 192, 256):\n"
        "    best = {}\n"
        "    for jobs in (1, 2):\n"
        "        times = []\n"
        "        for _ in range(5):\n"
        "            t = time.perf_counter()\n"
        "            s.scan(files[:n], jobs=jobs)\n"
        "            times.append(time.perf_counter() - t)\n"
        "        best[jobs] = statistics.median(times)\n"
        "    print(n, best[1], best[2])\n")
    done = subprocess.run([python, "-c", probe, str(CORPUS)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return Row("6", "small-scan threshold", "n/a", "measured", None, notes=[done.stderr[-300:]])
    rows = [line.split() for line in done.stdout.splitlines()]
    wins = [int(n) for n, one, two in rows if float(two) < float(one)]
    from_here = next((int(n) for n, one, two in rows
                      if all(float(b) < float(a) for m, a, b in rows if int(m) >= int(n))), None)
    figures = "; ".join(f"{n}: {float(one) * 1000:.0f}/{float(two) * 1000:.0f} ms" for n, one, two in rows)
    return Row("6", "smallest scan the pool speeds up (files: --jobs 1/--jobs 2)",
               str(from_here) if from_here else "none", "PARALLEL_THRESHOLD", None,
               notes=[figures, f"pool faster at: {wins}"])


# -- printing ------------------------------------------------------------------------------------


def print_rows(rows: Sequence[Row], tools: Tools) -> None:
    header = ("item", "what", "loopcheck", "target", "verdict",
              f"baseline ({tools.baseline})" if tools.baseline else "baseline", "cfn-lint", "checkov")
    table = [header] + [(r.item, r.what, r.figure, r.target,
                         "n/a" if r.met is None else ("met" if r.met else "NOT MET"),
                         r.baseline, r.cfn_lint, r.checkov) for r in rows]
    print("| " + " | ".join(table[0]) + " |")
    print("|" + "---|" * len(header))
    for line in table[1:]:
        print("| " + " | ".join(line) + " |")
    for row in rows:
        for note in row.notes:
            print(f"item {row.item}: {note}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loopcheck", default=str(Path(sys.executable).parent / "loopcheck"))
    parser.add_argument("--baseline", help="another install's loopcheck, measured the same way")
    beside = Path(sys.executable).parent / "cfn-lint"
    parser.add_argument("--cfn-lint", default=str(beside) if beside.exists() else shutil.which("cfn-lint"),
                        help="default: the cfn-lint beside this interpreter, else on PATH")
    parser.add_argument("--checkov", default=shutil.which("checkov"),
                        help="checkov in its own venv; default: on PATH, else not run")
    parser.add_argument("--runs", type=int, default=5, help="paired runs for the CPU rows")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="comma-separated item numbers (1-6)")
    args = parser.parse_args(argv)
    tools = Tools(args.loopcheck, args.baseline, args.cfn_lint, args.checkov,
                  2 if args.quick else args.runs, args.quick)
    OUT.mkdir(parents=True, exist_ok=True)
    paths = generate.write_templates([10, 500], OUT)
    chosen = set((args.only or "1,2,3,4,5,6").split(","))
    print(f"loopcheck {tools.loopcheck}; baseline {tools.baseline or 'none'}; "
          f"cfn-lint {tools.cfn_lint or 'absent'}; checkov {tools.checkov or 'absent'}; "
          f"{os.cpu_count()} cores; load average "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()), flush=True)
    steps: List[Tuple[str, Callable[[], object]]] = [
        ("1", lambda: non_templates(tools)), ("2", lambda: start_up(tools, paths[10])),
        ("3", lambda: process_ratio(tools, paths[500])), ("4", lambda: handler_code(tools)),
        ("5", lambda: scale(tools)), ("6", lambda: jobs(tools))]
    rows: List[Row] = []
    for item, step in steps:
        if item in chosen:
            print(f"... item {item}", file=sys.stderr, flush=True)
            result = step()
            rows.extend(result if isinstance(result, list) else [result])  # type: ignore[arg-type]
    print_rows(rows, tools)
    print("load average at the end: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
