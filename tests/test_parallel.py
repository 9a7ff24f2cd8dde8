"""The worker pool's schedule: every file once, largest first, chunks bounded, results in the
order the files were given."""

from __future__ import annotations

import os
from pathlib import Path

from loopcheck.app.parallel import MAX_CHUNK, chunks_largest_first, run_in_pool


def _files(tmp_path: Path, sizes):
    paths = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"f{number}.yaml"
        path.write_bytes(b"x" * size)
        paths.append(str(path))
    return paths


def test_every_file_is_in_one_chunk_largest_first(tmp_path):
    sizes = [5, 500, 50, 5000, 1, 70, 70, 3] * 20
    paths = _files(tmp_path, sizes)
    chunks = chunks_largest_first(paths, 2)
    flat = [index for chunk in chunks for index in chunk]
    assert sorted(flat) == list(range(len(paths)))
    assert [sizes[i] for i in flat] == sorted(sizes, reverse=True)
    assert all(1 <= len(chunk) <= MAX_CHUNK for chunk in chunks)
    assert len(chunks[-1]) == 1  # the finish is single files


def test_a_missing_file_is_scheduled_too(tmp_path):
    paths = _files(tmp_path, [10, 20]) + [str(tmp_path / "gone.yaml")]
    assert sorted(i for chunk in chunks_largest_first(paths, 2) for i in chunk) == [0, 1, 2]


def _length(path: str, suffix: str) -> str:
    return f"{Path(path).stat().st_size}{suffix}"


def test_results_come_back_in_the_given_order(tmp_path):
    sizes = [3, 300, 30, 3000, 1, 100] * 5
    paths = _files(tmp_path, sizes)
    assert list(run_in_pool(_length, paths, "b", 2)) == [f"{size}b" for size in sizes]


def _pid(path: str, _options: object) -> int:
    return os.getpid()


def test_this_process_works_beside_jobs_minus_one_workers(tmp_path):
    paths = _files(tmp_path, [2000 - 10 * n for n in range(60)])
    pids = set(run_in_pool(_pid, paths, None, 2))
    assert os.getpid() in pids and len(pids) == 2


def test_progress_counts_every_file_once(tmp_path):
    paths = _files(tmp_path, [5, 50, 500] * 10)
    seen = []
    run_in_pool(_length, paths, "b", 2, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(paths), len(paths))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
