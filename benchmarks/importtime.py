"""Where a one-template `loopcheck scan` spends its start-up: `python -X importtime` of the scan,
run several times, each module's smallest self and cumulative time (the least disturbed by other
load on the machine), as a Markdown table of the modules with the largest cumulative time.

    python benchmarks/importtime.py TEMPLATE [--runs 15] [--top 25] [--python PATH]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")


def measure(python: str, template: str, runs: int) -> Dict[str, List[List[int]]]:
    """module -> [self µs of each run, cumulative µs of each run]."""
    code = ("import sys; sys.argv = ['loopcheck', 'scan', sys.argv[1]]\n"
            "from loopcheck.app.cli import run\n"
            "run()")
    times: Dict[str, List[List[int]]] = defaultdict(lambda: [[], []])
    folder = Path(template).resolve().parent
    for _ in range(runs):
        # run in the template's folder: `-c` puts the current folder first on sys.path, and in
        # a checkout that would import the source tree instead of the installed package
        done = subprocess.run([python, "-X", "importtime", "-c", code, Path(template).name],
                              capture_output=True, text=True, check=False, cwd=folder)
        for match in LINE.finditer(done.stderr):
            times[match.group(3)][0].append(int(match.group(1)))
            times[match.group(3)][1].append(int(match.group(2)))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--python", default=sys.executable, help="the interpreter loopcheck is installed in")
    args = parser.parse_args()
    times = measure(args.python, args.template, args.runs)
    own = sum(min(t[0]) for name, t in times.items() if name.startswith("loopcheck"))
    total = sum(min(t[0]) for t in times.values())
    print(f"{len(times)} modules; self times add up to {total / 1000:.1f} ms, "
          f"loopcheck's own {own / 1000:.1f} ms (smallest of {args.runs} runs each)\n")
    print("| module | self ms | cumulative ms |\n|---|---:|---:|")
    for name in sorted(times, key=lambda n: -min(times[n][1]))[:args.top]:
        print(f"| {name} | {min(times[name][0]) / 1000:.1f} | {min(times[name][1]) / 1000:.1f} |")


if __name__ == "__main__":
    main()
