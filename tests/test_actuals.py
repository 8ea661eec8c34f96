"""Actuals and the re-forecast, against figures worked out by hand from tests/fixtures.

The base case starts in 2027-01 with 200 users at $10 growing 15% a month in year 1, 10% in
year 2; ARPU rises 3% a year. The example close (tests/fixtures/actuals/actuals.csv) has 14
closed months, 2027-01 (month 0) to 2028-02 (month 13 = L):
- month 13: 1,500 users, $15,750 MRR, so ARPU $10.50; month 14: 1,500 x 1.10 = 1,650 users at
  $10.50 x 1.03^(1/12) = $10.5259 ARPU; month 25: 1,500 x 1.10^11 x 1.06 (year 3 from month 25).
- mrr_10k (MRR >= $10,000) fires in month 10 on the actual $10,350 (the plan: month 12).
- Month 10: the flexible budget is the MVP's $1,500 plus the growth tier's $655 a month and the
  $2,000 annual audit billed at once: $4,155; the plan is still $1,500: volume variance $2,655;
  actual $3,900: spending variance -$255.
- Month 12 (plan year 2): the plan buys the growth tier then ($4,155), the flexible budget
  pays $2,155 (its audit was billed in month 10); actual $2,150.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from secmodel import load_inputs, project_scenario
from secmodel.analysis import montecarlo as mc
from secmodel.analysis.variance import plan_vs_actual
from secmodel.inputs.actuals import read_actuals, scenario_actuals
from tests.conftest import SEED_DATA

ACTUALS = Path(__file__).resolve().parent / "fixtures" / "actuals" / "actuals.csv"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SEED_DATA)


@pytest.fixture(scope="module")
def actuals():
    return read_actuals(ACTUALS)


@pytest.fixture(scope="module")
def flexible(inputs, actuals):
    return project_scenario(inputs, "base", actuals=actuals)


@pytest.fixture(scope="module")
def plan(inputs):
    return project_scenario(inputs, "base")


def test_closed_months_are_the_actuals_and_the_rest_is_reforecast(flexible):
    t = flexible.table
    assert t["users"][0] == 210 and t["mrr"][0] == 2100
    assert t["users"][13] == 1500 and t["mrr"][13] == 15750 and t["arpu"][13] == 10.5
    assert t["users"][14] == pytest.approx(1650)
    assert t["arpu"][14] == pytest.approx(10.5 * 1.03 ** (1 / 12))
    assert t["users"][25] == pytest.approx(1500 * 1.1**11 * 1.06)
    assert t["arpu"][25] == pytest.approx(10.5 * 1.03)
    assert t["is_actual"].tolist() == [1] * 14 + [0] * 47


def test_triggers_fire_on_the_actual_months(flexible, plan):
    assert flexible.fired_month("mrr_10k") == 10
    assert plan.fired_month("mrr_10k") == 12


def test_actual_cash_columns(flexible):
    t = flexible.table
    assert t["spend_actual_cash"][0] == 1480 and math.isnan(t["spend_actual_cash"][6])
    assert t["spend_actual_cash"][14:].isna().all()
    # actual where known, the model's cash elsewhere (July 2027 and after February 2028)
    known = t["spend_actual_cash"].fillna(t["spend_cash"])
    assert t["cumulative_actual_then_forecast_cash"].to_numpy() == pytest.approx(known.cumsum())
    assert t["cumulative_actual_then_forecast_cash"][1] == 1480 + 1500


def test_plan_vs_actual_by_hand(plan, flexible):
    pva = plan_vs_actual(plan, flexible).set_index("month")
    assert list(pva.index) == list(range(14))
    month = pva.loc[10]
    assert month["spend_plan_cash"] == 1500 and month["spend_flexible_cash"] == 4155
    assert month["volume_variance_cash"] == 2655 and month["spending_variance_cash"] == -255
    assert pva.loc[12, "spend_plan_cash"] == 4155 and pva.loc[12, "spend_flexible_cash"] == 2155
    assert pva.loc[10, "users_variance"] == pytest.approx(1000 - 200 * 1.15**10)
    # plan year to date: months 0-5 of year 1, then year 2 starts again at month 12
    assert pva.loc[5, "ytd_spending_variance_cash"] == pytest.approx(-20 + 10 + 25)
    assert pva.loc[12, "ytd_total_variance_cash"] == pytest.approx(2150 - 4155)
    assert math.isnan(pva.loc[7, "ytd_spending_variance_cash"])  # July's spend is not known


def test_plan_plus_volume_plus_spending_is_actual(plan, flexible):
    pva = plan_vs_actual(plan, flexible)
    known = pva["spend_actual_cash"].notna()
    for prefix in ("", "ytd_"):
        total = (pva[f"{prefix}spend_plan_cash"] + pva[f"{prefix}volume_variance_cash"]
                 + pva[f"{prefix}spending_variance_cash"])  # fmt: skip
        actual = pva[f"{prefix}spend_actual_cash"]
        rows = actual.notna()
        assert np.allclose(total[rows], actual[rows], rtol=0, atol=1e-9)
        assert np.allclose(
            pva[f"{prefix}total_variance_cash"][rows],
            (actual - pva[f"{prefix}spend_plan_cash"])[rows],
        )
    assert known.sum() == 13


def test_cli_writes_plan_vs_actual(tmp_path, run):
    code, out, err = run("project", "--scenario", "base", "--actuals", ACTUALS, "--out", tmp_path)
    assert code == 0, err
    assert "actuals: 14 closed month(s) to 2028-02" in out
    assert (
        (tmp_path / "base" / "plan_vs_actual.csv")
        .read_text()
        .startswith("month,date,plan_year,is_actual,users_plan,users_actual,")
    )
    header = (tmp_path / "base" / "projection.csv").read_text().splitlines()[0]
    assert header.endswith(",is_actual,spend_actual_cash,cumulative_actual_then_forecast_cash")


def test_actuals_from_the_data_folder(data_dir, tmp_path, run):
    (data_dir / "actuals.csv").write_bytes(ACTUALS.read_bytes())
    code, out, _ = run("project", "--data", data_dir, "--scenario", "base", "--actuals",
                       "--out", tmp_path)  # fmt: skip
    assert code == 0 and "14 closed month(s)" in out


def test_without_actuals_nothing_changes(plan, tmp_path, run):
    code, _, _ = run("project", "--scenario", "base", "--out", tmp_path)
    assert code == 0
    assert not (tmp_path / "base" / "plan_vs_actual.csv").exists()
    assert "is_actual" not in plan.table


def test_monte_carlo_draws_only_after_the_close(inputs, actuals, flexible):
    scenario = inputs.scenarios["base"]
    closed = scenario_actuals(actuals, scenario, 60)
    spec = mc.MonteCarloSpec(scenario, 60, 500, 0.1, 3, inputs.settings.growth_floor, closed)
    model = flexible.model
    paths = mc.simulate_paths(model, spec, 0, 1)
    assert (paths.users[:, :14] == flexible.table["users"][:14].to_numpy()).all()
    assert (paths.mrr[:, :14] == flexible.table["mrr"][:14].to_numpy()).all()
    assert paths.users[:, 14].std() > 0  # uncertain from the first open month
    still = mc.simulate_paths(model, spec.__class__(**{**spec.__dict__, "volatility": 0.0}), 0, 1)
    np.testing.assert_allclose(still.spend_cash[0], flexible.table["spend_cash"], rtol=1e-12)
    np.testing.assert_allclose(still.users[0], flexible.table["users"], rtol=1e-12)


HEADER = "date,users,mrr,spend_cash\n"
BAD_ACTUALS = {
    "a gap": (
        "2027-01,200,2000,1500\n2027-03,260,2600,1500\n",
        "actuals.csv:3: date: leaves a gap after 2027-01 on line 2: one row per month, "
        "consecutive (got '2027-03')",
    ),
    "a repeated month": (
        "2027-01,200,2000,1500\n2027-01,260,2600,1500\n",
        "actuals.csv:3: date: repeats or goes back from 2027-01 on line 2 (got '2027-01')",
    ),
    "a month before the start": (
        "2026-12,200,2000,1500\n2027-01,260,2600,1500\n",
        "actuals.csv:2: date: is before the start of scenario 'base' (2027-01); actuals begin "
        "at or after it (got '2026-12')",
    ),
    "negative users": (
        "2027-01,-200,2000,1500\n",
        "actuals.csv:2: users: must not be negative (got '-200')",
    ),
    "a figure too large": (
        "2027-01,200,1e999,1500\n",
        "actuals.csv:2: mrr: is too large; expected an amount in USD (got '1e999')",
    ),
    "negative spend": (
        "2027-01,200,2000,(1500)\n",
        "actuals.csv:2: spend_cash: must not be negative (got '(1500)')",
    ),
    "MRR without users": (
        "2027-01,0,2000,1500\n",
        "actuals.csv:2: mrr: MRR without users: give the month's users too (got '2000')",
    ),
    "a bad date": (
        "Jan 2027,200,2000,1500\n",
        "actuals.csv:2: date: must be a month written YYYY-MM (got 'Jan 2027')",
    ),
    "a month after the horizon": (
        "".join(f"{2027 + m // 12}-{m % 12 + 1:02d},200,2000,1500\n" for m in range(62)),
        "actuals.csv:63: date: is after the horizon of scenario 'base' (2032-01) (got '2032-02')",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ACTUALS))
def test_bad_actuals_are_reported_with_file_line_column(case, tmp_path, run):
    rows, expected = BAD_ACTUALS[case]
    path = tmp_path / "actuals.csv"
    path.write_text(HEADER + rows)
    out = tmp_path / "out"
    code, _, err = run("project", "--scenario", "base", "--actuals", path, "--out", out)
    assert code == 2, err
    assert expected in err, err
    assert "Traceback" not in err and not out.exists()


def test_missing_actuals_file_is_one_sentence_exit_3(tmp_path, run):
    code, _, err = run("project", "--actuals", tmp_path / "nope.csv", "--out", tmp_path / "o")
    assert code == 3
    assert "cannot read the actuals" in err and err.count("\n") == 1


def test_notebooks_take_the_actuals(tmp_path, run, monkeypatch):
    """--actuals gives the notebooks that read actuals (projection, montecarlo,
    plan_vs_actual) their actuals_file; the others run as before."""
    from secmodel.report import runner

    planned = []
    monkeypatch.setattr(runner, "run_jobs", lambda jobs, workers: planned.extend(jobs) or 0)
    code, _, err = run("notebooks", "--actuals", ACTUALS, "--scenario", "base", "-p",
                       "data_dir", SEED_DATA, "--out", tmp_path)  # fmt: skip
    assert code == 0, err
    given = {j.notebook for j in planned if j.parameters.get("actuals_file") == str(ACTUALS)}
    assert given == {"projection", "montecarlo", "plan_vs_actual"}
