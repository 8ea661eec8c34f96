"""Worker processes for CPU-bound steps that hold the GIL (matplotlib drawing, WeasyPrint
layout), so threads would not help.

Workers are forked: they start with the caller's libraries already imported, which is what
makes them cheap enough for jobs of a fraction of a second. Where ``fork`` does not exist, or
only one core is usable, jobs run in the calling process when they are submitted: same
results, no parallelism. Jobs and their results must be picklable.
"""

import gc
import multiprocessing
import os
import queue
from concurrent.futures import Executor, Future, ProcessPoolExecutor


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InlineExecutor(Executor):
    """Runs each job at submission, in this process."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def fork_executor(workers: int | None = None, initializer=None, initargs=()) -> Executor:
    """A pool of ``workers`` forked processes (default: one per usable core);
    ``initializer(*initargs)`` runs in each worker as it starts."""
    workers = usable_cores() if workers is None else workers
    if workers > 1 and can_fork():
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(initializer, initargs),
        )
    if initializer is not None:
        initializer(*initargs)
    return InlineExecutor()


def _start_worker(initializer, initargs) -> None:
    """In a new forked worker: leave the objects it inherited out of garbage collection (a
    collection would write to every one of them, and so copy every page of the parent's memory
    the worker shares), then the pool's own initializer."""
    gc.freeze()
    if initializer is not None:
        initializer(*initargs)


def worker_queue():
    """A queue that forked workers inherit when passed in ``initargs`` (a plain one where
    jobs run in this process)."""
    return multiprocessing.get_context("fork").Queue() if can_fork() else queue.Queue()
