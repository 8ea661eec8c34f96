"""Imported first by the worker processes' server (:func:`secmodel.analysis.executor.
process_pool`), before numpy: numpy's BLAS then starts no threads of its own, so the server
forks its workers from a process with one thread, and each worker (one per core) computes on
one core."""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
