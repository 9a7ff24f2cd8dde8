"""Scanning many files in several processes: this one and `jobs - 1` workers, largest files
first, in chunks that shrink as the work runs out, results handed back in the order the files
were given.

Files are sorted by size, largest first, so the long ones start early and the last chunks
are the small ones: the processes finish close together instead of one waiting on a large
template picked up at the end. A chunk holds about a quarter of each worker's share of the
bytes left (guided scheduling): few messages while much is left, single files at the end.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

Options = TypeVar("Options")
Outcome = TypeVar("Outcome")

MAX_CHUNK = 32


def _size(path: str) -> int:
    try:
        if os.path.isdir(path):  # a Terraform unit: the .tf files it reads
            with os.scandir(path) as entries:
                return sum(entry.stat().st_size for entry in entries
                           if entry.name.endswith(".tf") and entry.is_file())
        return os.stat(path).st_size
    except OSError:  # the worker reports why it cannot be read
        return 0


def chunks_largest_first(paths: Sequence[str], jobs: int) -> List[List[int]]:
    """Indexes of `paths` in chunks: largest files first, each chunk about 1/(4 * jobs) of
    the bytes left (at most MAX_CHUNK files, at least one)."""
    sizes = [_size(path) for path in paths]
    order = sorted(range(len(paths)), key=lambda index: (-sizes[index], index))
    left = sum(sizes)
    chunks: List[List[int]] = []
    chunk: List[int] = []
    taken = 0
    for index in order:
        chunk.append(index)
        taken += sizes[index]
        if len(chunk) >= MAX_CHUNK or taken * 4 * jobs >= left:
            chunks.append(chunk)
            left -= taken
            chunk, taken = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _run_chunk(work: Callable[[str, Options], Outcome], paths: List[str], options: Options) -> List[Outcome]:
    return [work(path, options) for path in paths]


def run_in_pool(work: Callable[[str, Options], Outcome], paths: Sequence[str], options: Options, jobs: int,
                progress: Optional[Callable[[int, int], None]] = None) -> List[Outcome]:
    """work(path, options) for every path, in `jobs` processes (this one and `jobs - 1`
    workers), returned in the order of `paths`. `work` and `options` must pickle.

    The workers take chunks from the large end, this process from the small end, until they
    meet: this process works instead of waiting, and one fewer process is forked and fed."""
    chunks = deque(chunks_largest_first(paths, jobs))
    results: List[Any] = [None] * len(paths)
    finished = 0

    def store(indexes: List[int], outcomes: List[Outcome]) -> None:
        nonlocal finished
        for index, outcome in zip(indexes, outcomes):
            results[index] = outcome
        finished += len(indexes)
        if progress is not None:
            progress(finished, len(paths))

    pending: Dict[Future, List[int]] = {}
    ahead = 2 * (jobs - 1)  # chunks queued per worker, so no worker waits on this process
    with ProcessPoolExecutor(max_workers=jobs - 1) as pool:
        try:
            while chunks:
                while chunks and len(pending) < ahead:
                    chunk = chunks.popleft()
                    pending[pool.submit(_run_chunk, work, [paths[i] for i in chunk], options)] = chunk
                for future in [f for f in pending if f.done()]:
                    store(pending.pop(future), future.result())
                if chunks:
                    chunk = chunks.pop()
                    store(chunk, _run_chunk(work, [paths[i] for i in chunk], options))
            for future in as_completed(list(pending)):
                store(pending.pop(future), future.result())
        finally:
            pool.shutdown(cancel_futures=True)
    return results
