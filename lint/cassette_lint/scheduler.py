"""The parallel scheduler: check many files in forked worker processes (spawned where the OS cannot
fork), results merged in the order of the files.
"""

from __future__ import annotations

import gc
import os
from typing import Iterator

from .discovery import Target
from .options import Options
from .pipeline import FileResult, _Collector, check_file
from .findings import Problem
from .source import Pos

#: below this many files a run stays in one process (starting workers costs more than it saves)
PARALLEL_MIN_FILES = 64


def _check_chunk(args: tuple[list[Target], Options]) -> list[FileResult]:
    targets, options = args
    return [check_file(t, options) for t in targets]


def _warm_up(options: Options) -> None:
    """Import and compile, in this process, what checking any file needs: rule modules, format
    adapters and the compiled schema predicates."""
    from . import formats

    options.active_rules()
    mods = formats.adapters()
    if options.family_enabled("S"):
        from . import schema

        for mod in mods:
            if mod.SCHEMA:  # (httprr traces have no JSON structure to validate)
                schema.fast_validator(mod.SCHEMA)


def check_targets(targets: list[Target], options: Options, jobs: int = 1,
                  progress=None) -> list[FileResult]:
    """Check ``targets`` in order; with ``jobs`` > 1, in worker processes, merged in the same order.

    ``progress``, when given, is called with the number of files just finished.
    """
    if jobs <= 1 or len(targets) < PARALLEL_MIN_FILES:
        out = []
        for t in targets:
            out.append(check_file(t, options))
            if progress:
                progress(1)
        return out
    if CAN_FORK:
        return _check_forked(targets, options, jobs, progress)
    import multiprocessing

    # no fork (Windows): a pool of spawned workers, each importing everything itself; chunks of a
    # few files: few round trips, and a big file does not hold a whole slice hostage
    ctx = multiprocessing.get_context("spawn")
    size = max(1, min(16, len(targets) // (jobs * 8)))
    chunks = [(targets[i:i + size], options) for i in range(0, len(targets), size)]
    out: list[FileResult] = []
    with ctx.Pool(jobs) as pool:
        for results in pool.imap(_check_chunk, chunks):  # imap keeps the input order
            out.extend(results)
            if progress:
                progress(len(results))
    return out


#: workers are forked where the OS can (every Unix): they inherit the imported, warmed-up process
CAN_FORK = hasattr(os, "fork")
#: a forked worker reports to the parent (results, and progress) every this many files, or sooner
#: once this many seconds have passed: each report wakes the parent, which takes a core from the
#: workers (8 files a report cost the parent ~7 ms more CPU than 32 over 1,800 files)
_BATCH = 32
_BATCH_SECONDS = 0.1
#: at most this many claims are queued for the workers (4 bytes each: the queue is written at once,
#: before any worker reads, and must fit any pipe's buffer); more files are claimed several at a time
_MAX_CLAIMS = 1024


def _claims(n: int) -> tuple[int, bytes]:
    """(files per claim, the queue: the first index of every claim as 4 bytes)."""
    per = -(-n // _MAX_CLAIMS)
    return per, b"".join(i.to_bytes(4, "little") for i in range(0, n, per))


def _work(targets: list[Target], options: Options, per: int, queue: int, out: int) -> None:
    """A forked worker: claim files from the queue until it is empty (a pipe whose records another
    worker cannot split: each read takes one whole 4-byte record, and the pipe only ever holds whole
    ones); send ``[(index, result), ...]`` to the parent every few files, as ``length + pickle``."""
    import pickle
    from time import monotonic

    batch: list = []
    due = monotonic() + _BATCH_SECONDS
    while True:
        rec = os.read(queue, 4)
        if len(rec) < 4:
            break  # the queue is empty (every writer closed it: the parent did before forking)
        first = int.from_bytes(rec, "little")
        for i in range(first, min(first + per, len(targets))):
            batch.append((i, check_file(targets[i], options)))
            if len(batch) >= _BATCH or monotonic() >= due:
                _send(out, pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
                batch = []
                due = monotonic() + _BATCH_SECONDS
    if batch:
        _send(out, pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))


def _send(fd: int, payload: bytes) -> None:
    data = memoryview(len(payload).to_bytes(4, "little") + payload)
    while data:
        data = data[os.write(fd, data):]


def _take_batches(buf: bytearray) -> Iterator[list]:
    """The complete ``length + pickle`` messages at the start of ``buf``, decoded and removed from it."""
    import pickle

    while len(buf) >= 4:
        size = int.from_bytes(buf[:4], "little")
        if len(buf) < 4 + size:
            return
        batch = pickle.loads(buf[4:4 + size])
        del buf[:4 + size]
        yield batch


def _read_some(fd: int) -> bytes:
    """What the pipe holds now (b'' once the worker closed it, or died)."""
    try:
        return os.read(fd, 1 << 16)
    except OSError:
        return b""


def _fork_workers(targets: list[Target], options: Options, jobs: int) -> list[tuple[int, int]]:
    """Start ``jobs`` forked workers on ``targets``; ``[(pid, read end of its result pipe), ...]``.
    When a fork fails (a process limit), the workers already started are stopped and it raises."""
    import signal
    import sys

    per, queue = _claims(len(targets))
    q_read, q_write = os.pipe()
    try:  # <= 4 KB, one page: every pipe holds that much; never left waiting for a reader regardless
        os.set_blocking(q_write, False)
        if os.write(q_write, queue) != len(queue):
            raise OSError("the work queue does not fit in a pipe")
    except BaseException:
        os.close(q_read)
        raise
    finally:
        os.close(q_write)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice by a child
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing can be written twice either
            pass
    workers = []
    try:
        for _ in range(jobs):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: work, then leave without running anything of the parent's
                code = 1
                try:
                    os.close(r)
                    for _, other in workers:
                        os.close(other)
                    _work(targets, options, per, q_read, w)
                    code = 0
                finally:
                    os._exit(code)
            os.close(w)
            workers.append((pid, r))
    except BaseException:
        for pid, r in workers:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(r)
        raise
    finally:
        os.close(q_read)
    return workers


def _check_forked(targets: list[Target], options: Options, jobs: int, progress) -> list[FileResult]:
    """Check ``targets`` in ``jobs`` forked workers: plain ``os.fork`` and pipes (``multiprocessing``
    cost every parallel run ~15 ms of imports and set-up before the first file)."""
    import selectors

    _warm_up(options)  # once here, inherited by every worker, instead of once per worker
    gc.freeze()  # what exists now is shared with the workers: keep their collector off those pages
    try:
        try:
            workers = _fork_workers(targets, options, min(jobs, len(targets)))
        except OSError:  # no process to spare: check them here
            return check_targets(targets, options, 1, progress)
        results: list[FileResult | None] = [None] * len(targets)
        pending = {r: bytearray() for _, r in workers}
        sel = selectors.DefaultSelector()
        for fd in pending:
            sel.register(fd, selectors.EVENT_READ)
        while pending:
            for key, _ in sel.select():
                fd = key.fd
                chunk = _read_some(fd)
                if not chunk:  # the worker is done, or died (mid-message even: that part is lost)
                    sel.unregister(fd)
                    os.close(fd)
                    del pending[fd]
                    continue
                pending[fd] += chunk
                for batch in _take_batches(pending[fd]):
                    for i, res in batch:
                        results[i] = res
                    if progress:
                        progress(len(batch))
        sel.close()
        for pid, _ in workers:
            os.waitpid(pid, 0)
    finally:
        gc.unfreeze()
    for i, res in enumerate(results):
        if res is None:  # its worker died (a crash in a C extension?) before reporting this file
            results[i] = _check_alone(targets[i], options)
            if progress:
                progress(1)
    return results  # type: ignore[return-value]


def _check_alone(target: Target, options: Options) -> FileResult:
    """Check one file in a process of its own; a crash becomes an X001 finding on that file."""
    try:
        ((pid, r),) = _fork_workers([target], options, 1)
    except OSError:  # no process to spare: check it here
        return check_file(target, options)
    data = bytearray()
    chunk = _read_some(r)
    while chunk:
        data += chunk
        chunk = _read_some(r)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    for batch in _take_batches(data):
        return batch[0][1]
    from .rules import loading as L

    col = _Collector(target.path, options)
    how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
           else f"exit status {os.waitstatus_to_exitcode(status)}")
    col.add(L.INTERNAL_ERROR, Problem(Pos(1, 1), f"checking this file crashed the worker process ({how}); "
                                      "the other files were checked"))
    return col.result()

