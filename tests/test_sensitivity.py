"""One-at-a-time sensitivity against effects worked out by hand for the base scenario
(base: 61 months; users reach 10,000 in month 50, so the analyst is paid in months 50-60)."""

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secmodel import load_inputs
from secmodel.analysis.sensitivity import outcome, sensitivity_table
from secmodel.model.engine import compile_model, run_model
from secmodel.present import charts
from tests.conftest import SEED_DATA
from tests.test_engine_oracle import model_files


@pytest.fixture(scope="module")
def table():
    inputs = load_inputs(SEED_DATA)
    return sensitivity_table(inputs, inputs.scenarios["base"], delta=0.2).set_index("driver")


def effect(table, driver):
    row = table.loc[driver]
    base = row["cumulative_spend_base"]
    return row["cumulative_spend_low"] - base, row["cumulative_spend_high"] - base


def test_amount_effects_by_hand(table):
    # hosting: $500 +-20% = +-$100 a month, for all 61 months
    assert effect(table, "price of Hosting (AWS/Google Cloud)") == pytest.approx((-6100, 6100))
    # the analyst: $5,000 +-20% = +-$1,000 a month for months 50-60 (11 months)
    assert effect(table, "price of Dedicated security analyst") == pytest.approx((-11000, 11000))
    # the audit: $2,000/year +-20% accrues +-$400/12 a month from month 12 (49 months)
    assert effect(table, "price of Third-party security audit") == pytest.approx(
        (-400 / 12 * 49, 400 / 12 * 49)
    )


def test_month_drivers(table):
    # one more month of lead on users_10k: the analyst starts in month 51, $5,000 less
    low, high = effect(table, "lead time of \u201c10,000 users\u201d")
    assert low == 0 and high == pytest.approx(-5000)  # lead cannot go below 0
    row = table.loc["months held before \u201cMRR reaches $10k\u201d"]
    assert row["low_value"] == 1 and row["high_value"] == 2  # sustain cannot go below 1
    assert row["fires_mrr_10k_base"] == 12 and row["fires_mrr_10k_high"] == 13


def test_sorted_by_swing_and_traceable(table):
    swings = table["cumulative_spend_swing"].abs().tolist()
    assert swings == sorted(swings, reverse=True)
    assert table.loc["price of Hosting (AWS/Google Cloud)", "source"] == "catalog.csv:2"
    assert table.loc["ARPU", "source"] == "scenarios.csv:3"
    assert len(table) == 4 + 2 + 23 + 2 * 6  # segments, ARPU, start users, items, triggers


def test_tornado_chart(table):
    chart = charts.tornado_chart(table.reset_index(), "base")
    assert "user growth from month 1" in chart.alt
    assert len(chart.figure.axes[0].patches) == 20  # ten drivers, down and up


def test_cli(tmp_path, run):
    code, out, _ = run("sensitivity", "--scenario", "base", "--out", tmp_path)
    assert code == 0 and "price of Hosting (AWS/Google Cloud)" in out
    assert len(pd.read_csv(tmp_path / "base" / "sensitivity.csv")) == 41
    with pytest.raises(SystemExit) as exit_:  # refused by the argument parser
        run("sensitivity", "--scenario", "base", "--delta", "1.5", "--out", tmp_path)
    assert exit_.value.code == 2
    code, _, err = run("sensitivity", "--scenario", "base", "--delta", "0", "--out", tmp_path)
    assert code == 2 and "--delta must be between 0 and 1" in err


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=model_files(), delta=st.sampled_from([0.1, 0.2, 0.5]))
def test_amount_rows_equal_projecting_again(files, delta):
    """An amount's answers come from its unit accrual (spend is linear in each amount); on
    generated catalogs (every cadence, basis, replacement, sustain and lead) they equal a
    projection of the inputs with that amount changed, within 1e-9 relative."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / f"{name}.csv").write_text(text)
        inputs = load_inputs(tmp)
    scenario = inputs.scenarios["sc"]
    table = sensitivity_table(inputs, scenario, delta=delta)
    for item in inputs.catalog.values():
        row = table[table["source"] == f"catalog.csv:{item.line}"].iloc[0]
        for side in ("low", "high"):
            changed = dataclasses.replace(item, amount=row[f"{side}_value"])
            again = dataclasses.replace(inputs, catalog={**inputs.catalog, item.item_id: changed})
            model = compile_model(again)
            arrays = run_model(model, scenario, scenario.horizon_months).path(0)
            want = outcome(model, arrays)
            for answer, value in want.items():
                got = row[f"{answer}_{side}"]
                # cumulative spend on the base's scale (a price cut to 0 cancels to ~0)
                base = abs(row[f"{answer}_base"]) if answer == "cumulative_spend" else 0.0
                scale = max(abs(value), base, 1e-300)
                assert np.isnan(got) == np.isnan(value) and (
                    np.isnan(value) or abs(got - value) <= 1e-9 * scale
                ), (item.item_id, side, answer, got, value)
