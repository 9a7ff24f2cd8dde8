"""Time and peak memory of handler-code analysis on hostile generated handlers.

Each case runs in its own process under `/usr/bin/time -v` (wall time, CPU time, peak RSS),
with an address-space limit and a timeout so that a blow-up cannot take the machine down:

    python benchmarks/handler_budget.py                       # every case, this checkout
    python benchmarks/handler_budget.py --code /work/main     # the same cases, another checkout
    python benchmarks/handler_budget.py --cases js-names-1500,js-bundle-1mb

The handlers come from tests/handler_bundles.py; the outcome column says whether the analysis
finished (and found the handler's write) or gave up, and why.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"

# name -> (generator expression over tests/handler_bundles.py, language)
CASES = {
    "js-names-1500": ("hb.js_many_names(1500)", "js"),
    "js-bundle-36kb": ("hb.js_bundle(36_000)", "js"),
    "js-bundle-155kb": ("hb.js_bundle(155_000)", "js"),
    "js-webpack-850kb": ("hb.js_bundle(850_000, 'webpack')", "js"),
    "js-bundle-1mb": ("hb.js_bundle(990_000)", "js"),
    "js-deep-400": ("hb.js_deep_nesting(400)", "js"),
    "py-names-1500": ("hb.py_many_names(1500)", "py"),
    "py-ifs-1500": ("hb.py_many_ifs(1500)", "py"),
    "py-bundle-1mb": ("hb.py_bundle(990_000)", "py"),
}

_CHILD = """
import sys
# the checkout to measure comes first, also before an editable install's import hook
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path[:0] = [{code!r}, {tests!r}]
import handler_bundles as hb
text = {expr}
if {language!r} == "py":
    from loopcheck.code.python_facts import analyse_python_source as analyse
    facts = analyse(text, "app.py", "handler")
else:
    from loopcheck.code.js_facts import analyse_js_source as analyse
    facts = analyse(text, "index.js", "handler")
if facts.analysed:
    print("analysed, %d write(s)%s" % (len(facts.writes), "" if facts.complete else ", incomplete"))
else:
    print("abandoned: " + "; ".join(facts.problems)[:100])
import loopcheck
assert loopcheck.__file__.startswith({code!r}), loopcheck.__file__
print("bytes=%d" % len(text.encode()))
"""


def _measure(name: str, code: Path, timeout: float, limit_mb: int) -> str:
    expr, language = CASES[name]
    script = _CHILD.format(code=str(code.resolve()), tests=str(TESTS), expr=expr, language=language)
    env = dict(os.environ)
    command = ["/usr/bin/time", "-v", sys.executable, "-c", script]
    limit = f"ulimit -v {limit_mb * 1024}; exec \"$@\""
    try:
        done = subprocess.run(["sh", "-c", limit, "sh", *command], capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return f"{name:18} killed after {timeout:.0f} s"
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
    user = re.search(r"User time \(seconds\): (\S+)", done.stderr)
    system = re.search(r"System time \(seconds\): (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    lines = done.stdout.strip().splitlines()
    outcome = lines[0] if lines and done.returncode == 0 else f"failed (exit {done.returncode}): " + (
        "MemoryError" if "MemoryError" in done.stderr else done.stderr.strip().splitlines()[-1][:60])
    size = lines[-1] if lines else ""
    cpu = float(user.group(1)) + float(system.group(1)) if user and system else 0.0
    return (f"{name:18} {size:14} wall {wall.group(1) if wall else '?':>8}  cpu {cpu:6.2f} s  "
            f"peak {int(rss.group(1)) // 1024 if rss else 0:6d} MB  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=HERE.parent, help="checkout whose loopcheck to measure")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a case is killed")
    parser.add_argument("--limit-mb", type=int, default=4096, help="address-space limit of a case")
    options = parser.parse_args()
    for name in options.cases.split(","):
        print(_measure(name, options.code, options.timeout, options.limit_mb), flush=True)


if __name__ == "__main__":
    main()
