"""The one executor: jobs in order here, in local processes, or on Dask; local workers forked
from a server with one thread."""

import os

from secmodel.analysis.executor import BothEnds, process_pool, run_in_order, shared, threads_here


def square(x: int) -> int:
    return x * x


def probe(_) -> tuple[int, str | None]:
    """In a worker, with numpy imported: its threads and its BLAS thread setting."""
    import numpy  # noqa: F401

    return threads_here(), os.environ.get("OPENBLAS_NUM_THREADS")


def take_from_front(_) -> list[int]:
    """In a worker: every number it can take from the front of the pool's BothEnds."""
    taken = []
    while (number := shared().front()) is not None:
        taken.append(number)
    return taken


def test_both_ends_hand_out_each_number_once_across_processes():
    ends = BothEnds(5000)
    with process_pool(2, shared=ends) as pool:
        futures = [pool.submit(take_from_front, 0) for _ in range(2)]
        here = []
        while (number := ends.back()) is not None:
            here.append(number)
        there = [n for f in futures for n in f.result()]
    assert sorted(here + there) == list(range(5000))  # each once
    assert here == sorted(here, reverse=True)  # this side took from the back
    assert ends.taken_from_front() == len(there)


def test_results_in_job_order_whoever_runs_them():
    jobs = list(range(40))
    expected = [x * x for x in jobs]
    assert list(run_in_order(square, jobs)) == expected
    assert list(run_in_order(square, jobs, workers=2)) == expected
    ticks = []
    list(run_in_order(square, jobs, workers=2, progress=ticks.append))
    assert ticks == [1] * len(jobs)


def test_workers_compute_on_one_thread_and_leave_this_process_alone():
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    with process_pool(2, preload=("numpy",)) as pool:
        threads, blas = pool.submit(probe, 0).result()
    assert blas == "1" and threads == 1  # numpy's BLAS started no thread of its own
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before  # set in the server only
