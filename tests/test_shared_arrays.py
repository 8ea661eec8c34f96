"""Arrays shared with a pool's workers through one file in memory: written there, read here,
the file's space reserved up front (no room: None), and files of dead processes removed."""

import os
import pickle

import numpy as np

from secmodel.analysis import shared_arrays
from secmodel.analysis.executor import process_pool
from secmodel.analysis.shared_arrays import PREFIX, SharedArrays


def write_rows(args) -> int:
    """In a worker: rows [a, b) of every array set to their row numbers."""
    values, a, b = args
    for array in values.arrays.values():
        array[a:b] = np.arange(a, b)[:, None]
    return os.getpid()


def test_a_worker_writes_in_place_and_this_process_reads(monkeypatch, tmp_path):
    monkeypatch.setattr(shared_arrays, "_folders", lambda: [str(tmp_path)])
    values = SharedArrays.create({"users": (10, 3), "mrr": (10, 3)})
    assert len(pickle.dumps(values)) < 500  # the path and the shapes, never the values
    here = values.arrays
    here["users"][:5] = -1.0
    with process_pool(1, preload=(__name__,)) as pool:
        assert pool.submit(write_rows, (values, 5, 10)).result() != os.getpid()
    expected = np.r_[np.full(5, -1.0), np.arange(5, 10)]
    assert np.array_equal(here["users"][:, 0], expected)
    assert np.array_equal(here["mrr"][5:, 2], np.arange(5, 10))
    values.remove()
    assert list(tmp_path.iterdir()) == []
    assert here["users"][9, 1] == 9  # the map outlives the file


def test_no_room_gives_none_and_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(shared_arrays, "_folders", lambda: [str(tmp_path)])
    assert SharedArrays.create({"users": (2**40, 8)}) is None  # 64 TiB
    assert list(tmp_path.iterdir()) == []


def test_a_dead_process_file_is_removed_by_the_next(monkeypatch, tmp_path):
    monkeypatch.setattr(shared_arrays, "_folders", lambda: [str(tmp_path)])
    dead = tmp_path / f"{PREFIX}{2**31 - 1}-left"  # above any pid Linux hands out
    alive = tmp_path / f"{PREFIX}{os.getpid()}-running"
    other = tmp_path / "someone-elses-file"
    for path in (dead, alive, other):
        path.write_bytes(b"x")
    values = SharedArrays.create({"users": (4, 4)})
    assert not dead.exists() and alive.exists() and other.exists()
    values.remove()
