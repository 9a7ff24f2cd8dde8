"""Does loopcheck's cost per resource stay flat as templates grow? (issue 16, item 5)

    python benchmarks/scale.py                                  # this interpreter's loopcheck
    python benchmarks/scale.py --baseline /tmp/base/bin/loopcheck --runs 3

Runs `loopcheck scan --format json FILE` as a child process on generated templates of 100 to
20,000 resources and reads each child's own CPU time (user + system) and peak RSS from
os.wait4: CPU time, unlike wall time, hardly moves when other work shares the machine. Prints
the marginal CPU cost per resource from 100 to 5,000 and from 5,000 to 20,000 resources,
their ratio against the 1.3 target, and the peak memory at 20,000 against 300 MB. With
`--baseline` (the `loopcheck` script of another install, e.g. main in its own virtual
environment) both run in the same session, interleaved run by run, and their JSON outputs
are compared byte for byte. `--profile` then profiles 5,000 and 20,000 in this process and
lists the functions whose call count or own time grows faster than the template.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
# benchmarks/profile.py shares its name with the standard library's `profile`, which cProfile
# imports: keep this folder off the import path until cProfile is loaded (as profile.py does).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
import cProfile  # noqa: E402
import pstats  # noqa: E402

sys.path.append(str(HERE))
from generate import DEFAULT_OUT, DEFAULT_SEED  # noqa: E402

SIZES = (100, 1000, 5000, 10000, 20000)
SMALL, MIDDLE, LARGE = 100, 5000, 20000  # the two spans whose marginal costs are compared
RATIO_TARGET = 1.3
MEMORY_TARGET_MB = 300
MAX_FILE_BYTES = 50_000_000  # the 20,000-resource template is about 9 MB, over the 5 MB default


@dataclass
class Measured:
    """The runs of one loopcheck install on one size."""

    cpu: List[float] = field(default_factory=list)  # user + system seconds, per run
    rss_mb: List[float] = field(default_factory=list)  # peak resident MB, per run
    output: bytes = b""  # the JSON report of the last run

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def rss_max(self) -> float:
        return max(self.rss_mb)


def run_once(loopcheck: str, path: Path, into: Measured) -> None:
    """One child process; its own CPU time and peak RSS come from wait4, not from this process."""
    cmd = [loopcheck, "scan", "--format", "json", "--max-file-size", str(MAX_FILE_BYTES), str(path)]
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=output, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)  # before Popen reaps it, to keep the rusage
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):  # 1: findings
            errors.seek(0)
            why = errors.read().decode(errors="replace")[-500:]
            sys.exit(f"{' '.join(cmd)} exited {child.returncode}: {why}")
        output.seek(0)
        into.output = output.read()
    into.cpu.append(usage.ru_utime + usage.ru_stime)
    into.rss_mb.append(usage.ru_maxrss / 1024)


def marginal_ms(by_size: Dict[int, Measured], low: int, high: int) -> float:
    """Extra CPU milliseconds per extra resource between two sizes (start-up cancels out)."""
    return (by_size[high].cpu_median - by_size[low].cpu_median) * 1000 / (high - low)


def report(name: str, by_size: Dict[int, Measured]) -> List[str]:
    lines = [f"{name}:"]
    for size, measured in sorted(by_size.items()):
        runs = " ".join(f"{c:.2f}" for c in measured.cpu)
        lines.append(f"  {size:>6} resources  cpu median {measured.cpu_median:6.2f} s (runs {runs})"
                     f"  peak RSS {measured.rss_max:6.1f} MB")
    if all(s in by_size for s in (SMALL, MIDDLE, LARGE)):
        early, late = marginal_ms(by_size, SMALL, MIDDLE), marginal_ms(by_size, MIDDLE, LARGE)
        ratio = late / early
        memory = by_size[LARGE].rss_max
        lines += [
            f"  marginal cpu per resource {SMALL}->{MIDDLE}: {early:.3f} ms, {MIDDLE}->{LARGE}: {late:.3f} ms",
            f"  ratio {ratio:.2f} (target <= {RATIO_TARGET}: {'ok' if ratio <= RATIO_TARGET else 'MISSED'})",
            f"  peak memory at {LARGE}: {memory:.0f} MB "
            f"(target < {MEMORY_TARGET_MB} MB: {'ok' if memory < MEMORY_TARGET_MB else 'MISSED'})",
        ]
    return lines


def profile_growth(paths: Dict[int, Path], low: int, high: int, top: int = 15) -> List[str]:
    """cProfile of one load + analysis at two sizes, in this process (this interpreter's
    loopcheck): the functions whose call count or own time grows most faster than the
    template does. A function called more than proportionally more is a quadratic spot."""
    from loopcheck.load.loader import load_file
    from loopcheck.pipeline.analysis import analyse_template

    stats = {}
    for size in (low, high):
        profiler = cProfile.Profile()
        profiler.enable()
        loaded = load_file(str(paths[size]), MAX_FILE_BYTES)
        analyse_template(str(paths[size]), loaded.data)
        profiler.disable()
        stats[size] = pstats.Stats(profiler).stats
    grow = high / low
    own = {size: sum(row[2] for row in rows.values()) for size, rows in stats.items()}
    lines = [f"profile {low} -> {high} resources (x{grow:g}): total own time {own[low]:.2f} -> "
             f"{own[high]:.2f} s (x{own[high] / own[low]:.2f})"]
    rows = []
    for key, row in stats[high].items():
        before = stats[low].get(key, (0, 0, 0.0))
        rows.append((row[2] - grow * before[2], before[1], row[1], before[2], row[2], key))
    faster = [r for r in rows if r[2] > grow * 1.25 * max(r[1], 1) and r[2] > 100]
    lines.append(f"  functions called more than x{grow * 1.25:g} as often: "
                 + (", ".join(f"{r[5][2]} ({r[1]} -> {r[2]})" for r in faster) or "none"))
    lines.append(f"  own time beyond x{grow:g} (s), calls, function:")
    for extra, calls_low, calls_high, own_low, own_high, (file, line, name) in sorted(rows, reverse=True)[:top]:
        lines.append(f"  {extra:7.3f}  {own_low:6.3f} -> {own_high:6.3f} s  {calls_low} -> {calls_high}  "
                     f"{Path(file).name}:{line} {name}")
    return lines


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs per size and install (median)")
    parser.add_argument("--loopcheck", default=str(Path(sys.executable).parent / "loopcheck"),
                        help="the loopcheck script measured (default: next to this interpreter)")
    parser.add_argument("--baseline", help="another install's loopcheck script, measured alongside")
    parser.add_argument("--profile", action="store_true",
                        help=f"also profile load + analysis at {MIDDLE} and {LARGE} in this process and print "
                             "the functions that grow faster than the template")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    # In a child: a forked child's peak RSS starts at its parent's, and building the
    # 20,000-resource template in this process would take this process past 200 MB.
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--sizes", ",".join(map(str, sizes)),
                    "--seed", str(args.seed), "--out", str(args.out)], check=True, stdout=subprocess.DEVNULL)
    paths = {size: args.out / f"template-{size}.yaml" for size in sizes}
    installs = {"current": args.loopcheck}
    if args.baseline:
        installs = {"baseline": args.baseline, **installs}
    print(f"load average at start: {load_average()}")
    results: Dict[str, Dict[int, Measured]] = {name: {} for name in installs}
    # Round by round, every size and install once per round: a change in the machine's load
    # then moves every size alike rather than the larger ones measured later.
    for round_number in range(1, args.runs + 1):
        for size in sizes:
            for name, script in installs.items():
                run_once(script, paths[size], results[name].setdefault(size, Measured()))
        print(f"  round {round_number} of {args.runs} done", file=sys.stderr)
    for name in installs:
        print("\n".join(report(name, results[name])))
    print(f"load average at end: {load_average()}")
    if args.profile and MIDDLE in paths and LARGE in paths:
        print("\n".join(profile_growth(paths, MIDDLE, LARGE)))
    if args.baseline:
        differing = [s for s in sizes if results["baseline"][s].output != results["current"][s].output]
        print("JSON output identical to the baseline at every size" if not differing
              else f"JSON output DIFFERS from the baseline at sizes {differing}")
        return 1 if differing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
