"""Survey loopcheck over a folder of bare git mirrors: robustness and speed on real repositories.

MIRRORS holds one folder per repository, MIRRORS/<owner>+<name>/repo (a bare repository, as
the fetch tool lays them out). For each one, the HEAD tree is exported (no network: `git
ls-tree` and `git cat-file --batch`; blobs over 2 MB and symlinks are left out; an empty
`.git` folder marks the export's root, so `CodeUri: ../src` counts as inside the repository),
then `loopcheck scan --format json` runs on it with `--jobs 1` and with `--jobs 2`.

Printed per repository: templates scanned, findings by severity, unreadable and skipped
files, internal errors, wall time and peak RSS of each run, the slowest file (with
`--time-files`, which times every template alone, in one process, in CPU seconds), and whether the two JSON
outputs agree; then a total line, and every internal error with its file and message.

    python scripts/survey.py /work/.mirror --work /tmp/survey
    python scripts/survey.py /work/.mirror --repos widdix --time-files --history 20 --json out.json

`--history N` also scans the versions of templates changed by the last N commits (each one
alone, without its handler code: permissions decide there). Nothing in the mirrors is run;
loopcheck only reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Dict, List, Optional, Sequence, Tuple

MAX_BLOB = 2_000_000
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
INTERNAL = "internal error ("


@dataclass
class Run:
    """One `loopcheck scan` process."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system of the process and the workers it waited for
    peak_rss_mb: float = 0.0
    status: int = 0
    output: Optional[Dict[str, Any]] = None
    stderr: str = ""


@dataclass
class RepoReport:
    repo: str
    exported_files: int = 0
    left_out: int = 0  # blobs over 2 MB, symlinks, submodules, blobs the mirror lacks
    templates: int = 0  # template-looking files loopcheck analysed (not unreadable, not skipped)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    unreadable: int = 0
    skipped: int = 0
    internal: List[Dict[str, str]] = field(default_factory=list)  # {"file", "message"}
    seconds_jobs1: float = 0.0
    seconds_jobs2: float = 0.0
    cpu_jobs1: float = 0.0  # CPU seconds: steadier than wall time on a shared machine
    rss_jobs1_mb: float = 0.0
    rss_jobs2_mb: float = 0.0
    agree: Optional[bool] = None
    slowest: Optional[Tuple[str, float]] = None
    slow_files: List[Tuple[str, float]] = field(default_factory=list)  # over --slow seconds
    notes: List[str] = field(default_factory=list)  # loopcheck's stderr notes
    history: Optional[Dict[str, Any]] = None
    problem: str = ""  # why the repository could not be surveyed


def git_dir(folder: Path) -> Optional[Path]:
    for candidate in (folder / "repo", folder / "repo" / ".git", folder):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def _safe_relative(path: str) -> Optional[PurePosixPath]:
    """A tree path as a relative path that stays inside the export, or None."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "", ".git") for part in pure.parts):
        return None
    return pure


class BlobReader:
    """One `git cat-file --batch` process for a repository, read blob by blob."""

    def __init__(self, git: Path):
        self.process = subprocess.Popen(["git", f"--git-dir={git}", "cat-file", "--batch"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, name: str) -> Optional[bytes]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(name.encode() + b"\n")
        self.process.stdin.flush()
        head = self.process.stdout.readline().split()
        if len(head) < 3 or head[-1] == b"missing":
            return None
        data = self.process.stdout.read(int(head[2]))
        self.process.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def export_tree(git: Path, commit: str, dest: Path) -> Tuple[int, int]:
    """(files written, entries left out): the tree at `commit` under `dest`."""
    listing = subprocess.run(["git", f"--git-dir={git}", "ls-tree", "-r", "-l", "-z", commit],
                             capture_output=True, check=True).stdout
    reader = BlobReader(git)
    written = left_out = 0
    try:
        for entry in filter(None, listing.split(b"\0")):
            meta, _, raw_path = entry.partition(b"\t")
            mode, kind, sha, size = meta.decode().split()
            relative = _safe_relative(raw_path.decode("utf-8", "surrogateescape"))
            if (kind != "blob" or mode == "120000" or not size.isdigit() or int(size) > MAX_BLOB
                    or relative is None):
                left_out += 1
                continue
            data = reader.read(sha)
            if data is None:
                left_out += 1
                continue
            out = dest.joinpath(*relative.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written += 1
    finally:
        reader.close()
    (dest / ".git").mkdir(parents=True, exist_ok=True)
    return written, left_out


def run_scan(loopcheck: Sequence[str], target: Path, jobs: int, out_file: Path) -> Run:
    """One scan, its wall time and the peak RSS of its process tree (os.wait4: the largest
    of the process and the workers it waited for)."""
    command = [*loopcheck, "scan", str(target), "--format", "json", "--jobs", str(jobs)]
    with open(out_file, "wb") as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        err = stderr.read().decode("utf-8", "replace")
    try:
        output = json.loads(out_file.read_text())
    except ValueError:
        output = None
    rss = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return Run(seconds, usage.ru_utime + usage.ru_stime, rss, process.returncode, output, err)


def _comparable(output: Optional[Dict[str, Any]]) -> Any:
    return None if output is None else {k: output.get(k) for k in ("findings", "errors", "skipped")}


def count_templates(root: Path) -> int:
    """Template-looking files loopcheck's own discovery finds under `root`."""
    try:
        from loopcheck.app.scan import discover

        return sum(1 for _path, error in discover([str(root)]) if error is None)
    except ImportError:  # loopcheck not importable here: the same walk, roughly
        total = 0
        for _folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__")]
            total += sum(1 for name in files if name.lower().endswith(TEMPLATE_SUFFIXES))
        return total


def time_files(python: str, root: Path) -> List[Tuple[str, float]]:
    """CPU seconds per template, each scanned alone in one separate process (import paid
    once; CPU rather than wall time, which other processes on the machine inflate)."""
    result = subprocess.run([python, __file__, "--time-files-of", str(root)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"timing files failed: {result.stderr.strip()[-500:]}")
    return [(path, seconds) for path, seconds in json.loads(result.stdout)]


def _time_files_here(root: str) -> None:
    """The --time-files-of helper: runs inside the loopcheck environment."""
    from loopcheck.app.scan import ScanOptions, discover, scan_file

    options = ScanOptions()
    times = []
    for path, error in discover([root]):
        if error is not None:
            continue
        started = time.process_time()
        scan_file(path, options)
        times.append((path, time.process_time() - started))
    json.dump(times, sys.stdout)


def history(git: Path, depth: int, dest: Path) -> List[str]:
    """Template versions changed by the last `depth` commits, written under dest/<commit>/."""
    commits = subprocess.run(["git", f"--git-dir={git}", "rev-list", f"--max-count={depth}", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.split()
    reader = BlobReader(git)
    written = []
    try:
        for commit in commits:
            changed = subprocess.run(
                ["git", f"--git-dir={git}", "diff-tree", "-r", "-z", "--no-commit-id", "--name-only",
                 "--diff-filter=AM", "--root", commit],
                capture_output=True, check=True).stdout
            for raw in filter(None, changed.split(b"\0")):
                path = raw.decode("utf-8", "surrogateescape")
                relative = _safe_relative(path)
                if relative is None or not path.lower().endswith(TEMPLATE_SUFFIXES):
                    continue
                data = reader.read(f"{commit}:{path}")
                if data is None or len(data) > MAX_BLOB:
                    continue
                out = dest.joinpath(commit[:12], *relative.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                written.append(str(out))
    finally:
        reader.close()
    (dest / ".git").mkdir(parents=True, exist_ok=True)
    return written


def _summarise(report: RepoReport, output: Dict[str, Any], discovered: int) -> None:
    severities = [f.get("severity") for f in output.get("findings", [])]
    report.errors = severities.count("error")
    report.warnings = severities.count("warning")
    report.infos = severities.count("info")
    errors = output.get("errors", [])
    report.internal = [{"file": e.get("file", ""), "message": e.get("message", "")}
                       for e in errors if INTERNAL in (e.get("message") or "")]
    report.unreadable = len(errors) - len(report.internal)
    report.skipped = len(output.get("skipped", []))
    report.templates = max(discovered - len(errors) - report.skipped, 0)


def survey_repo(folder: Path, args: argparse.Namespace, loopcheck: List[str], work: Path) -> RepoReport:
    report = RepoReport(folder.name)
    git = git_dir(folder)
    if git is None:
        report.problem = "no bare repository found"
        return report
    dest = work / folder.name / "head"
    if dest.exists():
        shutil.rmtree(dest)
    try:
        report.exported_files, report.left_out = export_tree(git, "HEAD", dest)
    except (subprocess.CalledProcessError, OSError, ValueError) as exc:
        report.problem = f"export failed: {exc}"
        return report
    discovered = count_templates(dest)
    first = run_scan(loopcheck, dest, 1, work / folder.name / "jobs1.json")
    second = run_scan(loopcheck, dest, 2, work / folder.name / "jobs2.json")
    report.seconds_jobs1, report.rss_jobs1_mb = first.seconds, first.peak_rss_mb
    report.cpu_jobs1 = first.cpu_seconds
    report.seconds_jobs2, report.rss_jobs2_mb = second.seconds, second.peak_rss_mb
    report.notes = [line for line in first.stderr.splitlines() if "note:" in line]
    if first.output is None:
        report.problem = f"no JSON from --jobs 1 (exit {first.status}): {first.stderr.strip()[-300:]}"
        return report
    _summarise(report, first.output, discovered)
    report.agree = _comparable(first.output) == _comparable(second.output)
    if args.time_files:
        times = time_files(args.python, dest)
        if times:
            worst = max(times, key=lambda item: item[1])
            report.slowest = (os.path.relpath(worst[0], dest), round(worst[1], 3))
            report.slow_files = [(os.path.relpath(p, dest), round(s, 3)) for p, s in times if s > args.slow]
    if args.history:
        hist = work / folder.name / "history"
        if hist.exists():
            shutil.rmtree(hist)
        versions = history(git, args.history, hist)
        run = run_scan(loopcheck, hist, 1, work / folder.name / "history.json")
        entry: Dict[str, Any] = {"versions": len(versions), "seconds": round(run.seconds, 2)}
        if run.output is not None:
            errors = run.output.get("errors", [])
            entry["findings"] = len(run.output.get("findings", []))
            entry["unreadable"] = sum(1 for e in errors if INTERNAL not in (e.get("message") or ""))
            entry["internal"] = [{"file": e.get("file"), "message": e.get("message")}
                                 for e in errors if INTERNAL in (e.get("message") or "")]
        report.history = entry
    return report


_HEADER = (f"{'repository':<52} {'tmpl':>6} {'err':>4} {'warn':>4} {'info':>4} {'unrd':>5} {'skip':>5} "
           f"{'intl':>4} {'j1 s':>7} {'j1 cpu':>7} {'j2 s':>7} {'j1 MB':>6} {'j2 MB':>6} {'agree':>5}  slowest")


def _line(r: RepoReport) -> str:
    if r.problem:
        return f"{r.repo:<52} {r.problem}"
    slowest = f"{r.slowest[0]} ({r.slowest[1]:.2f} s)" if r.slowest else "-"
    agree = {True: "yes", False: "NO", None: "-"}[r.agree]
    return (f"{r.repo:<52} {r.templates:>6} {r.errors:>4} {r.warnings:>4} {r.infos:>4} {r.unreadable:>5} "
            f"{r.skipped:>5} {len(r.internal):>4} {r.seconds_jobs1:>7.2f} {r.cpu_jobs1:>7.2f} "
            f"{r.seconds_jobs2:>7.2f} "
            f"{r.rss_jobs1_mb:>6.0f} {r.rss_jobs2_mb:>6.0f} {agree:>5}  {slowest}")


def _total(reports: List[RepoReport]) -> str:
    done = [r for r in reports if not r.problem]
    total = RepoReport(f"TOTAL ({len(done)} repositories)")
    for r in done:
        for name in ("templates", "errors", "warnings", "infos", "unreadable", "skipped",
                     "seconds_jobs1", "cpu_jobs1", "seconds_jobs2"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.internal += r.internal
        total.rss_jobs1_mb = max(total.rss_jobs1_mb, r.rss_jobs1_mb)
        total.rss_jobs2_mb = max(total.rss_jobs2_mb, r.rss_jobs2_mb)
    total.agree = all(r.agree for r in done) if done else None
    slowest = [(f"{r.repo}/{r.slowest[0]}", r.slowest[1]) for r in done if r.slowest]
    total.slowest = max(slowest, key=lambda item: item[1]) if slowest else None
    return _line(total)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mirrors", nargs="?", type=Path, help="folder of <owner>+<name>/repo mirrors")
    parser.add_argument("--work", type=Path, help="where exports go (default: a new temporary folder)")
    parser.add_argument("--loopcheck", help="the loopcheck command (default: this Python's -m loopcheck)")
    parser.add_argument("--python", default=sys.executable, help="Python with loopcheck, for --time-files")
    parser.add_argument("--repos", action="append", default=[], help="only folders whose name contains this")
    parser.add_argument("--time-files", action="store_true", help="time every template alone (slower)")
    parser.add_argument("--slow", type=float, default=2.0, help="with --time-files: list files over this (s)")
    parser.add_argument("--history", type=int, default=0, metavar="N",
                        help="also scan the template versions changed by the last N commits")
    parser.add_argument("--json", type=Path, help="also write every report as JSON here")
    parser.add_argument("--keep", action="store_true", help="keep the exports (default: removed after each)")
    parser.add_argument("--time-files-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_files_of:
        _time_files_here(args.time_files_of)
        return 0
    if args.mirrors is None or not args.mirrors.is_dir():
        parser.error("MIRRORS must be a folder of <owner>+<name>/repo mirrors")
    loopcheck = args.loopcheck.split() if args.loopcheck else [sys.executable, "-m", "loopcheck"]
    work = args.work or Path(tempfile.mkdtemp(prefix="loopcheck-survey-"))
    folders = sorted(p for p in args.mirrors.iterdir() if p.is_dir() and not p.name.startswith("."))
    if args.repos:
        folders = [p for p in folders if any(part in p.name for part in args.repos)]
    print(_HEADER, flush=True)
    reports = []
    for folder in folders:
        report = survey_repo(folder, args, loopcheck, work)
        reports.append(report)
        print(_line(report), flush=True)
        if not args.keep:
            shutil.rmtree(work / folder.name / "head", ignore_errors=True)
            shutil.rmtree(work / folder.name / "history", ignore_errors=True)
    print(_total(reports))
    for r in reports:
        for item in r.internal:
            print(f"internal error: {r.repo}: {item['file']}: {item['message']}")
        for path, seconds in r.slow_files:
            print(f"slow file: {r.repo}: {path}: {seconds:.2f} s CPU")
        if max(r.seconds_jobs1, r.seconds_jobs2) > 60:
            print(f"slow repository: {r.repo}: {r.seconds_jobs1:.1f} s (--jobs 1, {r.cpu_jobs1:.1f} s CPU), "
                  f"{r.seconds_jobs2:.1f} s (--jobs 2)")
        if r.agree is False:
            print(f"disagreement: {r.repo}: --jobs 1 and --jobs 2 printed different JSON")
        if r.history and r.history.get("internal"):
            for item in r.history["internal"]:
                print(f"internal error (history): {r.repo}: {item['file']}: {item['message']}")
        for note in r.notes:
            print(f"note: {r.repo}: {note}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2) + "\n")
    return 1 if any(r.internal or r.agree is False or r.problem for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
