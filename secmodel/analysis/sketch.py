"""The Monte Carlo's quantile sketch: counts of values by log-spaced bin, month by month.

A value's bin is read from its float64 bits (exponent and top 7 mantissa bits, as HDR
histograms do): each octave is cut into 128 bins, so a bin [lo, hi) has hi - lo <= lo / 128 and
its middle is within 1/256 (0.39%) of every value in it, the exact quantile included. Values from
about 1e-9 (the edge of that value's bin) to 1e15 get bins of their own (about 10,200); zero and
the values below share bin 0; larger values share the last.

A month's values fill a narrow run of those bins (a few octaves), so :class:`Sketch` keeps for
each month only a window of bins around the values seen so far, widened when a value falls
outside it: memory and the cost of adding grow with months x the run's width, not with months x
every bin, and the counts are those of the full histogram exactly (the quantiles do not depend
on the windows).
"""

import numpy as np

MANTISSA_BITS = 7
LOW, HIGH = 1e-9, 1e15
RELATIVE_ERROR = 2.0 ** -(MANTISSA_BITS + 1)
_SHIFT = 52 - MANTISSA_BITS
_LOW_KEY = int(np.array([LOW]).view(np.int64)[0] >> _SHIFT)  # LOW's bin: from its lower edge
BINS = int(np.array([HIGH]).view(np.int64)[0] >> _SHIFT) - _LOW_KEY + 1  # bins 1..BINS
TOP = BINS + 1  # the bin of values at or above HIGH
SLACK = 4  # a widened window gets a quarter of its width again as room to grow


def bins_of(values: np.ndarray) -> np.ndarray:
    """The bin of each float64 value (a new C-ordered int64 array of the same shape, whatever
    the layout of ``values``: a transposed view is laid out afresh): 0 for zero, negatives and
    values below LOW's bin, then one bin per 1/128 of an octave, TOP from HIGH up (and NaN)."""
    index = np.empty(values.shape, dtype=np.int64)
    # a non-negative float's bits ordered as integers are ordered as the floats; a negative
    # float's are negative integers, so it lands below LOW's bin with zero
    np.right_shift(values.view(np.int64), _SHIFT, out=index)
    index -= _LOW_KEY - 1
    return np.clip(index, 0, TOP, out=index)


def bin_value(index: np.ndarray) -> np.ndarray:
    """The middle of each bin (0 for the zero bin)."""
    key = np.asarray(index, dtype=np.int64) - 1 + _LOW_KEY
    low = (key << _SHIFT).view(np.float64)
    high = ((key + 1) << _SHIFT).view(np.float64)
    return np.where(np.asarray(index) == 0, 0.0, (low + high) / 2)


def _landing(base: np.ndarray, new_base: np.ndarray, width: int, new_width: int):
    """Where the columns of windows at ``base`` (``width`` wide) land in windows at
    ``new_base`` (``new_width`` wide), row for row: (rows, columns) of those that land and
    the mask of them. Those that do not must be empty (beyond the occupied bins)."""
    columns = (base - new_base)[:, None] + np.arange(width)
    kept = (columns >= 0) & (columns < new_width)
    rows = np.broadcast_to(np.arange(len(base))[:, None], columns.shape)
    return rows[kept], columns[kept], kept


class Sketch:
    """Counts of values by bin for each of ``months`` months. Row m of ``counts`` holds the
    zero bin, then bins ``base[m]`` .. ``base[m] + width - 1``, then the TOP bin."""

    def __init__(self, months: int):
        self.base = np.ones(months, dtype=np.int64)
        self.counts = np.zeros((months, 2), dtype=np.int64)
        # each month's lowest and highest occupied inner bin (TOP and 0 while it has none)
        self.low = np.full(months, TOP, dtype=np.int64)
        self.high = np.zeros(months, dtype=np.int64)

    @property
    def width(self) -> int:
        return self.counts.shape[1] - 2

    def add(self, bins: np.ndarray) -> None:
        """Count the bins (months, values) of :func:`bins_of`: one row per month. The array is
        used as scratch space."""
        months = len(self.base)
        assert bins.shape[0] == months and bins.flags.c_contiguous
        low, high = bins.min(axis=1), bins.max(axis=1)
        edges = np.flatnonzero((low == 0) | (high == TOP))
        if len(edges):  # months with zeros or overflows: the range of their inner bins
            rows = bins[edges]
            low[edges] = np.where(rows == 0, TOP, rows).min(axis=1)
            high[edges] = np.where(rows == TOP, 0, rows).max(axis=1)
        self._cover(low, high)
        # each bin becomes its place in the flattened counts, in place: its column (the zero
        # bin's below the window and TOP's above it, so clipping finds theirs), then its row
        bins -= (self.base - 1)[:, None]
        if len(edges):
            np.clip(bins, 0, self.width + 1, out=bins)
        bins += (np.arange(months) * self.counts.shape[1])[:, None]
        np.add.at(self.counts.reshape(-1), bins.reshape(-1), 1)

    def add_counts(self, month: np.ndarray, bins: np.ndarray, counts) -> None:
        """Add ``counts`` (an array, or one number for each) values in ``bins`` of ``month``."""
        inner = (bins > 0) & (bins < TOP)
        months = len(self.base)
        low = np.full(months, TOP, dtype=np.int64)
        high = np.zeros(months, dtype=np.int64)
        np.minimum.at(low, month[inner], bins[inner])
        np.maximum.at(high, month[inner], bins[inner])
        self._cover(low, high)
        column = bins - self.base[month] + 1
        column[bins == 0] = 0
        column[bins == TOP] = self.width + 1
        np.add.at(self.counts.reshape(-1), month * self.counts.shape[1] + column, counts)

    def _cover(self, low: np.ndarray, high: np.ndarray) -> None:
        """Make each month's window hold its inner bins ``low`` .. ``high`` (low > high: none)
        as well as those it holds: move the windows that must move, or widen them all."""
        has = low <= high
        inside = ~has | ((low >= self.base) & (high < self.base + self.width))
        np.minimum(self.low, low, out=self.low)
        np.maximum(self.high, high, out=self.high)
        if inside.all():
            return
        need = int((self.high + 1 - self.low).max())
        if need <= self.width:
            self._place(np.flatnonzero(~inside), self.width)
        else:
            self._place(np.arange(len(self.base)), min(BINS, need + need // SLACK))

    def _place(self, months: np.ndarray, width: int) -> None:
        """Lay the windows of ``months`` afresh, ``width`` bins wide (every month, when the
        width changes), each centred on its occupied bins, their counts moved along."""
        span = self.high[months] + 1 - self.low[months]
        centred = np.clip(self.low[months] - (width - span) // 2, 1, BINS + 1 - width)
        base = np.where(span > 0, centred, 1)
        rows, columns, kept = _landing(self.base[months], base, self.width, width)
        moved = np.zeros((len(months), width), dtype=np.int64)
        moved[rows, columns] = self.counts[months, 1:-1][kept]
        if width != self.width:
            counts = np.zeros((len(self.base), width + 2), dtype=np.int64)
            counts[:, 0], counts[:, -1] = self.counts[:, 0], self.counts[:, -1]
            self.counts = counts
        self.counts[months, 1:-1] = moved
        self.base[months] = base

    def occupied(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The occupied bins as (month, bin, count), in order of month, then bin."""
        place = np.flatnonzero(self.counts)
        month, column = np.divmod(place, self.counts.shape[1])
        bins = self.base[month] + column - 1
        bins[column == 0] = 0
        bins[column == self.width + 1] = TOP
        return month, bins, self.counts.reshape(-1)[place]

    def merge(self, other: "Sketch") -> None:
        """Add another sketch's counts (same months) into this one, window to window."""
        self._cover(other.low, other.high)
        self.counts[:, 0] += other.counts[:, 0]
        self.counts[:, -1] += other.counts[:, -1]
        rows, columns, kept = _landing(other.base, self.base, other.width, self.width)
        self.counts[:, 1:-1][rows, columns] += other.counts[:, 1:-1][kept]

    def quantiles(self, levels) -> list[np.ndarray]:
        """For each level q in ``levels``, per month, the bin middle of the ceil(q n)-th
        smallest value (inverted CDF; NaN for a month without values): one running count over
        the occupied bins, searched for each month's rank."""
        _, bins, in_bin = self.occupied()
        n = self.counts.sum(axis=1)  # values in each month
        running = np.cumsum(in_bin)
        before = np.cumsum(n) - n  # values in the months before each month
        found = []
        for q in levels:
            rank = np.maximum(np.ceil(q * n), 1)
            at = np.searchsorted(running, before + rank, side="left")
            index = bins[np.minimum(at, max(len(bins) - 1, 0))] if len(bins) else 0
            found.append(np.where(n > 0, bin_value(index), np.nan))
        return found
