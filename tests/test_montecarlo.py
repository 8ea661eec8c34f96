"""Monte Carlo: the same engine as `project`, reproducible whatever the chunking, probabilities
that behave, and a quantile sketch within its stated error."""

import pickle

import numpy as np
import pandas as pd
import pytest

import secmodel.analysis.montecarlo as mc
from secmodel import load_inputs, project_scenario
from secmodel.analysis import sketch
from secmodel.errors import UsageError
from secmodel.model.engine import compile_model
from tests.conftest import SEED_DATA


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SEED_DATA)


def spec(inputs, paths=2500, volatility=0.05, seed=11, scenario="base", horizon=60):
    return mc.MonteCarloSpec(
        inputs.scenarios[scenario], horizon, paths, volatility, seed, inputs.settings.growth_floor
    )


def test_zero_volatility_paths_equal_the_projection(inputs):
    s = spec(inputs, paths=1500, volatility=0.0, scenario="seed_roadmap")
    arrays = mc.simulate_paths(compile_model(inputs), s, 0, 2)
    single = project_scenario(inputs, "seed_roadmap").arrays
    assert arrays.users.shape == (1500, 61)
    for name in ("users", "mrr", "spend_accrual", "spend_cash", "cumulative_cash", "stage"):
        assert np.array_equal(getattr(arrays, name), np.tile(getattr(single, name), (1500, 1)))
    assert np.array_equal(arrays.fired_month, np.tile(single.fired_month, (1500, 1)))


def test_zero_volatility_quantiles_are_the_projection(inputs):
    result = mc.run_montecarlo(inputs, spec(inputs, paths=300, volatility=0.0))
    table = project_scenario(inputs, "base").table
    mrr = result.quantiles[result.quantiles["metric"] == "mrr"]
    for column in ("p5", "p50", "p95", "mean"):
        np.testing.assert_allclose(mrr[column].to_numpy(), table["mrr"].to_numpy(), rtol=1e-12)
    fires = result.firing_quantiles.set_index("trigger_id")
    assert fires.loc["mrr_10k", "p50"] == 12 and fires.loc["mrr_1m", "p50"] is pd.NA


def outputs(result):
    return [
        frame.to_csv(index=False)
        for frame in (
            result.quantiles,
            result.trigger_probability,
            result.firing_quantiles,
            result.stage_probability,
        )
    ]


def test_same_seed_same_files_whatever_the_split(inputs):
    s = spec(inputs)
    one = outputs(mc.run_montecarlo(inputs, s, workers=1, chunk_paths=1024))
    assert outputs(mc.run_montecarlo(inputs, s, workers=1, chunk_paths=3000)) == one
    assert outputs(mc.run_montecarlo(inputs, s, workers=2, chunk_paths=2048)) == one
    other = outputs(mc.run_montecarlo(inputs, spec(inputs, seed=12)))
    assert other != one


def test_local_cluster_equals_local(inputs, dask_client):
    """A Dask cluster whose workers are processes of their own (as on many machines) gives
    the same files as this process: each worker reduces one span and sends it back once."""
    s = spec(inputs, paths=5200)
    local = outputs(mc.run_montecarlo(inputs, s, chunk_paths=1024))
    remote = outputs(mc.run_montecarlo(inputs, s, chunk_paths=1024, scheduler=dask_client))
    assert remote == local
    sketch = spec(inputs, paths=2100)
    local = mc.run_montecarlo(inputs, sketch, chunk_paths=1024)
    assert outputs(mc.run_montecarlo(inputs, sketch, scheduler=dask_client)) == outputs(local)


def test_probabilities_behave(inputs):
    result = mc.run_montecarlo(inputs, spec(inputs, volatility=0.08))
    probability = result.trigger_probability.pivot(
        index="month", columns="trigger_id", values="probability"
    )
    assert ((probability >= 0) & (probability <= 1)).all().all()
    assert (probability.diff().dropna() >= 0).all().all()  # latched: never un-fires
    assert probability["launch"].eq(1.0).all()
    assert 0 < probability["mrr_100k"].iloc[-1] < 1  # uncertain by month 60 in the base case
    stages = result.stage_probability.pivot(index="month", columns="stage", values="probability")
    assert (stages.diff().dropna() >= 0).all().all()
    assert (stages["mvp"] >= stages["growth"]).all()  # reaching growth means passing mvp


def test_sketch_error_bound():
    rng = np.random.default_rng(3)
    data = np.exp(rng.normal(8, 3, size=(20_000, 4)))  # spans many orders of magnitude
    data[:50, 1] = 0.0
    counts = sketch.Sketch(4)
    counts.add(sketch.bins_of(data.T))
    for q, estimate in zip(
        mc.QUANTILES.values(), counts.quantiles(mc.QUANTILES.values()), strict=True
    ):
        exact = np.quantile(data, q, axis=0, method="inverted_cdf")
        relative = np.abs(estimate - exact) / np.where(exact > 0, exact, 1)
        assert (relative <= mc.SKETCH_RELATIVE_ERROR + 1e-12).all(), (q, relative.max())
    assert mc.SKETCH_RELATIVE_ERROR < 0.005


def test_sketch_and_exact_agree_on_a_run(inputs, monkeypatch):
    s = spec(inputs, paths=2048)
    exact = mc.run_montecarlo(inputs, s)
    monkeypatch.setattr(mc, "EXACT_LIMIT_BYTES", 0)
    sketched = mc.run_montecarlo(inputs, s)
    assert exact.exact and not sketched.exact
    for column in mc.QUANTILES:
        a, b = exact.quantiles[column].to_numpy(), sketched.quantiles[column].to_numpy()
        ok = np.isnan(a) | (np.abs(b - a) <= mc.SKETCH_RELATIVE_ERROR * np.abs(a) + 1e-9)
        assert ok.all(), column
    pd.testing.assert_frame_equal(exact.trigger_probability, sketched.trigger_probability)


def test_cli_writes_the_files(tmp_path, run):
    code, out, _ = run(
        "montecarlo",
        "--scenario",
        "bull",
        "--paths",
        "1200",
        "--volatility",
        "0.05",
        "--seed",
        "1",
        "--out",
        tmp_path,
    )
    assert code == 0 and "quantiles: exact" in out
    folder = tmp_path / "bull" / "montecarlo"
    quantiles = pd.read_csv(folder / "montecarlo_quantiles.csv")
    assert list(quantiles.columns) == ["month", "metric", "p5", "p10", "p50", "p90", "p95", "mean"]
    assert set(quantiles["metric"]) == set(mc.METRICS)
    assert (quantiles["p5"] <= quantiles["p50"]).all() and (
        quantiles["p50"] <= quantiles["p95"]
    ).all()
    for name in ("trigger_probability", "trigger_firing_quantiles", "stage_probability"):
        assert (folder / f"{name}.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--paths", "0"], "--paths must be at least 1"),
        (["--scenario", "boom"], "unknown scenario 'boom'"),
    ],
)
def test_cli_refuses(args, message, tmp_path, run):
    base = {"--scenario": "base", "--paths": "10", "--volatility": "0.1", "--seed": "1"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    code, _, err = run("montecarlo", *[x for kv in base.items() for x in kv], "--out", tmp_path)
    assert code == 2 and message in err


def test_exact_quantiles_are_numpys_inverted_cdf():
    rng = np.random.default_rng(5)
    for n in (1, 2, 19, 1000):
        data = rng.lognormal(size=(n, 6))
        expected = np.quantile(data, list(mc.QUANTILES.values()), axis=0, method="inverted_cdf")
        assert np.array_equal(mc.exact_quantiles(data), expected)
    data[0, 0] = np.nan  # a month without revenue: the missing value is left out
    expected = np.nanquantile(data, list(mc.QUANTILES.values()), axis=0, method="inverted_cdf")
    np.testing.assert_array_equal(mc.exact_quantiles(data), expected)


def test_cli_takes_its_settings_from_uncertainty_csv(run, tmp_path):
    """base's row of the seed's uncertainty.csv: 5,000 paths, volatility 0.05, seed 20261125."""
    assert run("montecarlo", "--scenario", "base", "--out", tmp_path / "row")[0] == 0
    explicit = ("--paths", "5000", "--volatility", "0.05", "--seed", "20261125")
    assert run("montecarlo", "--scenario", "base", *explicit, "--out", tmp_path / "cli")[0] == 0
    for path in (tmp_path / "row").rglob("*.csv"):
        assert (
            path.read_bytes()
            == (tmp_path / "cli" / path.relative_to(tmp_path / "row")).read_bytes()
        )
    code, _, err = run("montecarlo", "--scenario", "bull", "--out", tmp_path / "bull")
    assert code == 2
    assert (
        "uncertainty.csv has no row for scenario 'bull': give --paths, --volatility, --seed" in err
    )


@pytest.mark.parametrize("exact", [True, False])
def test_accumulators_of_any_chunks_merge_into_one_pass(inputs, exact):
    """A worker's accumulator spans the whole run but holds only the chunks it took (in any
    order), and travels pickled with only those; merged into this process's, which took the
    others, the tables equal one pass over all chunks."""
    model = compile_model(inputs)
    s = spec(inputs, paths=6 * mc.BLOCK - 100, horizon=30)
    reference = mc.combine(model, s, mc.reduce_span(model, s, 0, 6, exact, 1), exact)
    worker, here = mc.Accumulator(model, s, exact, 0, 6), mc.Accumulator(model, s, exact, 0, 6)
    for chunk in (4, 0, 3):
        mc._add_chunk(worker, model, s, chunk, 1)
    for chunk in (5, 1, 2):
        mc._add_chunk(here, model, s, chunk, 1)
    sent = pickle.loads(pickle.dumps(worker))
    if exact:
        assert len(sent.values["users"]) == 3 * mc.BLOCK  # only its own paths' values
    here.merge(sent)
    assert here.done.all()
    assert outputs(mc.combine(model, s, here, exact)) == outputs(reference)


def test_exact_runs_split_between_processes_give_the_same_files(inputs):
    """Enough chunks that the pool takes some before this process has taken them all."""
    s = spec(inputs, paths=40 * mc.BLOCK, horizon=24)
    one = mc.run_montecarlo(inputs, s, workers=1)
    assert one.exact
    assert outputs(mc.run_montecarlo(inputs, s, workers=2, chunk_paths=mc.BLOCK)) == outputs(one)


def test_sketch_runs_split_between_processes_give_the_same_files(inputs, monkeypatch):
    """Sketch mode on two processes: the pool's worker takes chunks from the front, this
    process from the back, and the worker's one accumulator is merged in at the end; the
    files equal a one-process run's, and the chunk size changes nothing."""
    monkeypatch.setattr(mc, "EXACT_LIMIT_BYTES", 0)
    s = spec(inputs, paths=9000)
    one = mc.run_montecarlo(inputs, s, workers=1)
    assert not one.exact
    two = mc.run_montecarlo(inputs, s, workers=2, chunk_paths=1024)
    assert outputs(two) == outputs(one)
    assert outputs(mc.run_montecarlo(inputs, s, workers=1, chunk_paths=3000)) == outputs(one)
    done = []
    mc.run_montecarlo(inputs, s, workers=2, progress=done.append)
    assert sum(done) == 9  # every chunk counted once, whichever process reduced it


def test_local_workers_started_ahead_serve_run_after_run(inputs):
    """Workers started before the runs (as `secmodel montecarlo --workers 2` starts them) and
    kept: each run's files equal a one-process run's, a run that fails part-way leaves them
    ready for the next, and each run counts its own chunks."""
    exact = spec(inputs, paths=40 * mc.BLOCK, horizon=24)
    other = spec(inputs, paths=7 * mc.BLOCK + 5, seed=3, scenario="seed_roadmap", horizon=36)
    with mc.LocalWorkers(2) as workers:
        assert outputs(mc.run_montecarlo(inputs, exact, workers, chunk_paths=mc.BLOCK)) == outputs(
            mc.run_montecarlo(inputs, exact, workers=1)
        )

        def fail(_):
            raise KeyboardInterrupt  # the analyst stops a run

        with pytest.raises(KeyboardInterrupt):
            mc.run_montecarlo(inputs, exact, workers, chunk_paths=mc.BLOCK, progress=fail)
        done = []
        again = mc.run_montecarlo(
            inputs, other, workers, chunk_paths=mc.BLOCK, progress=done.append
        )
        assert outputs(again) == outputs(mc.run_montecarlo(inputs, other, workers=1))
        assert sum(done) == 8  # this run's chunks, every one once


def test_local_workers_are_two_processes_or_more():
    with pytest.raises(UsageError, match="two processes or more"):
        mc.LocalWorkers(1)


def test_exact_quantiles_in_pieces_are_the_whole(inputs):
    """The pool's exact quantiles come in pieces of months, each with the whole metric's method
    (missing values in some months only)."""
    rng = np.random.default_rng(5)
    data = rng.lognormal(size=(3001, 13))
    data[rng.random(data.shape) < 0.02] = np.nan
    data[:, :4] = np.abs(data[:, :4])  # NaN stays NaN
    data[:, 4:] = np.nan_to_num(data[:, 4:], nan=1.0)  # months 4.. all numbers
    whole = mc.exact_quantiles(data)
    pieces = np.hstack([mc.exact_quantiles(data[:, a : a + 4], False) for a in range(0, 13, 4)])
    assert np.array_equal(pieces, whole, equal_nan=True)


def test_two_processes_without_shared_memory_send_values_back(inputs, monkeypatch):
    """Where no folder has room for the shared values, the worker sends its own back: the same
    files."""
    s = spec(inputs, paths=12 * mc.BLOCK, horizon=24)
    one = mc.run_montecarlo(inputs, s, workers=1)
    monkeypatch.setattr(mc.SharedArrays, "create", classmethod(lambda cls, shapes: None))
    assert outputs(mc.run_montecarlo(inputs, s, workers=2, chunk_paths=mc.BLOCK)) == outputs(one)


def test_a_run_on_two_processes_leaves_no_file():
    import glob
    import os

    from secmodel.analysis.shared_arrays import PREFIX, _folders

    inputs = load_inputs(SEED_DATA)
    mc.run_montecarlo(inputs, spec(inputs, paths=8 * mc.BLOCK, horizon=24), workers=2)
    mine = [p for f in _folders() for p in glob.glob(f"{f}/{PREFIX}{os.getpid()}-*")]
    assert mine == []
