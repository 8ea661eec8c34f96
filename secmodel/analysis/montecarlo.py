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
``SKETCH_RELATIVE_ERROR`` (0.39%: 128 bins per octave; the estimate is the bin's middle; see
:mod:`secmodel.analysis.sketch`).
"""

import concurrent.futures
import contextlib
import dataclasses
import itertools
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from secmodel.analysis import sketch
from secmodel.analysis.executor import (
    BothEnds,
    cluster,
    cluster_cores,
    process_pool,
    run_in_order,
    shared,
)
from secmodel.analysis.shared_arrays import SharedArrays
from secmodel.errors import UsageError
from secmodel.inputs.actuals import ScenarioActuals
from secmodel.inputs.loader import ModelInputs, Scenario
from secmodel.limits import check_memory, check_path_months
from secmodel.model.engine import (
    CompiledModel,
    compile_model,
    run_model,
    user_growth_by_month,
    working_bytes,
)

if TYPE_CHECKING:  # pandas is imported where the tables are made: a worker process, which
    import pandas as pd  # imports this module to simulate and reduce, starts sooner without it

BLOCK = 1024  # paths per random-stream block
# Path-months a process simulates at once: one block of 121 months keeps a chunk's arrays near
# the cache and was the fastest of 1, 2 and 4 blocks at that horizon (make bench prints the
# comparison); shorter horizons take more blocks, so each chunk's fixed costs stay small.
CHUNK_PATH_MONTHS = BLOCK * 121
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
SKETCH_RELATIVE_ERROR = sketch.RELATIVE_ERROR


@dataclass(frozen=True)
class MonteCarloSpec:
    """What to simulate: ``paths`` paths of ``scenario`` over ``horizon_months``."""

    scenario: Scenario
    horizon_months: int
    paths: int
    volatility: float  # standard deviation of the monthly growth shock (fraction/month)
    seed: int
    growth_floor: float  # lowest monthly growth a path may take (fraction; settings.csv)
    actuals: ScenarioActuals | None = None  # closed months: the same on every path


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


def default_chunk_paths(horizon_months: int) -> int:
    """Paths per chunk unless told: whole blocks holding about CHUNK_PATH_MONTHS path-months
    (one block from 120 months up)."""
    return BLOCK * max(1, CHUNK_PATH_MONTHS // (BLOCK * (horizon_months + 1)))


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
        extra = 2 * (sketch.BINS + 2) * kept  # at most: a worker's sketches, and the merged
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
    """Monthly user growth (fraction/month) for the paths of blocks [first, last), (P, T).
    With actuals only the months after the last closed one are drawn (the others are the
    scenario's growth, which the actuals replace from their first month)."""
    months = spec.horizon_months + 1
    base = user_growth_by_month(spec.scenario.growth, spec.horizon_months)
    growth = np.broadcast_to(base, ((last_block - first_block) * BLOCK, months)).copy()
    if spec.volatility == 0:
        return growth
    drawn = 0 if spec.actuals is None else spec.actuals.last + 1  # the first month drawn
    shocks = np.concatenate(
        [block_shocks(spec.seed, b, months - drawn) for b in range(first_block, last_block)]
    )
    growth[:, drawn:] = np.maximum(base[drawn:] + spec.volatility * shocks, spec.growth_floor)
    growth[:, 0] = 0.0  # month 0 is the start
    return growth


def simulate_paths(model: CompiledModel, spec: MonteCarloSpec, first_block: int, last_block: int):
    """Run the engine on the blocks' paths (only those below ``spec.paths``)."""
    growth = path_growth(spec, first_block, last_block)
    keep = min(spec.paths - first_block * BLOCK, len(growth))
    return run_model(
        model,
        spec.scenario,
        spec.horizon_months,
        growth=growth[:keep],
        per_item=False,
        actuals=spec.actuals,
    )


@dataclass(frozen=True)
class Keep:
    """What a run reduces: which metrics, every month or the horizon's only, and whether the
    stage probabilities (a sweep keeps one quantile and the trigger probabilities)."""

    metrics: tuple[str, ...] = METRICS
    last_month_only: bool = False
    stages: bool = True


class Accumulator:
    """What a span of consecutive blocks reduces to, in buffers that live for the whole span:
    per-block sums and counts of each metric (added up in block order at the end, so the
    totals do not depend on how the work was split), paths by fire month for each trigger,
    paths that reached each stage by each month, and either every value (exact quantiles) or a
    :class:`~secmodel.analysis.sketch.Sketch` per metric that each chunk's bins are added to.
    Chunks may come in any order and need not cover the span (``done``: the blocks added).
    Exact values may live in ``shared`` arrays (the whole run's, which a pool's workers write in
    place): they are then never sent between processes."""

    def __init__(self, model: CompiledModel, spec: MonteCarloSpec, exact: bool, first_block: int,
                 last_block: int, keep: "Keep | None" = None,
                 shared: SharedArrays | None = None):  # fmt: skip
        keep = keep or Keep()
        all_months = spec.horizon_months + 1
        months = 1 if keep.last_month_only else all_months
        blocks = last_block - first_block
        paths = min(spec.paths, last_block * BLOCK) - first_block * BLOCK
        self.exact, self.first_block = exact, first_block
        self.metrics, self.columns = keep.metrics, slice(all_months - months, all_months)
        self.sums = {name: np.zeros((blocks, months)) for name in self.metrics}
        self.counts = {name: np.zeros((blocks, months), dtype=np.int64) for name in self.metrics}
        self.fire_month_counts = np.zeros((len(model.triggers), all_months + 1), dtype=np.int64)
        self.stage_by = np.zeros((len(model.stages), all_months), dtype=np.int64)
        if exact and shared is not None:
            self.values = shared.arrays
        elif exact:
            self.values = {name: np.empty((paths, months)) for name in self.metrics}
        else:
            self.values = None
        self.shared = shared
        self.all_finite = dict.fromkeys(self.metrics, True)  # every value so far a number
        self.sketch = None if exact else {name: sketch.Sketch(months) for name in self.metrics}
        self.keep_stages = keep.stages
        self.done = np.zeros(blocks, dtype=bool)
        self.paths = paths
        self.packed = False  # values of the done blocks' paths only (as sent between processes)

    def add(self, model: CompiledModel, arrays, first_block: int) -> None:
        """Reduce one chunk's arrays (its paths start at block ``first_block``; chunks may
        come in any order: each block's sums have their own row)."""
        n_paths, months = arrays.users.shape
        blocks = -(-n_paths // BLOCK)
        b0 = first_block - self.first_block
        assert b0 >= 0 and b0 + blocks <= len(self.done) and not self.done[b0 : b0 + blocks].any()
        self.done[b0 : b0 + blocks] = True
        starts = np.arange(0, n_paths, BLOCK)  # block boundaries within the chunk
        p0 = b0 * BLOCK
        for name in self.metrics:
            values = getattr(arrays, name)[:, self.columns]
            finite = np.isfinite(values)
            all_finite = bool(finite.all())
            self.all_finite[name] &= all_finite
            kept = values if all_finite else np.where(finite, values, 0.0)
            self.sums[name][b0 : b0 + blocks] = np.add.reduceat(kept, starts, axis=0)
            if all_finite:
                self.counts[name][b0 : b0 + blocks] = np.diff(np.r_[starts, n_paths])[:, None]
            else:
                self.counts[name][b0 : b0 + blocks] = np.add.reduceat(
                    finite, starts, axis=0, dtype=np.int64
                )
            if self.exact:
                self.values[name][p0 : p0 + n_paths] = values
            else:
                bins = sketch.bins_of(values.T)  # one row per month: each month's adds together
                if all_finite:
                    self.sketch[name].add(bins)
                else:
                    month, _ = np.nonzero(finite.T)
                    self.sketch[name].add_counts(month, bins[finite.T], 1)
        fired = arrays.fired_month  # (P, K), -1 = not within the horizon
        for k in range(fired.shape[1]):
            self.fire_month_counts[k] += np.bincount(
                np.where(fired[:, k] >= 0, fired[:, k], months), minlength=months + 1
            )
        if len(model.stages) and self.keep_stages:
            reached = np.maximum.accumulate(arrays.stage, axis=1)  # highest stage so far
            for s in range(len(model.stages)):
                self.stage_by[s] += np.count_nonzero(reached >= s, axis=0)

    def done_paths(self) -> np.ndarray:
        """The rows of ``values`` that hold paths of the done blocks."""
        return np.flatnonzero(np.repeat(self.done, BLOCK)[: self.paths])

    def __getstate__(self) -> dict:
        """Sent between processes with only the done blocks' values (a worker's accumulator
        spans the whole run but holds its own chunks' only), or none: they are in the shared
        arrays."""
        state = self.__dict__.copy()
        if self.shared is not None:
            state["values"] = None
        elif self.exact and not self.packed:
            rows = self.done_paths()
            state["values"] = {name: v[rows] for name, v in self.values.items()}
            state["packed"] = True
        return state

    def merge(self, part: "Accumulator") -> None:
        """Take in the accumulator of a span within this one's, its done blocks only (it may
        have been sent back by a worker)."""
        b0 = part.first_block - self.first_block
        blocks = b0 + np.flatnonzero(part.done)
        assert not self.done[blocks].any()
        self.done[blocks] = True
        copy_values = self.exact and part.shared is None  # else written in place
        rows = b0 * BLOCK + part.done_paths() if copy_values else None
        for name in self.metrics:
            self.sums[name][blocks] = part.sums[name][part.done]
            self.counts[name][blocks] = part.counts[name][part.done]
            self.all_finite[name] &= part.all_finite[name]
            if copy_values:
                values = part.values[name]
                self.values[name][rows] = values if part.packed else values[rows - b0 * BLOCK]
            elif not self.exact:
                self.sketch[name].merge(part.sketch[name])
        self.fire_month_counts += part.fire_month_counts
        self.stage_by += part.stage_by


def reduce_span(model: CompiledModel, spec: MonteCarloSpec, first_block: int, last_block: int,
                exact: bool, per_chunk: int, progress=None,
                keep: Keep | None = None) -> Accumulator:  # fmt: skip
    """Simulate the blocks [first_block, last_block) chunk by chunk (``per_chunk`` blocks at a
    time) into one accumulator; ``progress(1)`` after each chunk."""
    accumulator = Accumulator(model, spec, exact, first_block, last_block, keep)
    for first in range(first_block, last_block, per_chunk):
        last = min(first + per_chunk, last_block)
        accumulator.add(model, simulate_paths(model, spec, first, last), first)
        if progress:
            progress(1)
    return accumulator


def _span_job(args) -> Accumulator:
    """One span of the run reduced by a worker: one accumulator, sent back once."""
    inputs, spec, first, last, exact, per_chunk = args
    return reduce_span(compile_model(inputs), spec, first, last, exact, per_chunk)


def _add_chunk(accumulator: Accumulator, model, spec, chunk: int, per_chunk: int) -> None:
    """Simulate chunk number ``chunk`` (of ``per_chunk`` blocks) into the accumulator."""
    first = chunk * per_chunk
    last = min(first + per_chunk, len(accumulator.done))
    accumulator.add(model, simulate_paths(model, spec, first, last), first)


def _front_job(args) -> Accumulator:
    """A pool worker's share of a local run: chunks taken from the front of the run's
    :class:`~secmodel.analysis.executor.BothEnds` until none is left, reduced into one
    accumulator for the whole run (exact values into the run's shared arrays, if it has them),
    sent back once."""
    inputs, spec, exact, per_chunk, n_blocks, values = args
    model = compile_model(inputs)
    accumulator = Accumulator(model, spec, exact, 0, n_blocks, shared=values)
    chunks = shared()
    while (chunk := chunks.front()) is not None:
        _add_chunk(accumulator, model, spec, chunk, per_chunk)
    return accumulator


def _quantiles_job(args) -> dict[int, np.ndarray]:
    """A pool worker's share of a run's exact quantiles: the pieces (metric, months) taken from
    the front of the :class:`~secmodel.analysis.executor.BothEnds`, by piece number."""
    chunks, found = shared(), {}
    while (number := chunks.front()) is not None:
        found[number] = _piece_quantiles(*args, number)
    return found


def _piece_quantiles(values: SharedArrays, pieces: list, all_finite: dict, number: int):
    """The exact QUANTILES of piece ``number`` (a metric and a span of months), by the whole
    metric's method."""
    name, months = pieces[number]
    return exact_quantiles(values.arrays[name][:, months], all_finite[name])


class LocalWorkers:
    """Processes of this machine for Monte Carlo runs: this one and a pool of ``count - 1``,
    started now and kept for every run given them (``run_montecarlo(..., workers=this)``, one
    run at a time) until closed; use it as a context manager. A run given a number of workers
    starts its own and closes them after, so its time includes the pool's start (a Python
    process importing numpy and this package); started ahead (``secmodel montecarlo`` starts
    them while it reads the inputs) or kept for later runs, they are ready when a run begins."""

    def __init__(self, count: int):
        if count < 2:
            raise UsageError(f"local workers are two processes or more (got {count})")
        self.count = count
        self.chunks = BothEnds()  # refilled for each run
        self.pool = process_pool(count - 1, preload=(__name__,), shared=self.chunks)
        self.one_run = threading.Lock()

    def close(self) -> None:
        """Stop the pool's processes (after the job they are on)."""
        self.pool.shutdown(cancel_futures=True)

    def __enter__(self) -> "LocalWorkers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass(frozen=True)
class MonteCarloResult:
    """The reduced outputs, as the CSVs write them."""

    quantiles: "pd.DataFrame"  # montecarlo_quantiles.csv
    trigger_probability: "pd.DataFrame"  # trigger_probability.csv
    firing_quantiles: "pd.DataFrame"  # trigger_firing_quantiles.csv
    stage_probability: "pd.DataFrame"  # stage_probability.csv
    exact: bool


def is_exact(spec: MonteCarloSpec) -> bool:
    """Whether a run keeps every value (exact quantiles) rather than the sketch: while all of
    them fit in EXACT_LIMIT_BYTES."""
    return spec.paths * (spec.horizon_months + 1) * len(METRICS) * 8 <= EXACT_LIMIT_BYTES


def at_horizon(
    inputs: ModelInputs, spec: MonteCarloSpec, model: CompiledModel | None = None
) -> tuple[float, dict[str, float]]:
    """What a sweep keeps of a Monte Carlo, and only that reduced: P90 of cumulative cash spend
    at the horizon (USD) and each trigger's probability of firing within it (fraction), equal
    to those of :func:`run_montecarlo` (the same exact or sketch quantile)."""
    model = model or compile_model(inputs)
    exact = is_exact(spec)
    keep = Keep(("cumulative_cash",), last_month_only=True, stages=False)
    n_blocks = math.ceil(spec.paths / BLOCK)
    per_chunk = chunk_blocks(default_chunk_paths(spec.horizon_months))
    acc = reduce_span(model, spec, 0, n_blocks, exact, per_chunk, keep=keep)
    if exact:
        p90 = exact_quantiles(acc.values["cumulative_cash"])[list(QUANTILES).index("p90")]
    else:
        p90 = acc.sketch["cumulative_cash"].quantiles([QUANTILES["p90"]])[0]
    fired = acc.fire_month_counts[:, :-1].sum(axis=1)
    probability = {t.trigger_id: fired[k] / spec.paths for k, t in enumerate(model.triggers)}
    return float(p90[0]), probability


def spans(n_blocks: int, per_chunk: int, parts: int) -> list[tuple[int, int]]:
    """The blocks cut into at most ``parts`` consecutive spans of whole chunks, as even as
    whole chunks allow."""
    chunks = -(-n_blocks // per_chunk)
    parts = max(1, min(parts, chunks))
    bounds = [min(n_blocks, round(chunks * i / parts) * per_chunk) for i in range(parts + 1)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def run_montecarlo(
    inputs: ModelInputs,
    spec: MonteCarloSpec,
    workers: "int | LocalWorkers" = 1,
    chunk_paths: int | None = None,
    progress=None,
    scheduler=None,
) -> MonteCarloResult:
    """Simulate ``spec.paths`` paths in chunks of whole blocks (``chunk_paths`` paths, rounded
    up to blocks; by default :func:`default_chunk_paths`) and reduce them, in this process, on
    local processes (``workers``: how many, started for this run, or :class:`LocalWorkers`
    started ahead) or on a Dask cluster (``scheduler``: an address or a
    ``distributed.Client``). On Dask each worker reduces one span of consecutive chunks into
    its own accumulator and sends it back once; locally this process shares the chunks with
    the pool (:func:`_in_pool`); ``progress(n)`` counts chunks done."""
    check_spec(spec.paths, spec.volatility, spec.seed)
    model = compile_model(inputs)  # once, for the size check and the tables
    chunk_paths = chunk_paths or default_chunk_paths(spec.horizon_months)
    check_size(model, spec, chunk_paths)
    exact = is_exact(spec)
    n_blocks = math.ceil(spec.paths / BLOCK)
    per_chunk = chunk_blocks(chunk_paths)
    local = workers if isinstance(workers, LocalWorkers) else None
    if scheduler is None and (n_blocks <= per_chunk or (local is None and workers <= 1)):
        accumulator = reduce_span(model, spec, 0, n_blocks, exact, per_chunk, progress)
        return combine(model, spec, accumulator, exact)  # one chunk, or one process
    if scheduler is None:
        with contextlib.ExitStack() as started_here:
            if local is None:
                local = started_here.enter_context(LocalWorkers(workers))
            accumulator, quantiles = _in_pool(inputs, model, spec, exact, per_chunk, local,
                                              progress)  # fmt: skip
        return combine(model, spec, accumulator, exact, quantiles)
    with cluster(scheduler) as client:
        parts = spans(n_blocks, per_chunk, cluster_cores(client))
        jobs = [(inputs, spec, a, b, exact, per_chunk) for a, b in parts]
        whole = Accumulator(model, spec, exact, 0, n_blocks)
        for (a, b), result in zip(parts, run_in_order(_span_job, jobs, 1, client), strict=True):
            whole.merge(result)
            if progress:
                progress(-(-(b - a) // per_chunk))  # the span's chunks
    return combine(model, spec, whole, exact)


def _in_pool(inputs, model, spec, exact: bool, per_chunk: int, local: LocalWorkers, progress):
    """The run on the local workers: this process and their pool. The chunks are handed out
    one at a time (:func:`_from_both_ends`): to the pool's workers from the front, to this
    process from the back, until none is left. So this process works while the pool starts,
    and neither side waits for the other at the end but for the chunk it is on. Each worker
    keeps one accumulator for all its chunks and sends it back once; exact values go to arrays
    both sides share, and the exact quantiles are shared out the same way. The accumulator,
    and the quantiles by metric when they were computed here (else None); ``progress``
    counts the pool's chunks as they are taken."""
    n_blocks = math.ceil(spec.paths / BLOCK)
    months = spec.horizon_months + 1
    values = SharedArrays.create(dict.fromkeys(METRICS, (spec.paths, months))) if exact else None
    try:
        with local.one_run:
            whole = Accumulator(model, spec, exact, 0, n_blocks, shared=values)
            reported = 0

            def here(chunk: int) -> None:
                nonlocal reported
                _add_chunk(whole, model, spec, chunk, per_chunk)
                if progress:
                    taken = local.chunks.taken_from_front()
                    progress(1 + taken - reported)
                    reported = taken

            job = (inputs, spec, exact, per_chunk, n_blocks, values)
            for part in _from_both_ends(local, -(-n_blocks // per_chunk), _front_job, job, here):
                whole.merge(part)
            if progress and local.chunks.taken_from_front() > reported:
                progress(local.chunks.taken_from_front() - reported)
            if values is None:
                return whole, None
            return whole, _quantiles_in_pool(local, values, whole.all_finite, months)
    finally:
        if values is not None:
            values.remove()  # the maps stay while the accumulator's arrays do


def _quantiles_in_pool(local: LocalWorkers, values: SharedArrays, all_finite: dict, months: int):
    """The exact QUANTILES of each metric by month (as :func:`exact_quantiles` of the whole
    metric), computed in pieces of about a quarter of the months that this process and the
    pool share out (:func:`_from_both_ends`)."""
    step = -(-months // 4)
    pieces = [(name, slice(a, a + step)) for name in METRICS for a in range(0, months, step)]
    job, found = (values, pieces, all_finite), {}

    def here(number: int) -> None:
        found[number] = _piece_quantiles(*job, number)

    for part in _from_both_ends(local, len(pieces), _quantiles_job, job, here):
        found.update(part)
    quantiles = {name: np.empty((len(QUANTILES), months)) for name in METRICS}
    for number, (name, span) in enumerate(pieces):
        quantiles[name][:, span] = found[number]
    return quantiles


def _from_both_ends(local: LocalWorkers, n: int, job, args, here) -> list:
    """The numbers 0 .. n - 1 shared between this process and the local workers' pool: each
    pool worker runs ``job(args)``, which takes numbers from the front of ``local.chunks``,
    while this process calls ``here(number)`` for those it takes from the back. The pool's
    results when both are done; if this process fails, the workers stop after the number they
    are on (ready for another run) and the failure goes on."""
    chunks = local.chunks
    chunks.refill(n)
    futures: list = []
    # a submission waits for a pool that is still starting: submit from a thread while this
    # process works
    submitting = threading.Thread(
        target=lambda: futures.extend(local.pool.submit(job, args) for _ in range(local.count - 1))
    )
    submitting.start()
    try:
        while (number := chunks.back()) is not None:
            here(number)
    except BaseException:
        chunks.stop()
        submitting.join()
        concurrent.futures.wait(futures)
        raise
    submitting.join()
    return [future.result() for future in futures]


def combine(
    model: CompiledModel,
    spec: MonteCarloSpec,
    merged: Accumulator,
    exact: bool,
    quantiles: dict[str, np.ndarray] | None = None,
) -> MonteCarloResult:
    """The output tables from the merged chunks (and the QUANTILES of each metric by month,
    computed here unless given)."""
    import pandas as pd

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
        if quantiles is not None:
            qs = dict(zip(QUANTILES, quantiles[name], strict=True))
        elif exact:
            data = merged.values[name]
            qs = dict(zip(QUANTILES, exact_quantiles(data, merged.all_finite[name]), strict=True))
        else:
            qs = dict(
                zip(QUANTILES, merged.sketch[name].quantiles(QUANTILES.values()), strict=True)
            )
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
    fired_by = np.cumsum(merged.fire_month_counts[:, :-1], axis=1)  # fired at or before
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


def exact_quantiles(data: np.ndarray, all_finite: bool | None = None) -> np.ndarray:
    """The QUANTILES of each column of ``data`` (paths, months) by the inverted CDF: the
    ceil(q n)-th smallest value. Without missing values a partial sort finds those ranks in
    linear time; with them, numpy's nanquantile. ``all_finite``: whether every value of the
    whole metric is a number (known from the run; a piece of it takes the whole's method, so
    the pieces give the whole's figures); unless given, read from ``data``."""
    n = len(data)
    if np.isfinite(data).all() if all_finite is None else all_finite:
        ranks = [max(math.ceil(q * n), 1) - 1 for q in QUANTILES.values()]
        return np.partition(data, sorted(set(ranks)), axis=0)[ranks]
    with np.errstate(invalid="ignore"):
        if not np.isfinite(data).any():
            return np.full((len(QUANTILES), data.shape[1]), np.nan)
        return np.nanquantile(data, list(QUANTILES.values()), axis=0, method="inverted_cdf")


def month_quantile(counts: np.ndarray, q: float):
    """The month by which a share q of paths has fired (inverted CDF); empty when fewer fire."""
    cumulative = np.cumsum(counts)
    rank = max(math.ceil(q * cumulative[-1]), 1)
    month = int(np.argmax(cumulative >= rank))
    return month if month < len(counts) - 1 else None
