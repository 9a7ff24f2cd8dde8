"""Where loopcheck spends its time: cProfile of load + analyse_template, in-process.

    python benchmarks/profile.py                 # the 5000-resource template, top 25
    python benchmarks/profile.py --size 500 --top 40

Prints the top functions by cumulative time and by total (own) time. One warm-up pass runs
first, so imports and first-call caches are not in the profile.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file shares its name with the standard library's `profile`, which cProfile imports: keep
# this folder off the import path until cProfile is loaded, then put it back for `generate`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

sys.path.append(str(HERE))
from generate import DEFAULT_OUT, DEFAULT_SEED, write_templates  # noqa: E402


def profile(path: str) -> cProfile.Profile:
    """Profile one load_file + analyse_template of `path` (after a warm-up pass)."""
    from loopcheck.load.loader import Template, load_file
    from loopcheck.pipeline.analysis import analyse_template

    def once() -> int:
        loaded = load_file(path)
        assert isinstance(loaded, Template), loaded
        return len(analyse_template(path, loaded.data))

    started = time.perf_counter()
    once()
    print(f"warm-up (unprofiled) load + analyse: {time.perf_counter() - started:.2f} s")
    profiler = cProfile.Profile()
    profiler.enable()
    findings = once()
    profiler.disable()
    print(f"{findings} findings")
    return profiler


def top(profiler: cProfile.Profile, sort: str, count: int) -> str:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats(sort).print_stats(count)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    path = str(write_templates([args.size], DEFAULT_OUT, args.seed)[args.size])
    print(f"profiling {path}")
    profiler = profile(path)
    for sort in ("cumulative", "tottime"):
        print(f"\n=== top {args.top} by {sort} ===")
        print(top(profiler, sort, args.top))


if __name__ == "__main__":
    main()
