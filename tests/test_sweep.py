"""Sweeps: grid parsing, rows equal to single projections, and a Dask LocalCluster giving the
same table as the local run."""

import socket

import pandas as pd
import pytest

from secmodel import load_inputs, project_scenario
from secmodel.analysis.sweep import grid_points, parse_grid, run_sweep
from secmodel.errors import UsageError
from secmodel.model.whatif import apply_overrides
from tests.conftest import SEED_DATA


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SEED_DATA)


def test_parse_grid():
    grid = parse_grid(["user_growth_multiplier=0.5:1.5:3", "arpu_monthly=8,10"])
    assert grid == {"user_growth_multiplier": [0.5, 1.0, 1.5], "arpu_monthly": [8.0, 10.0]}
    points = grid_points(grid)
    assert len(points) == 6 and points[1] == {"user_growth_multiplier": 0.5, "arpu_monthly": 10.0}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("growth=1:2:3", "NAME one of user_growth_multiplier"),
        ("arpu_monthly=8,ten", "values of arpu_monthly are not numbers"),
        ("start_users=1:2:0", "values of start_users are not numbers"),
    ],
)
def test_bad_grid(spec, message):
    with pytest.raises(UsageError, match=message):
        parse_grid([spec])


def test_rows_equal_single_projections(inputs):
    scenario = inputs.scenarios["bull"]
    grid = {"user_growth_multiplier": [0.8, 1.2], "start_users": [150.0]}
    table = run_sweep(inputs, scenario, grid)
    for row in table.itertuples():
        changed = apply_overrides(
            scenario, user_growth_multiplier=row.user_growth_multiplier, start_users=row.start_users
        )
        projection = project_scenario(inputs, changed)
        last = projection.table.iloc[-1]
        assert row.cumulative_spend == pytest.approx(last["cumulative_accrual"], rel=1e-12)
        assert row.cumulative_cash == pytest.approx(last["cumulative_cash"], rel=1e-12)


def test_local_cluster_equals_local(inputs, dask_client):
    scenario = inputs.scenarios["base"]
    grid = {"user_growth_multiplier": [0.6, 1.0, 1.4], "arpu_monthly": [8.0, 12.0]}
    montecarlo = {"paths": 200, "volatility": 0.05, "seed": 3}
    local = run_sweep(inputs, scenario, grid, montecarlo=montecarlo)
    pool = run_sweep(inputs, scenario, grid, montecarlo=montecarlo, workers=2)
    remote = run_sweep(inputs, scenario, grid, montecarlo=montecarlo, scheduler=dask_client)
    pd.testing.assert_frame_equal(local, pool)
    pd.testing.assert_frame_equal(local, remote)
    assert {"p90_cumulative_cash", "probability_mrr_100k"} <= set(local.columns)


def test_cli(tmp_path, run):
    code, out, _ = run(
        "sweep", "--scenario", "bear", "--grid", "arpu_monthly=8,16", "--out", tmp_path
    )
    assert code == 0 and "2 points of bear" in out
    table = pd.read_csv(tmp_path / "bear" / "sweep.csv")
    # bear at $16 ARPU passes $10k MRR when users pass 625: 100 x 1.08^12 = 251.8 users in
    # month 12, x 1.05^12 = 452.2 in month 24, then 3%/month: 452.2 x 1.03^10 = 607.7 (month
    # 34), x 1.03^11 = 626.0 (month 35)
    assert table["fires_mrr_10k"].tolist() == [pytest.approx(float("nan"), nan_ok=True), 35]
    code, _, err = run("sweep", "--scenario", "bear", "--out", tmp_path)
    assert code == 2 and "a sweep needs at least one --grid" in err


@pytest.mark.parametrize("command", ["sweep", "montecarlo"])
def test_an_unreachable_scheduler_is_one_sentence_within_the_timeout(command, tmp_path, run):
    with socket.socket() as s:  # a port nothing listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    extra = ["--grid", "arpu_monthly=8,10"] if command == "sweep" else ["--paths", "10"]
    args = [command, "--scenario", "base", *extra, "--out", tmp_path / "out"]
    code, _, err = run(*args, "--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1")
    assert code == 3
    assert err.strip() == (
        f"error: no Dask scheduler answered at tcp://127.0.0.1:{port} within 1 s "
        "(--scheduler-timeout); check that it is running and reachable from here"
    )
    assert not (tmp_path / "out").exists()


def test_a_scheduler_address_that_is_not_one_is_a_usage_error(tmp_path, run):
    args = ["sweep", "--scenario", "base", "--grid", "arpu_monthly=8,10", "--scheduler", "host"]
    code, _, err = run(*args, "--out", tmp_path / "out")
    assert code == 2
    assert "--scheduler: missing port number in address 'host'" in err
