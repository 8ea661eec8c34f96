"""One way to run many independent jobs: in this process, in a local pool of processes, or on a
Dask cluster, with the results in the jobs' order whichever ran them.

Local pools use the ``forkserver`` start method: workers are forked from a small server process
that has no threads, never from the caller (which may run threads: a progress bar, a kernel).
Jobs and their results must be picklable; a Dask cluster's workers need this package installed.
"""

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from secmodel.errors import EnvironmentFailure, UsageError

SCHEDULER_TIMEOUT_SECONDS = 10.0  # how long to wait for a Dask scheduler to answer


def run_in_order(
    fn: Callable,
    jobs: Iterable,
    workers: int = 1,
    scheduler=None,
    progress: Callable[[int], object] | None = None,
) -> Iterator:
    """``fn(job)`` for each job, yielded in the jobs' order; ``progress(1)`` after each.

    ``scheduler`` (a Dask scheduler address or a ``distributed.Client``) sends the jobs to that
    cluster; else ``workers`` > 1 runs them in that many local processes; else here."""
    jobs = list(jobs)
    if scheduler is not None:
        results = _on_dask(fn, jobs, scheduler)
    elif workers > 1 and len(jobs) > 1:
        results = _in_processes(fn, jobs, workers)
    else:
        results = map(fn, jobs)
    for result in results:
        if progress:
            progress(1)
        yield result


def connect_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT_SECONDS):
    """A ``distributed.Client`` of the scheduler at ``address``; an address that is not one is
    a usage error, a scheduler that does not answer within ``timeout`` seconds an
    :class:`~secmodel.errors.EnvironmentFailure`. Close it when done."""
    from distributed import Client

    try:
        return Client(address, timeout=timeout)
    except ValueError as exc:
        raise UsageError(
            f"--scheduler: {exc}; write the scheduler's address as tcp://host:8786"
        ) from None
    except OSError:
        raise EnvironmentFailure(
            f"no Dask scheduler answered at {address} within {timeout:g} s "
            "(--scheduler-timeout); check that it is running and reachable from here"
        ) from None


@contextlib.contextmanager
def cluster(scheduler):
    """The Dask client of ``scheduler`` (an address, connected here and closed after, or a
    ``distributed.Client``, left open), or None without one."""
    if scheduler is None:
        yield None
        return
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    client = connect_scheduler(scheduler)
    try:
        yield client
    finally:
        client.close()


def cluster_cores(client) -> int:
    """The worker threads of a Dask cluster (at least 1): how many jobs it runs at once."""
    workers = client.scheduler_info()["workers"].values()
    return max(1, sum(w.get("nthreads", 1) for w in workers))


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context():
    return multiprocessing.get_context("forkserver")


class BothEnds:
    """The numbers 0 .. n - 1, each handed out once, from the front (:meth:`front`) to a
    pool's workers and from the back (:meth:`back`) to this process, until the two meet: work
    shared without either side waiting for the other. It lives in shared memory; give it to
    :func:`process_pool` (``shared``) and read it in a worker with :func:`shared`. A pool that
    serves many runs keeps one and :meth:`refill` s it for each."""

    def __init__(self, n: int = 0):
        context = _context()
        self._lock = context.Lock()
        self._next = context.RawArray("q", [0, n - 1])  # the front's next, the back's next

    def refill(self, n: int) -> None:
        """Hand out 0 .. n - 1 afresh (when nobody is taking: between runs)."""
        with self._lock:
            self._next[0], self._next[1] = 0, n - 1

    def stop(self) -> None:
        """Hand out nothing more (the numbers the front has taken stay counted)."""
        with self._lock:
            self._next[1] = self._next[0] - 1

    def _take(self, end: int, step: int) -> int | None:
        with self._lock:
            front, back = self._next
            if front > back:
                return None
            taken = self._next[end]
            self._next[end] = taken + step
            return taken

    def front(self) -> int | None:
        """The lowest number not handed out yet, or None when none is left."""
        return self._take(0, 1)

    def back(self) -> int | None:
        """The highest number not handed out yet, or None when none is left."""
        return self._take(1, -1)

    def taken_from_front(self) -> int:
        """How many numbers the front has handed out."""
        with self._lock:
            return self._next[0]


_SHARED = None  # in a pool's worker: what the pool was given to share (process_pool's shared)


def _start_worker(value) -> None:
    """A pool's worker, as it starts: Ctrl-C is left to the caller (which gets it too, and stops
    the work: see :func:`_in_processes`), and ``value`` is kept for :func:`shared`."""
    global _SHARED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _SHARED = value


def shared():
    """In a worker of :func:`process_pool`: the object given as its ``shared``."""
    return _SHARED


def process_pool(workers: int, preload: tuple[str, ...] = (), shared=None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that start with the ``preload`` modules imported, started
    now (the caller goes on meanwhile), each given ``shared`` (for example a :class:`BothEnds`;
    read it with :func:`shared`). Shut it down, or use it as a context manager, when done. The
    workers ignore Ctrl-C: the caller gets it, and shuts the pool down.

    The workers are forked from Python's forkserver, which imports the modules once for all of
    them; it imports :mod:`secmodel.analysis.one_thread` first, so numpy's BLAS starts no
    threads there and it forks with one thread. A server started earlier in this process keeps
    its own preload."""
    context = _context()
    context.set_forkserver_preload(["secmodel.analysis.one_thread", *preload])
    _start_server_ignoring_ctrl_c()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(shared,)
    )
    # start the workers from a thread: the first submission waits for the server's imports
    threading.Thread(target=pool.submit, args=(int,), daemon=True).start()
    return pool


def _start_server_ignoring_ctrl_c() -> None:
    """Start the forkserver (if it is not running) with Ctrl-C ignored, which it and the
    workers forked from it inherit from their start: Ctrl-C while it imports its modules would
    otherwise end it with a traceback. Only the main thread can set that (elsewhere the server
    starts with the first worker, as Python starts it)."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        multiprocessing.forkserver.ensure_running()  # starts it; does not wait for its imports
    finally:
        signal.signal(signal.SIGINT, previous)


def threads_here() -> int:
    """Threads this process runs (Linux: its task list; elsewhere Python's own threads)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _in_processes(fn, jobs, workers) -> Iterator:
    # the workers fork with the job's module imported (once, in the server): none pays for it
    pool = process_pool(min(workers, len(jobs)), preload=(fn.__module__,))
    try:
        yield from pool.map(fn, jobs)
    finally:  # on Ctrl-C (or a caller that stops early) the jobs not started are dropped
        pool.shutdown(cancel_futures=True)


def _on_dask(fn, jobs, scheduler) -> Iterator:
    with cluster(scheduler) as client:
        futures = [client.submit(fn, job, pure=False) for job in jobs]
        for future in futures:  # in job order
            yield future.result()
            future.release()
