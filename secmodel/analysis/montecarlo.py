"""Monte Carlo over user growth, on the same array engine as ``project``.

Each path's user growth in month m >= 1 is the scenario's growth for that month plus
``volatility`` x a standard normal draw, independent per path and month, clipped at the growth
floor of settings.csv so users stay positive. ARPU follows the scenario.

Reproducibility: paths are grouped in fixed blocks of ``BLOCK`` paths, and block b draws its
normals from ``numpy.random.default_rng([seed, b])``. A path's stream therefore depends only on the
seed and its index, never on the chunk size or the number of workers; chunks are whole blocks,
and every sum is taken block by block and combined in block order, so the output files are the
same bytes however the work is split.

Memory: paths are processed in chunks and reduced at once. Quantiles are exact (all values kept)
while they fit in ``EXACT_LIMIT_BYTES``; beyond that a mergeable log-histogram sketch is used
whose estimate lies in the same bin as the exact order statistic, so its relative error is at most
``SKETCH_RELATIVE_ERROR`` (0.39%: 128 bins per octave; the estimate is the bin's middle).
"""

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.analysis.executor import run_in_order
from secmodel.errors import UsageError
from secmodel.inputs.loader import ModelInputs, Scenario
from secmodel.limits import check_memory, check_path_months
from secmodel.model.engine import (
    CompiledModel,
    compile_model,
    run_model,
    user_growth_by_month,
    working_bytes,
)

BLOCK = 1024  # paths per random-stream block
DEFAULT_CHUNK_PATHS = 2 * BLOCK  # paths a process simulates at once
METRICS = (
    "users",
    "mrr",
    "spend_accrual",
    "spend_cash",
    "cumulative_accrual",
    "cumulative_cash",
    "pct_of_revenue",
)
QUANTILES = {"p5": 0.05, "p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95}
EXACT_LIMIT_BYTES = 256 * 2**20
# The sketch bins a value by its float64 exponent and top 7 mantissa bits (as HDR histograms
# do): each octave is cut into 128 bins, so a bin [lo, hi) has hi - lo <= lo / 128 and its middle
# is within 1/256 (0.39%) of every value in it, the exact quantile included. Values from 1e-9 to
# 1e15 get bins of their own (about 10,200); zero has one; larger values share the last.
SKETCH_MANTISSA_BITS = 7
SKETCH_LOW, SKETCH_HIGH = 1e-9, 1e15
SKETCH_RELATIVE_ERROR = 2.0 ** -(SKETCH_MANTISSA_BITS + 1)
_SHIFT = 52 - SKETCH_MANTISSA_BITS
_LOW_KEY = int(np.array([SKETCH_LOW]).view(np.int64)[0] >> _SHIFT)
SKETCH_BINS = int(np.array([SKETCH_HIGH]).view(np.int64)[0] >> _SHIFT) - _LOW_KEY + 1


@dataclass(frozen=True)
class MonteCarloSpec:
    """What to simulate: ``paths`` paths of ``scenario`` over ``horizon_months``."""

    scenario: Scenario
    horizon_months: int
    paths: int
    volatility: float  # standard deviation of the monthly growth shock (fraction/month)
    seed: int
    growth_floor: float  # lowest monthly growth a path may take (fraction; settings.csv)


def check_spec(paths: int, volatility: float, seed: int, prefix: str = "--") -> None:
    """Refuse settings a Monte Carlo cannot use, naming them as the user wrote them: with
    ``prefix`` '--' on the command line, '' for a notebook's parameters."""
    if paths < 1:
        raise UsageError(f"{prefix}paths must be at least 1 (got {paths})")
    if not 0 <= volatility <= 1:
        raise UsageError(
            f"{prefix}volatility must be a fraction from 0 to 1 (got {volatility:g}); "
            "write 0.15 or 15% for 15%"
        )
    if seed < 0:
        raise UsageError(f"{prefix}seed must not be negative (got {seed})")


def chunk_blocks(chunk_paths: int) -> int:
    """Whole blocks per chunk: ``chunk_paths`` rounded up to blocks of BLOCK paths (at least
    one)."""
    return max(1, math.ceil(chunk_paths / BLOCK))


def chunk_bytes(model: CompiledModel, spec: MonteCarloSpec, chunk_paths: int) -> int:
    """Estimated memory (bytes) of one chunk: the engine's arrays for its paths, the values it
    keeps for exact quantiles (at most EXACT_LIMIT_BYTES in all) or its sketch and the sketch
    they are merged into."""
    months = spec.horizon_months + 1
    paths = min(spec.paths, chunk_blocks(chunk_paths) * BLOCK)
    kept = len(METRICS) * 8 * months
    if spec.paths * kept <= EXACT_LIMIT_BYTES:
        extra = spec.paths * kept
    else:
        extra = 3 * (SKETCH_BINS + 2) * kept
    return working_bytes(model, paths, spec.horizon_months, per_item=False) + extra


def seconds_per_path_month(model: CompiledModel, spec: MonteCarloSpec) -> float:
    """The engine's time per simulated path-month here, measured on a few paths (at most
    64 MB of them)."""
    per_path = working_bytes(model, 1, spec.horizon_months, per_item=False)
    paths = max(1, min(spec.paths, BLOCK, 64 * 2**20 // per_path))
    started = time.perf_counter()
    simulate_paths(model, dataclasses.replace(spec, paths=paths), 0, 1)
    return (time.perf_counter() - started) / (paths * (spec.horizon_months + 1))


def check_size(model: CompiledModel, spec: MonteCarloSpec, chunk_paths: int, runs: int = 1):
    """Refuse, before anything is simulated, a Monte Carlo beyond the limits of
    :mod:`secmodel.limits`: its path-months (``runs`` of them, for a sweep) and one chunk's
    memory."""
    months = spec.horizon_months + 1
    path_months = runs * spec.paths * months
    check_path_months(
        f"{runs:,} points x {spec.paths:,} paths x {months:,} months"
        if runs > 1
        else f"{spec.paths:,} paths x {months:,} months",
        path_months,
        lambda: path_months * seconds_per_path_month(model, spec),
        "use fewer paths (10,000 give trigger probabilities to within about 1 percentage "
        "point) or a shorter --horizon",
    )
    check_memory(
        f"a chunk of {min(spec.paths, chunk_blocks(chunk_paths) * BLOCK):,} paths x "
        f"{months:,} months with {len(model.triggers):,} triggers",
        chunk_bytes(model, spec, chunk_paths),
        f"give a smaller --chunk-paths (at least {BLOCK:,}) or a shorter --horizon",
    )


def block_shocks(seed: int, block: int, months: int) -> np.ndarray:
    """Standard normal shocks for the BLOCK paths of ``block``, shape (BLOCK, months)."""
    return np.random.default_rng([seed, block]).standard_normal((BLOCK, months))


def path_growth(spec: MonteCarloSpec, first_block: int, last_block: int) -> np.ndarray:
    """Monthly user growth (fraction/month) for the paths of blocks [first, last), (P, T)."""
    months = spec.horizon_months + 1
    base = user_growth_by_month(spec.scenario.growth, spec.horizon_months)
    if spec.volatility == 0:
        return np.broadcast_to(base, ((last_block - first_block) * BLOCK, months)).copy()
    shocks = np.concatenate(
        [block_shocks(spec.seed, b, months) for b in range(first_block, last_block)]
    )
    growth = np.maximum(base + spec.volatility * shocks, spec.growth_floor)
    growth[:, 0] = 0.0  # month 0 is the start
    return growth


def simulate_paths(model: CompiledModel, spec: MonteCarloSpec, first_block: int, last_block: int):
    """Run the engine on the blocks' paths (only those below ``spec.paths``)."""
    growth = path_growth(spec, first_block, last_block)
    keep = min(spec.paths - first_block * BLOCK, len(growth))
    return run_model(
        model, spec.scenario, spec.horizon_months, growth=growth[:keep], per_item=False
    )


def metric_arrays(arrays) -> dict[str, np.ndarray]:
    """The reported metrics of a run, each (P, T)."""
    return {name: getattr(arrays, name) for name in METRICS}


def sketch_bins(values: np.ndarray) -> np.ndarray:
    """The sketch bin of each non-negative value: 0 for zero (and below SKETCH_LOW), then one
    bin per 1/128 of an octave, read straight from the float's bits."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    index = (values.view(np.int64) >> _SHIFT) - _LOW_KEY + 1
    return np.where(values < SKETCH_LOW, 0, np.minimum(index, SKETCH_BINS + 1))


def bin_value(index: np.ndarray) -> np.ndarray:
    """The middle of each bin (0 for the zero bin)."""
    key = np.asarray(index, dtype=np.int64) - 1 + _LOW_KEY
    low = (key << _SHIFT).view(np.float64)
    high = ((key + 1) << _SHIFT).view(np.float64)
    return np.where(np.asarray(index) == 0, 0.0, (low + high) / 2)


@dataclass
class ChunkResult:
    """What one chunk of blocks contributes: per-block sums (kept apart so they can be added in
    block order), counts, and either the values themselves or their sketch."""

    first_block: int
    sums: dict[str, np.ndarray]  # metric -> (blocks, T)
    counts: dict[str, np.ndarray]  # metric -> (blocks, T) non-missing values
    fired_by: np.ndarray  # (K, T) paths whose trigger fired at or before each month
    fire_month_counts: np.ndarray  # (K, T + 1) paths by fire month; last column: never
    stage_by: np.ndarray  # (S, T) paths that reached at least each stage by each month
    values: dict[str, np.ndarray] | None  # metric -> (P, T) when exact
    sketch: dict[str, np.ndarray] | None  # metric -> (T, bins) counts


def reduce_chunk(
    model: CompiledModel, spec: MonteCarloSpec, first_block: int, last_block: int, exact: bool
) -> ChunkResult:
    """Simulate and reduce the paths of blocks [first_block, last_block)."""
    arrays = simulate_paths(model, spec, first_block, last_block)
    metrics = metric_arrays(arrays)
    n_paths, months = arrays.users.shape
    starts = np.arange(0, n_paths, BLOCK)  # block boundaries within the chunk
    sums, counts = {}, {}
    for name, values in metrics.items():
        finite = np.isfinite(values)
        sums[name] = np.add.reduceat(np.where(finite, values, 0.0), starts, axis=0)
        counts[name] = np.add.reduceat(finite.astype(np.int64), starts, axis=0)
    t = np.arange(months)
    fired = arrays.fired_month  # (P, K), -1 = not within the horizon
    fire_month_counts = (
        np.stack([np.bincount(np.where(f >= 0, f, months), minlength=months + 1) for f in fired.T])
        if fired.shape[1]
        else np.zeros((0, months + 1), dtype=np.int64)
    )
    fired_by = np.cumsum(fire_month_counts[:, :months], axis=1)
    reached = np.maximum.accumulate(arrays.stage, axis=1)  # (P, T) highest stage so far
    stage_by = (
        np.stack([(reached >= s).sum(axis=0) for s in range(len(model.stages))])
        if model.stages
        else np.zeros((0, months), dtype=np.int64)
    )
    values = sketch = None
    if exact:
        values = metrics
    else:
        sketch = {}
        for name, data in metrics.items():
            finite = np.isfinite(data)
            index = sketch_bins(np.where(finite, data, 0.0)) + (SKETCH_BINS + 2) * t[None, :]
            sketch[name] = np.bincount(index[finite], minlength=(SKETCH_BINS + 2) * months).reshape(
                months, SKETCH_BINS + 2
            )
    return ChunkResult(
        first_block, sums, counts, fired_by, fire_month_counts, stage_by, values, sketch
    )


def _chunk_job(args):
    inputs, spec, first, last, exact = args
    return reduce_chunk(compile_model(inputs), spec, first, last, exact)


@dataclass(frozen=True)
class MonteCarloResult:
    """The reduced outputs, as the CSVs write them."""

    quantiles: pd.DataFrame  # montecarlo_quantiles.csv
    trigger_probability: pd.DataFrame  # trigger_probability.csv
    firing_quantiles: pd.DataFrame  # trigger_firing_quantiles.csv
    stage_probability: pd.DataFrame  # stage_probability.csv
    exact: bool


def run_montecarlo(
    inputs: ModelInputs,
    spec: MonteCarloSpec,
    workers: int = 1,
    chunk_paths: int = DEFAULT_CHUNK_PATHS,
    progress=None,
    scheduler=None,
) -> MonteCarloResult:
    """Simulate ``spec.paths`` paths in chunks of whole blocks and reduce them, in this process,
    a local process pool (``workers``) or on a Dask cluster (``scheduler``: an address or a
    ``distributed.Client``)."""
    check_spec(spec.paths, spec.volatility, spec.seed)
    model = compile_model(inputs)  # once, for the size check and the tables
    check_size(model, spec, chunk_paths)
    months = spec.horizon_months + 1
    exact = spec.paths * months * len(METRICS) * 8 <= EXACT_LIMIT_BYTES
    n_blocks = math.ceil(spec.paths / BLOCK)
    per_chunk = chunk_blocks(chunk_paths)
    ranges = [(b, min(b + per_chunk, n_blocks)) for b in range(0, n_blocks, per_chunk)]
    merged = Merged(spec, exact)
    jobs = [(inputs, spec, a, b, exact) for a, b in ranges]
    for result in run_in_order(_chunk_job, jobs, workers, scheduler, progress):
        merged.add(result)  # in chunk order
    return combine(model, spec, merged, exact)


class Merged:
    """Chunk results merged as they arrive, so memory does not grow with the number of paths:
    integer counts are added up, per-block sums are kept (small) and added in block order at the
    end, and values are kept only in exact mode (bounded by EXACT_LIMIT_BYTES)."""

    def __init__(self, spec: MonteCarloSpec, exact: bool):
        self.exact = exact
        self.sums: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
        self.counts: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
        self.values: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
        self.sketch: dict[str, np.ndarray] = {}
        self.fired_by = self.fire_month_counts = self.stage_by = None
        self.next_block = 0

    def add(self, r: ChunkResult) -> None:
        assert r.first_block == self.next_block, "chunks must arrive in block order"
        self.next_block += len(next(iter(r.sums.values())))
        for name in METRICS:
            self.sums[name].extend(r.sums[name])
            self.counts[name].extend(r.counts[name])
            if self.exact:
                self.values[name].append(r.values[name])
            else:
                self.sketch[name] = self.sketch.get(name, 0) + r.sketch[name]
        for attr in ("fired_by", "fire_month_counts", "stage_by"):
            current = getattr(self, attr)
            setattr(self, attr, getattr(r, attr) if current is None else current + getattr(r, attr))


def combine(
    model: CompiledModel, spec: MonteCarloSpec, merged: Merged, exact: bool
) -> MonteCarloResult:
    """The output tables from the merged chunks."""
    months = np.arange(spec.horizon_months + 1)
    rows = []
    for name in METRICS:
        total = np.zeros(len(months))
        count = np.zeros(len(months), dtype=np.int64)
        for block_sum, block_count in zip(merged.sums[name], merged.counts[name], strict=True):
            total = total + block_sum  # block order: the same sum whatever the chunking
            count = count + block_count
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        if exact:
            data = np.concatenate(merged.values[name])
            qs = dict(zip(QUANTILES, exact_quantiles(data), strict=True))
        else:
            qs = {label: sketch_quantile(merged.sketch[name], q) for label, q in QUANTILES.items()}
        for m in months:
            rows.append(
                {
                    "month": int(m),
                    "metric": name,
                    **{k: float(v[m]) for k, v in qs.items()},
                    "mean": float(mean[m]),
                }
            )
    quantiles = pd.DataFrame(rows, columns=["month", "metric", *QUANTILES, "mean"])

    n = spec.paths
    fired_by = merged.fired_by
    trigger_probability = pd.DataFrame(
        [
            {"month": int(m), "trigger_id": t.trigger_id, "probability": fired_by[k, m] / n}
            for m in months
            for k, t in enumerate(model.triggers)
        ]
    )
    fire_counts = merged.fire_month_counts
    firing = []
    for k, t in enumerate(model.triggers):
        counts = fire_counts[k]
        firing.append(
            {
                "trigger_id": t.trigger_id,
                "probability_within_horizon": counts[:-1].sum() / n,
                **{label: month_quantile(counts, q) for label, q in QUANTILES.items()},
            }
        )
    firing_quantiles = pd.DataFrame(firing).astype({label: "Int64" for label in QUANTILES})
    stage_by = merged.stage_by
    stage_probability = pd.DataFrame(
        [
            {"month": int(m), "stage": s.stage, "probability": stage_by[i, m] / n}
            for m in months
            for i, s in enumerate(model.stages)
        ]
    )
    return MonteCarloResult(
        quantiles, trigger_probability, firing_quantiles, stage_probability, exact
    )


def exact_quantiles(data: np.ndarray) -> np.ndarray:
    """The QUANTILES of each column of ``data`` (paths, months) by the inverted CDF: the
    ceil(q n)-th smallest value. Without missing values a partial sort finds those ranks in
    linear time; with them, numpy's nanquantile."""
    n = len(data)
    if np.isfinite(data).all():
        ranks = [max(math.ceil(q * n), 1) - 1 for q in QUANTILES.values()]
        return np.partition(data, sorted(set(ranks)), axis=0)[ranks]
    with np.errstate(invalid="ignore"):
        if not np.isfinite(data).any():
            return np.full((len(QUANTILES), data.shape[1]), np.nan)
        return np.nanquantile(data, list(QUANTILES.values()), axis=0, method="inverted_cdf")


def sketch_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Per month, the bin middle of the ceil(q n)-th smallest value (inverted CDF)."""
    cumulative = np.cumsum(counts, axis=1)
    n = cumulative[:, -1]
    rank = np.maximum(np.ceil(q * n), 1)
    index = np.argmax(cumulative >= rank[:, None], axis=1)
    return np.where(n > 0, bin_value(index), np.nan)


def month_quantile(counts: np.ndarray, q: float):
    """The month by which a share q of paths has fired (inverted CDF); empty when fewer fire."""
    cumulative = np.cumsum(counts)
    rank = max(math.ceil(q * cumulative[-1]), 1)
    month = int(np.argmax(cumulative >= rank))
    return month if month < len(counts) - 1 else None
