"""Peak memory and CPU of a scan whose functions carry long handlers (issue 16, item 4).

Generates one template of `--functions` SAM functions (200), each triggered by its own
bucket and pointing to its own handler of about `--lines` lines (2,000), in Python or in
JavaScript, then scans it as a whole process under `/usr/bin/time` (peak RSS, user + system
CPU), once per checkout given, and says whether the JSON outputs are byte-identical:

    python benchmarks/handler_memory.py                              # this checkout, both languages
    python benchmarks/handler_memory.py --baseline /tmp/base/bin/loopcheck
    python benchmarks/handler_memory.py --functions 20 --lines 500   # a quick look
    python benchmarks/handler_memory.py --profile --baseline /tmp/base/bin/loopcheck

--profile also prints, per language and per checkout, the top functions by own time of the
analysis of one such handler (cProfile, in the python next to each loopcheck executable).

Generated files go under benchmarks/out/handlers-<language>/ (git-ignored). The target is a
peak under 100 MB in both languages; main at eecb6ef peaked at about 770 MB (Python) and
1,000 MB (JavaScript).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Tuple

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent / "tests"))
import handler_bundles as hb  # noqa: E402  (the handlers are shared with tests/test_code_tree_walks.py)

TARGET_MB = 100
BASELINE_MB = {"py": 772, "js": 1016}  # main at eecb6ef, issue 16


def write_case(language: str, functions: int, lines: int, out: Path = OUT) -> Path:
    """Write the template and its handlers; return the template's path. Same arguments, same bytes."""
    folder = out / f"handlers-{language}-{functions}x{lines}"
    runtime, handler_name, file_name, make = (
        ("python3.12", "app.handler", "app.py", hb.py_long_handler) if language == "py"
        else ("nodejs20.x", "index.handler", "index.js", hb.js_long_handler))
    resources: List[str] = []
    for i in range(functions):
        # every tenth handler writes back to the bucket that triggers it: a loop to report
        output = f"In{i}" if i % 10 == 0 else f"Out{i}"
        source = folder / "src" / f"f{i}"
        source.mkdir(parents=True, exist_ok=True)
        (source / file_name).write_text(make(lines))
        resources.append(
            f"  In{i}:\n    Type: AWS::S3::Bucket\n"
            f"  Out{i}:\n    Type: AWS::S3::Bucket\n"
            f"  F{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            f"      CodeUri: src/f{i}/\n      Handler: {handler_name}\n      Runtime: {runtime}\n"
            f"      Environment:\n        Variables:\n          OUTPUT_BUCKET: !Ref {output}\n"
            f"      Policies:\n        - S3CrudPolicy:\n            BucketName: !Ref {output}\n"
            f"      Events:\n        Upload:\n          Type: S3\n          Properties:\n"
            f"            Bucket: !Ref In{i}\n            Events: s3:ObjectCreated:*\n")
    template = folder / "template.yaml"
    template.write_text("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
                        "Resources:\n" + "".join(resources))
    return template


def measure(loopcheck: str, template: Path) -> Tuple[float, float, bytes]:
    """(peak RSS in MB, user + system CPU seconds, JSON output) of one scan as a process."""
    with tempfile.NamedTemporaryFile(suffix=".time") as times:
        done = subprocess.run(["/usr/bin/time", "-o", times.name, "-f", "%M %U %S", loopcheck, "scan",
                               "--format", "json", str(template)], capture_output=True, check=False)
        fields = Path(times.name).read_text().split()[-3:]
    peak_kb, user, system = int(fields[0]), float(fields[1]), float(fields[2])
    return peak_kb / 1024, user + system, done.stdout


_PROFILE = """
import cProfile, pstats, sys
sys.path.insert(0, {tests!r})
import handler_bundles as hb
if {language!r} == "py":
    from loopcheck.code.python_facts import analyse_python_source as analyse
    text, name = hb.py_long_handler({lines}), "app.py"
else:
    from loopcheck.code.js_facts import analyse_js_source as analyse
    text, name = hb.js_long_handler({lines}), "index.js"
analyse(text, name, "handler")  # warm-up: imports and first-call caches stay out of the profile
profile = cProfile.Profile()
profile.enable()
analyse(text, name, "handler")
profile.disable()
stats = pstats.Stats(profile)
total = sum(row[2] for row in stats.stats.values())
print(f"  {{stats.total_calls:,}} calls, {{total:.3f}} s profiled")
rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:{top}]
for (file, line, function), (_, calls, own, cumulative, _) in rows:
    where = file.rsplit("/", 1)[-1] + ":" + str(line) if line else "built-in"
    print(f"  {{100 * own / total:5.1f}}%  {{calls:>8,}}  {{where:28}} {{function}}")
"""


def profile(loopcheck: str, language: str, lines: int, top: int = 12) -> str:
    """Top functions by own time of one handler's analysis, run by the python next to `loopcheck`."""
    python = str(Path(loopcheck).parent / "python")
    script = _PROFILE.format(tests=str(HERE.parent / "tests"), language=language, lines=lines, top=top)
    done = subprocess.run([python, "-c", script], capture_output=True, text=True, check=False, cwd="/")
    return done.stdout if done.returncode == 0 else f"  profile failed: {done.stderr.strip()[-200:]}"


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--languages", default="py,js")
    parser.add_argument("--loopcheck", default=str(Path(sys.executable).parent / "loopcheck"),
                        help="the loopcheck to measure (default: the one next to this python)")
    parser.add_argument("--baseline", help="another loopcheck executable to measure the same way")
    parser.add_argument("--profile", action="store_true", help="also profile one handler's analysis")
    args = parser.parse_args(argv)
    print(f"{args.functions} functions x {args.lines}-line handlers; target: peak under {TARGET_MB} MB")
    print(f"{'language':9} {'build':9} {'peak MB':>8} {'CPU s':>7}  vs target / issue baseline")
    for language in args.languages.split(","):
        template = write_case(language, args.functions, args.lines)
        runs = [("this", args.loopcheck)] + ([("baseline", args.baseline)] if args.baseline else [])
        outputs = []
        for label, executable in runs:
            peak, cpu, output = measure(executable, template)
            outputs.append(output)
            verdict = "ok" if peak < TARGET_MB else "OVER"
            print(f"{language:9} {label:9} {peak:8.1f} {cpu:7.2f}  {verdict} (< {TARGET_MB} MB; "
                  f"issue baseline {BASELINE_MB[language]} MB)")
        if len(outputs) == 2:
            print(f"{language:9} JSON output {'byte-identical' if outputs[0] == outputs[1] else 'DIFFERS'}"
                  f" ({len(outputs[0])} bytes)")
        if args.profile:
            for label, executable in runs:
                print(f"{language} {label}: one {args.lines}-line handler, top functions by own time")
                print(profile(executable, language, args.lines))


if __name__ == "__main__":
    main()
