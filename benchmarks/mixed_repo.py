"""What scanning a repository that is mostly not templates costs, next to scanning only its
templates (issue 16: within 1.3x).

Generates a repository of `--templates` SAM stacks (from generate.py) among the files real
repositories hold beside them: vendored SDK models (large `service-2.json`), a vendored
JavaScript tree of package.json / tsconfig.json (with comments: not valid JSON), docs JSON,
Kubernetes manifests (one and several documents), CI workflows and CodeDeploy AppSpec files.
Then runs `loopcheck scan --format json` as a process over the whole repository and over its
`stacks/` folder alone, paired, and prints the median CPU time (user + system of the child,
steadier than wall time on a busy machine) of each against the target. `--before BIN` adds
the same runs with another loopcheck (e.g. main's, installed in its own venv) as the baseline;
`--callgrind` adds instruction counts (valgrind, PYTHONHASHSEED=0), one run each.

    python benchmarks/mixed_repo.py --before /tmp/venv-main/bin/loopcheck --runs 5
    python benchmarks/mixed_repo.py --scale 0.2 --callgrind --before /tmp/venv-main/bin/loopcheck
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (benchmarks/generate.py, beside this file)

TARGET = 1.3
WORDS = ("bucket object stream queue table function request response shape member error "
         "operation token limit region account policy role version resource").split()


def _sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def service_model(rng: random.Random, operations: int) -> dict:
    """A botocore-like service-2.json: operations, shapes, HTML documentation."""
    ops, shapes = {}, {}
    for i in range(operations):
        name = f"Operation{i}"
        ops[name] = {"name": name, "http": {"method": rng.choice(["GET", "POST", "PUT"]),
                                            "requestUri": f"/v1/items/{{Id}}/op{i}"},
                     "input": {"shape": f"{name}Request"}, "output": {"shape": f"{name}Response"},
                     "errors": [{"shape": "ThrottlingException"}, {"shape": "ValidationException"}],
                     "documentation": f"<p>{_sentence(rng, 30)}</p>"}
        for suffix in ("Request", "Response"):
            shapes[name + suffix] = {
                "type": "structure", "required": ["Id"],
                "members": {f"Member{m}": {"shape": rng.choice(["String", "Integer", "Boolean"]),
                                           "documentation": f"<p>{_sentence(rng)}</p>",
                                           "location": "uri" if m == 0 else "querystring",
                                           "locationName": f"member{m}"} for m in range(6)},
                "documentation": f"<p>{_sentence(rng, 20)}</p>"}
    return {"version": "2.0", "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "svc",
                                           "protocol": "rest-json", "serviceId": "Svc"},
            "operations": ops, "shapes": shapes}


def package_json(rng: random.Random, i: int) -> dict:
    deps = {f"dep-{rng.randrange(500)}": f"^{rng.randrange(9)}.{rng.randrange(20)}.0" for _ in range(8)}
    return {"name": f"pkg-{i}", "version": "1.0.0", "main": "index.js", "license": "MIT",
            "scripts": {"test": "jest", "build": "tsc"}, "dependencies": deps,
            "repository": {"type": "git", "url": f"https://example.com/pkg-{i}.git"}}


TSCONFIG = """{
  // compiler options
  "compilerOptions": {"target": "es2020", "module": "commonjs", "strict": true,},
  "include": ["src"]
}
"""


def docs_json(rng: random.Random, entries: int) -> list:
    return [{"title": _sentence(rng, 4), "slug": f"page-{i}", "body": _sentence(rng, 80),
             "tags": rng.sample(WORDS, 3), "order": i} for i in range(entries)]


def k8s_manifest(rng: random.Random, i: int, documents: int) -> str:
    docs = []
    for d in range(documents):
        docs.append(yaml.safe_dump({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": f"web-{i}-{d}", "labels": {"app": f"web-{i}"}},
            "spec": {"replicas": rng.randrange(1, 5), "template": {"spec": {"containers": [{
                "name": "web", "image": f"nginx:1.{rng.randrange(20, 27)}",
                "args": ["--port", "8080"],
                "env": [{"name": w.upper(), "value": w} for w in rng.sample(WORDS, 6)],
                "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}]}}}}, sort_keys=False))
    return "---\n".join(docs)


def workflow(i: int) -> str:
    return (f"name: ci-{i}\non:\n  push:\n    branches: [main]\njobs:\n  test:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - run: pip install -e .\n      - run: pytest -q\n")


APPSPEC = ("version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
           "Hooks:\n  - BeforeInstall: LambdaFunctionToValidate\n")


def write_repository(root: Path, templates: int, scale: float, seed: int) -> Dict[str, int]:
    """The repository's files; returns how many of each kind."""
    rng = random.Random(seed)
    counts: Dict[str, int] = {}

    def put(kind: str, relative: str, text: str) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        counts[kind] = counts.get(kind, 0) + 1

    dumper = generate._Dumper
    for i in range(templates):
        stack = generate.generate(rng.randrange(15, 45), seed + i)
        put("templates", f"stacks/app{i}/template.yaml",
            yaml.dump(stack, Dumper=dumper, sort_keys=False, width=120))
        for name, text in generate.HANDLERS.items():
            (root / f"stacks/app{i}/src").mkdir(parents=True, exist_ok=True)
            (root / f"stacks/app{i}/src/{name}").write_text(text)
    n = lambda count: max(1, round(count * scale))  # noqa: E731
    for i in range(n(40)):
        model = service_model(rng, rng.randrange(80, 240))
        put("service-2.json", f"vendor/botocore/data/svc{i}/2020-01-01/service-2.json",
            json.dumps(model, indent=2))
    for i in range(n(600)):
        put("package.json", f"web/vendor_modules/pkg-{i}/package.json",
            json.dumps(package_json(rng, i), indent=2))
        if i % 4 == 0:
            put("tsconfig.json", f"web/vendor_modules/pkg-{i}/tsconfig.json", TSCONFIG)
    for i in range(n(80)):
        put("docs JSON", f"docs/api/page-{i}.json", json.dumps(docs_json(rng, rng.randrange(20, 80)), indent=2))
    for i in range(n(100)):
        put("k8s YAML", f"deploy/k8s/app-{i}.yaml", k8s_manifest(rng, i, 1 if i % 2 else 3))
    for i in range(n(20)):
        put("workflows", f"ci/workflows/ci-{i}.yml", workflow(i))
        put("workflows", f".github/workflows/ci-{i}.yml", workflow(i))  # hidden: never entered
    for i in range(n(10)):
        put("appspec", f"deploy/codedeploy/app-{i}/appspec.yml", APPSPEC)
    return counts


def cpu_run(binary: str, folder: Path) -> float:
    """User + system CPU seconds of one `scan --format json` child."""
    process = subprocess.Popen([binary, "scan", "--format", "json", "--fail-on", "never", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime


def instructions(binary: str, folder: Path) -> Optional[int]:
    """Instructions callgrind counts for one `--jobs 1` scan, every process of it summed
    (None when valgrind is absent)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out.%p", binary,
                            "scan", "--jobs", "1", "--format", "json", "--fail-on", "never", str(folder)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
        except FileNotFoundError:
            return None
        totals = [re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.M)
                  for out in Path(tmp).iterdir()]
        return sum(int(match.group(1)) for match in totals if match) or None


def skipped_lists(binary: str, folder: Path) -> List[dict]:
    run = subprocess.run([binary, "scan", "--format", "json", "--fail-on", "never", str(folder)],
                         capture_output=True, text=True)
    document = json.loads(run.stdout)
    return [document["skipped"], document.get("errors", []), document["findings"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--templates", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the non-template counts")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--after", default=str(Path(sys.executable).with_name("loopcheck")),
                        help="the loopcheck measured (default: this interpreter's)")
    parser.add_argument("--before", help="a baseline loopcheck (e.g. main's, in its own venv)")
    parser.add_argument("--callgrind", action="store_true", help="also count instructions (slow)")
    parser.add_argument("--keep", type=Path, help="write the repository here and keep it")
    args = parser.parse_args()

    tmp = None if args.keep else tempfile.TemporaryDirectory()
    root = args.keep or Path(tmp.name)  # type: ignore[union-attr]
    counts = write_repository(root, args.templates, args.scale, args.seed)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"repository {root}: {size / 1e6:.1f} MB; " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"load average {os.getloadavg()[0]:.2f} at start")

    binaries = {"after": args.after, **({"before": args.before} if args.before else {})}
    if args.before:
        same = skipped_lists(args.before, root) == skipped_lists(args.after, root)
        print(f"skipped, errors and findings of the whole repository, before and after: "
              f"{'identical' if same else 'DIFFERENT'}")
    cases = [(name, binary, folder) for name, binary in binaries.items()
             for folder in (root, root / "stacks")]
    times: Dict[tuple, List[float]] = {(name, folder): [] for name, _b, folder in cases}
    started = time.time()
    for _ in range(args.runs):  # paired: every case once per round
        for name, binary, folder in cases:
            times[(name, folder)].append(cpu_run(binary, folder))
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"median CPU s of {args.runs} paired runs ({time.time() - started:.0f} s); "
          f"load average {os.getloadavg()[0]:.2f} at end")
    print(f"{'loopcheck':<10} {'whole repo':>11} {'stacks/ only':>13} {'ratio':>7}  target")
    for name in binaries:
        whole, only = median[(name, root)], median[(name, root / "stacks")]
        verdict = "ok" if whole / only <= TARGET else "over"
        print(f"{name:<10} {whole:>11.2f} {only:>13.2f} {whole / only:>6.2f}x  <= {TARGET}x ({verdict})")
    if args.before:
        gain = median[("before", root)] / median[("after", root)]
        print(f"whole repository, before / after: {gain:.1f}x less CPU")
    if args.callgrind:
        print("instructions (callgrind, --jobs 1, one run each):")
        counts_by = {(name, folder): instructions(binary, folder) for name, binary, folder in cases}
        for name in binaries:
            whole, only = counts_by[(name, root)], counts_by[(name, root / "stacks")]
            if whole is None or only is None:
                print(f"  {name:<8} valgrind absent or failed")
                continue
            print(f"  {name:<8} whole repo {whole / 1e9:.2f} G, stacks/ only {only / 1e9:.2f} G: "
                  f"{whole / only:.2f}x  <= {TARGET}x ({'ok' if whole / only <= TARGET else 'over'})")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
