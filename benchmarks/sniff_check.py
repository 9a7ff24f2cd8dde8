"""Proof that skipping non-templates early misses no template and changes no reason.

Every YAML/JSON file under the given folders, and of the bare git repositories given with
--git (read from HEAD with `git cat-file`, no checkout), is read twice: as loopcheck reads it
(the sniff of loopcheck.load.sniff first) and with the sniff switched off (the full read of
every file, as before). The two results must be equal: same kind (template, skipped, error),
same reason or message and position. Prints the counts; exits 1 on any difference.

    python benchmarks/sniff_check.py ../shared/corpus --git /work/.mirror/*/repo
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Tuple

from loopcheck.load import loader, sniff
from loopcheck.load.discovery import TEMPLATE_SUFFIXES


def folder_files(root: Path) -> Iterator[Tuple[str, bytes]]:
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in TEMPLATE_SUFFIXES and path.is_file():
            yield str(path), path.read_bytes()


def git_files(git_dir: Path) -> Iterator[Tuple[str, bytes]]:
    run = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "HEAD"], capture_output=True)
    if run.returncode:  # not a repository, or no HEAD: nothing to read
        print(f"{git_dir}: not read ({run.stderr.decode(errors='replace').strip()})", file=sys.stderr)
        return
    listing = run.stdout.decode("utf-8", "replace")
    wanted = []
    for line in listing.splitlines():
        meta, _, name = line.partition("\t")
        parts = meta.split()
        if parts[1] == "blob" and Path(name).suffix.lower() in TEMPLATE_SUFFIXES:
            wanted.append((parts[2], name))
    batch = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert batch.stdin is not None and batch.stdout is not None
    for sha, name in wanted:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":  # a blob the mirror does not hold
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        yield f"{git_dir}:{name}", data
    batch.stdin.close()
    batch.wait()


def _outcome(result: loader.LoadResult) -> tuple:
    if isinstance(result, loader.Template):
        return ("template",)
    if isinstance(result, loader.Skipped):
        return ("skipped", result.reason, result.empty)
    return ("error", result.message, result.line, result.column)


def _full_read(shown: str, raw: bytes) -> loader.LoadResult:
    """The read with every sniff answering "maybe": each file fully parsed."""
    saved = sniff.could_name_resources, sniff.json_value_is_plain_non_template
    sniff.could_name_resources = lambda text: True
    sniff.json_value_is_plain_non_template = lambda value: False
    try:
        return loader.load_bytes(shown, raw)
    finally:
        sniff.could_name_resources, sniff.json_value_is_plain_non_template = saved


CALLS = {"parse_text": 0, "_parse": 0}  # loader calls during the sniffing read of one file


def _counted(name: str):
    real = getattr(loader, name)

    def call(*args):
        CALLS[name] += 1
        return real(*args)
    return call


def _count_calls() -> None:
    for name in CALLS:
        setattr(loader, name, _counted(name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--git", nargs="*", type=Path, default=[], help="bare git repositories")
    args = parser.parse_args()
    counts = {"files": 0, "templates": 0, "sniffed out": 0, "missed": 0, "different": 0}
    sources = [folder_files(folder) for folder in args.folders if folder.is_dir()]
    sources += [git_files(git_dir) for git_dir in args.git if (git_dir / "HEAD").exists()]
    _count_calls()
    for source in sources:
        for shown, raw in source:
            if len(raw) > loader.DEFAULT_MAX_BYTES:
                continue
            counts["files"] += 1
            CALLS.update({name: 0 for name in CALLS})
            quick = _outcome(loader.load_bytes(shown, raw))
            decided_early = CALLS["parse_text"] and not CALLS["_parse"]  # no values built
            full = _outcome(_full_read(shown, raw))
            if full[0] == "template":
                counts["templates"] += 1
                if quick[0] != "template":
                    counts["missed"] += 1
                    print(f"MISSED {shown}: {quick}")
            elif quick != full:
                counts["different"] += 1
                print(f"DIFFERENT {shown}: {quick} != {full}")
            if decided_early:
                counts["sniffed out"] += 1
    print("  ".join(f"{name}={value}" for name, value in counts.items()))
    return 1 if counts["missed"] or counts["different"] else 0


if __name__ == "__main__":
    sys.exit(main())
