"""Price escalators, against figures worked out by hand.

Hand arithmetic, seed_roadmap (months 0-60 from 2026-01):
- hosting, $500/month from launch, escalation 10%: $500 in months 0-11, $550 in 12-23,
  $605 in 24-35, $665.50 in 36-47.
- security_audit, $2,000/year (mrr_10k fires in month 6), escalation 3.5%: billed $2,000 in
  month 6 (plan year 0), then $2,070 in month 18 and $2,142.45 in month 30 (plan years 1, 2);
  its accrual is the price in force / 12: $166.67 in month 11, $172.50 in month 12.
- Blank means none: a catalog with the column and no values projects as one without it.
"""

import pytest

from secmodel import load_inputs, project_scenario
from tests.test_bad_input import add_column


@pytest.fixture
def escalated(data_dir):
    add_column(
        data_dir, "catalog.csv", "escalation_annual", {"hosting": "10%", "security_audit": "0.035"}
    )
    return project_scenario(load_inputs(data_dir), "seed_roadmap")


def line(projection, item_id: str, view: str):
    i = [item.item_id for item in projection.model.items].index(item_id)
    return getattr(projection.arrays, view)[i]


def test_a_fixed_monthly_price_steps_up_each_plan_year(escalated):
    hosting = line(escalated, "hosting", "accrual")
    assert hosting[0] == hosting[11] == pytest.approx(500)
    assert hosting[12] == hosting[23] == pytest.approx(550)
    assert hosting[24] == pytest.approx(605)
    assert hosting[36] == pytest.approx(665.5)


def test_an_annual_bill_is_the_price_in_force_when_billed(escalated):
    cash = line(escalated, "security_audit", "cash")
    assert {m: round(v, 2) for m, v in enumerate(cash) if v} == {
        6: 2000.0,
        18: 2070.0,
        30: 2142.45,
        42: pytest.approx(2217.44, abs=0.01),
        54: pytest.approx(2295.05, abs=0.01),
    }
    accrual = line(escalated, "security_audit", "accrual")
    assert accrual[11] == pytest.approx(2000 / 12) and accrual[12] == pytest.approx(2070 / 12)


def test_totals_include_the_escalated_lines(escalated, data_dir):
    """The totals (computed by groups) equal the sum of the per-item lines."""
    table = escalated.table
    assert table["spend_accrual"].to_numpy() == pytest.approx(escalated.arrays.accrual.sum(axis=0))
    assert table["spend_cash"].to_numpy() == pytest.approx(escalated.arrays.cash.sum(axis=0))


def test_blank_escalation_changes_nothing(data_dir):
    before = project_scenario(load_inputs(data_dir), "base").table
    add_column(data_dir, "catalog.csv", "escalation_annual", {})
    after = project_scenario(load_inputs(data_dir), "base").table
    assert after.equals(before)


def test_explain_names_the_escalated_prices(data_dir, run):
    add_column(data_dir, "catalog.csv", "escalation_annual", {"hosting": "10%"})
    code, out, _ = run("explain", "hosting", "--data", data_dir, "--scenario", "seed_roadmap")
    assert code == 0
    assert "$500.00 monthly, rising 10% a year from each plan year" in out
    assert "month 12: $550.00; month 24: $605.00" in out
