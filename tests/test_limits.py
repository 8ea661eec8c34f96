"""Size limits: a request beyond one is refused before anything large is read or allocated,
with its estimate and the limit, exit 2 and nothing written; the memory estimates the limits use
are upper bounds of what the engine really takes, and not wildly above it."""

import dataclasses
import tracemalloc

import pytest

from secmodel import limits
from secmodel.analysis.montecarlo import Accumulator, MonteCarloSpec, simulate_paths
from secmodel.inputs.loader import load_inputs
from secmodel.model.engine import compile_model, working_bytes
from secmodel.model.projection import project_scenario
from tests.conftest import SEED_DATA


def refused(run, tmp_path, *args) -> str:
    out = tmp_path / "out"
    code, _, stderr = run(*args, "--out", out)
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    return stderr


def test_montecarlo_beyond_the_path_months_limit_is_refused_with_its_size(run, tmp_path):
    stderr = refused(run, tmp_path, "montecarlo", "--scenario", "base", "--paths", 10**12)
    # 10^12 paths x 61 months (0..60)
    assert "1,000,000,000,000 paths x 61 months is 61,000,000,000,000 path-months" in stderr
    assert "on one core here" in stderr
    assert f"the limit is {limits.PATH_MONTHS:,}" in stderr
    assert "paths:" not in stderr  # refused before the progress bar


def test_montecarlo_chunk_beyond_the_memory_limit_is_refused(run, tmp_path):
    stderr = refused(
        run,
        tmp_path,
        "montecarlo",
        "--scenario",
        "base",
        "--paths",
        "1000000",
        "--chunk-paths",
        "1000000",
        "--horizon",
        "1200",
    )
    assert "a chunk of 1,000,000 paths x 1,201 months with 6 triggers would need about" in stderr
    assert "the limit is 4.0 GB; give a smaller --chunk-paths" in stderr


@pytest.mark.parametrize(
    ("grid", "expected"),
    [
        (
            ["user_growth_multiplier=0.5:1.5:1000000000"],
            "--grid user_growth_multiplier asks for 1,000,000,000 values; a sweep has at most "
            "1,000,000 points",
        ),
        (
            ["user_growth_multiplier=0.5:1.5:100000", "arpu_monthly=1:10:100"],
            "the grid has 100,000 x 100 = 10,000,000 points; the limit is 1,000,000",
        ),
    ],
)
def test_sweep_beyond_the_point_limit_is_refused(grid, expected, run, tmp_path):
    args = [a for g in grid for a in ("--grid", g)]
    stderr = refused(run, tmp_path, "sweep", "--scenario", "base", *args)
    assert expected in stderr


def test_sweep_with_a_montecarlo_per_point_counts_every_path_month(run, tmp_path):
    grid = ("--grid", "user_growth_multiplier=0.5:1.5:1000")
    stderr = refused(run, tmp_path, "sweep", "--scenario", "base", *grid, "--paths", "1000000")
    assert "1,000 points x 1,000,000 paths x 61 months is 61,000,000,000 path-months" in stderr


def test_an_input_file_with_too_many_rows_is_an_input_problem(data_dir, run, tmp_path):
    lines = (data_dir / "growth.csv").read_text().splitlines()
    extra = [f"base,{m},0.01" for m in range(limits.INPUT_ROWS)]
    (data_dir / "growth.csv").write_text("\n".join([*lines, *extra]) + "\n")
    stderr = refused(run, tmp_path, "project", "--data", data_dir)
    rows = len(lines) - 1 + limits.INPUT_ROWS
    assert f"growth.csv:1: (file): has {rows:,} data rows; an input file may have at most" in stderr


def test_an_input_file_too_large_is_refused_before_it_is_read(data_dir, run, tmp_path):
    text = (data_dir / "benchmarks.csv").read_text()
    # a notes column nobody reads, blown up past the limit
    (data_dir / "benchmarks.csv").write_text(text + "#" * limits.INPUT_FILE_BYTES + "\n")
    stderr = refused(run, tmp_path, "project", "--data", data_dir)
    assert "benchmarks.csv:1: (file): is 10.0 MB; an input file may be at most 10.0 MB" in stderr


def scaled_inputs(copies: int):
    """The seed's triggers and items, each copied ``copies`` times under new ids."""
    inputs = load_inputs(SEED_DATA)
    triggers = {
        f"{t}_{c}": dataclasses.replace(v, trigger_id=f"{t}_{c}")
        for c in range(copies)
        for t, v in inputs.triggers.items()
    }
    catalog = {
        f"{i}_{c}": dataclasses.replace(v, item_id=f"{i}_{c}", trigger=f"{v.trigger}_{c}")
        for c in range(copies)
        for i, v in inputs.catalog.items()
    }
    stages = tuple(dataclasses.replace(s, trigger=f"{s.trigger}_0") for s in inputs.stages)
    return dataclasses.replace(inputs, triggers=triggers, catalog=catalog, stages=stages)


def peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("copies", [1, 8])
def test_memory_estimates_bound_what_the_engine_takes(copies):
    inputs = scaled_inputs(copies)
    model = compile_model(inputs)
    one_path = peak_bytes(lambda: project_scenario(inputs, "bull", 300, model=model))
    estimate = working_bytes(model, 1, 300, per_item=True)
    assert one_path <= estimate <= 3 * one_path
    spec = MonteCarloSpec(inputs.scenarios["bull"], 300, 2048, 0.05, 1, -0.99)
    accumulator = Accumulator(model, spec, True, 0, 2)  # its buffers last for the run
    chunk = peak_bytes(lambda: accumulator.add(model, simulate_paths(model, spec, 0, 2), 0))
    estimate = working_bytes(model, 2048, 300, per_item=False)
    assert chunk <= estimate <= 3 * chunk
