"""The quantile sketch's windows: however values arrive (in any order, spread, with zeros and
overflows, merged from other sketches, sent between processes), its counts are those of the
full histogram of every bin, counted here by numpy's bincount."""

import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from secmodel.analysis import sketch


def full_histogram(batches: list[np.ndarray]) -> np.ndarray:
    """(months, every bin) counts of all batches (months, values), by plain bincount."""
    months = batches[0].shape[0]
    return np.stack(
        [
            np.bincount(
                np.concatenate([sketch.bins_of(b[m]) for b in batches]), minlength=sketch.TOP + 1
            )
            for m in range(months)
        ]
    )


def dense(s: sketch.Sketch) -> np.ndarray:
    month, bins, counts = s.occupied()
    out = np.zeros((len(s.base), sketch.TOP + 1), dtype=np.int64)
    np.add.at(out, (month, bins), counts)
    return out


def batch(draw, months: int) -> np.ndarray:
    """Values for each month: log-normal around a level that moves batch to batch, with some
    zeros, negatives, tiny and huge values."""
    n = draw(st.integers(1, 40))
    level = draw(st.floats(-25, 35))
    spread = draw(st.floats(0, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = np.exp(level + spread * rng.standard_normal((months, n)))
    special = rng.random((months, n))
    values[special < 0.03] = 0.0
    values[(special >= 0.03) & (special < 0.04)] = 1e16  # overflow bin
    values[(special >= 0.04) & (special < 0.05)] = -5.0  # counted with zero
    return values


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_windows_hold_the_full_histogram(data):
    months = data.draw(st.integers(1, 12))
    batches = [batch(data.draw, months) for _ in range(data.draw(st.integers(1, 6)))]
    whole = sketch.Sketch(months)
    for values in batches:
        whole.add(sketch.bins_of(values))
    expected = full_histogram(batches)
    np.testing.assert_array_equal(dense(whole), expected)
    # merged from two halves, one of them sent through pickle as a worker's would be
    cut = len(batches) // 2
    first, second = sketch.Sketch(months), sketch.Sketch(months)
    for values in batches[:cut]:
        first.add(sketch.bins_of(values))
    for values in batches[cut:]:
        second.add(sketch.bins_of(values))
    first.merge(pickle.loads(pickle.dumps(second)))
    np.testing.assert_array_equal(dense(first), expected)
    # and the quantiles are those read off the full histogram
    levels = (0.05, 0.5, 0.95)
    for got, want in zip(whole.quantiles(levels), first.quantiles(levels), strict=True):
        np.testing.assert_array_equal(got, want)


def test_occupied_bins_are_in_month_then_bin_order():
    s = sketch.Sketch(3)
    s.add(sketch.bins_of(np.array([[0.0, 5.0, 1e20], [3.0, 0.0, 2.0], [1e3, 1e-3, 7.0]])))
    month, bins, counts = s.occupied()
    assert list(month) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    order = np.lexsort((bins, month))
    assert (order == np.arange(len(order))).all()
    assert bins[0] == 0 and bins[2] == sketch.TOP and counts.sum() == 9


def test_bins_of_a_transposed_view_equal_those_of_a_copy():
    values = np.exp(np.random.default_rng(1).normal(0, 10, size=(50, 7)))
    np.testing.assert_array_equal(
        sketch.bins_of(values.T), sketch.bins_of(np.ascontiguousarray(values.T))
    )
    assert sketch.bins_of(values.T).flags.c_contiguous


def test_a_month_without_values_has_no_quantile():
    s = sketch.Sketch(2)
    s.add_counts(np.array([0]), np.array([500]), np.array([4]))
    low, high = s.quantiles((0.1, 0.9))
    assert low[0] == high[0] == sketch.bin_value(np.array(500)) and np.isnan(low[1])
