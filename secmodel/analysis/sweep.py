"""Sweeps: the cartesian product of what-if values, each point projected (and optionally
simulated), into one tidy table.

Points are evaluated in batches by a local process pool, or by an existing Dask distributed
cluster (``--scheduler ADDRESS``) without any change to the code: the same function runs on the
workers, which need this package installed. Rows come back in the grid's order either way.
"""

import dataclasses
import itertools
import math

import numpy as np
import pandas as pd

from secmodel.analysis.executor import run_in_order
from secmodel.analysis.sensitivity import outcome
from secmodel.errors import UsageError
from secmodel.inputs.loader import ModelInputs, Scenario
from secmodel.limits import SWEEP_POINTS, check_memory
from secmodel.model.engine import CompiledModel, compile_model, run_model, working_bytes
from secmodel.model.whatif import WhatIf

GRID_NAMES = tuple(field.name for field in dataclasses.fields(WhatIf))
BATCH = 64  # points per task: large enough to hide the scheduling cost


def parse_grid(specs: list[str]) -> dict[str, list[float]]:
    """``name=start:stop:count`` (evenly spaced, both ends included) or ``name=v1,v2,...``."""
    grid: dict[str, list[float]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or name not in GRID_NAMES:
            raise UsageError(
                f"--grid takes NAME=start:stop:count or NAME=v1,v2 with NAME one of "
                f"{', '.join(GRID_NAMES)} (got '{spec}')"
            )
        if name in grid:
            raise UsageError(f"--grid names {name} twice")
        try:
            if ":" in values:
                start, stop, count = values.split(":")
                n = int(count)
                if n < 1:
                    raise ValueError
                if n > SWEEP_POINTS:  # before numpy allocates them
                    raise UsageError(
                        f"--grid {name} asks for {n:,} values; a sweep has at most "
                        f"{SWEEP_POINTS:,} points"
                    )
                grid[name] = [float(v) for v in np.linspace(float(start), float(stop), n)]
            else:
                grid[name] = [float(v) for v in values.split(",")]
        except ValueError:
            raise UsageError(f"--grid values of {name} are not numbers (got '{values}')") from None
    if not grid:
        raise UsageError("a sweep needs at least one --grid")
    return grid


def check_sweep_size(
    inputs: ModelInputs, scenario: Scenario, grid, horizon: int, montecarlo: dict | None
) -> None:
    """Refuse, before any point is built, a sweep beyond the limits of :mod:`secmodel.limits`:
    its points, one point's memory and, with a Monte Carlo per point, its path-months."""
    points = math.prod(len(values) for values in grid.values())
    if points > SWEEP_POINTS:
        sizes = " x ".join(f"{len(v):,}" for v in grid.values())
        raise UsageError(
            f"the grid has {sizes} = {points:,} points; the limit is {SWEEP_POINTS:,} "
            "(split it into several sweeps)"
        )
    model = compile_model(inputs)
    check_memory("one point", working_bytes(model, 1, horizon, per_item=False))
    if montecarlo:
        from secmodel.analysis.montecarlo import MonteCarloSpec, check_size, default_chunk_paths

        spec = MonteCarloSpec(
            scenario, horizon, **montecarlo, growth_floor=inputs.settings.growth_floor
        )
        check_size(model, spec, default_chunk_paths(spec.horizon_months), runs=points)


def grid_points(grid: dict[str, list[float]]) -> list[dict[str, float]]:
    """Every combination, the first grid varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


def evaluate_point(
    inputs: ModelInputs,
    scenario: Scenario,
    point: dict,
    horizon: int,
    montecarlo: dict | None,
    model: CompiledModel | None = None,
) -> dict:
    """One grid point: the projection's answers, and the Monte Carlo's when asked for (only
    what the table keeps is reduced)."""
    changed = WhatIf(**point).apply(scenario)
    model = model or compile_model(inputs)
    arrays = run_model(model, changed, horizon, per_item=False).path(0)
    answers = outcome(model, arrays)  # the same answers as the sensitivity table's
    row = {
        **point,
        "cumulative_spend": answers.pop("cumulative_spend"),
        "cumulative_cash": float(arrays.cumulative_cash[-1]),
        **answers,
    }
    if montecarlo:
        from secmodel.analysis.montecarlo import MonteCarloSpec, at_horizon, check_spec

        spec = MonteCarloSpec(
            changed, horizon, **montecarlo, growth_floor=inputs.settings.growth_floor
        )
        check_spec(spec.paths, spec.volatility, spec.seed)
        row["p90_cumulative_cash"], probabilities = at_horizon(inputs, spec, model)
        for trigger_id, probability in probabilities.items():
            row[f"probability_{trigger_id}"] = float(probability)
    return row


def evaluate_batch(inputs, scenario, points, horizon, montecarlo) -> list[dict]:
    """A task: several points in one call, on the model compiled once."""
    model = compile_model(inputs)
    return [evaluate_point(inputs, scenario, p, horizon, montecarlo, model) for p in points]


def _batch_job(args) -> list[dict]:
    return evaluate_batch(*args)


def run_sweep(
    inputs: ModelInputs,
    scenario: Scenario,
    grid: dict[str, list[float]],
    horizon: int | None = None,
    montecarlo: dict | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress=None,
) -> pd.DataFrame:
    """Evaluate every grid point; rows in grid order whatever ran them."""
    horizon = horizon or scenario.horizon_months
    check_sweep_size(inputs, scenario, grid, horizon, montecarlo)
    points = grid_points(grid)
    for point in points:  # refuse impossible values before any work is sent
        WhatIf(**point).apply(scenario)
    batches = [points[i : i + BATCH] for i in range(0, len(points), BATCH)]
    args = [(inputs, scenario, batch, horizon, montecarlo) for batch in batches]
    batches_done = run_in_order(_batch_job, args, workers, scheduler, progress)
    rows = [row for batch in batches_done for row in batch]
    return pd.DataFrame(rows)
