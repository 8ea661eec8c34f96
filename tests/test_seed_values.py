"""The default data against figures worked out by hand from the seed roadmap.

Hand arithmetic (seed: ../shared/seed/security-roadmap.md):
- MVP: 500 + 0 + 200 + 500 + 300 = 1,500 USD/month.
- Growth: 20 + 60 + 25 + 50 + 500 = 655/month, plus the audit 2,000/year = 166.67/month.
- Scale: 2,000 + 1,500 + 1,000 + 800 + 5,000 = 10,300/month, plus the pentest 10,000/year.
- Enterprise: 15,000 + 10,000 + 5,000 + 8,000 + 20,000 + 12,000 = 70,000/month.
- seed_roadmap: 100 users x 1.5^6 = 1,139.0625 users in month 6 (MRR 11,390.625 at $10), month 5
  759.375 (MRR 7,593.75): mrr_10k fires in month 6. Month 18: 1,139.0625 x 1.2^12 = 10,155.9957
  users (MRR 101,559.96), month 17 8,463.33: mrr_100k and users_10k fire in month 18. Month 36:
  10,155.9957 x 1.136^18 = 100,816.70 users, month 35 88,747.09: mrr_1m and users_100k in 36.
"""

import pytest

from secmodel import load_inputs, project_scenario
from secmodel.analysis.audit import accrual_run_rate, recurring_monthly, tier_items
from tests.conftest import SEED_DATA

TIERS = {"mvp": 5, "growth": 6, "scale": 6, "enterprise": 6}


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SEED_DATA)


@pytest.fixture(scope="module")
def seed(inputs):
    return project_scenario(inputs, "seed_roadmap")


def test_catalog_has_the_seeds_23_items_by_tier(inputs):
    assert len(inputs.catalog) == 23
    for tier, count in TIERS.items():
        assert len(tier_items(inputs, tier)) == count
    assert all(not item.replaces for item in inputs.catalog.values())


@pytest.mark.parametrize(
    ("tier", "recurring", "accrual"),
    [
        ("mvp", 1500.0, 1500.0),
        ("growth", 655.0, 655.0 + 2000.0 / 12),
        ("scale", 10300.0, 10300.0 + 10000.0 / 12),
        ("enterprise", 70000.0, 70000.0),
    ],
)
def test_tier_totals(inputs, tier, recurring, accrual):
    items = tier_items(inputs, tier)
    assert recurring_monthly(items) == pytest.approx(recurring, abs=0.005)
    assert accrual_run_rate(items) == pytest.approx(accrual, abs=0.005)


def test_annual_items_are_annual(inputs):
    assert inputs.catalog["security_audit"].cadence == "annual"
    assert inputs.catalog["security_audit"].amount == 2000.0
    assert inputs.catalog["penetration_testing"].cadence == "annual"
    assert inputs.catalog["penetration_testing"].amount == 10000.0


def test_seed_roadmap_trigger_months(seed):
    fired = dict(
        zip([t.trigger_id for t in seed.model.triggers], seed.arrays.fired_month, strict=True)
    )
    assert fired == {
        "launch": 0,
        "mrr_10k": 6,
        "mrr_100k": 18,
        "users_10k": 18,
        "mrr_1m": 36,
        "users_100k": 36,
    }


def test_seed_roadmap_users_and_revenue(seed):
    t = seed.table
    assert t.loc[6, "users"] == pytest.approx(1139.0625)
    assert t.loc[5, "mrr"] == pytest.approx(7593.75)
    assert t.loc[6, "mrr"] == pytest.approx(11390.625)
    assert t.loc[18, "users"] == pytest.approx(1139.0625 * 1.2**12)
    assert t.loc[36, "users"] == pytest.approx(1139.0625 * 1.2**12 * 1.136**18)
    assert t.loc[6, "arr"] == pytest.approx(12 * 11390.625)
    assert t.loc[6, "date"] == "2027-07"
    assert len(t) == 61


def test_seed_roadmap_monthly_spend(seed):
    t = seed.table
    # months 0-5: MVP only
    assert t.loc[0:5, "spend_accrual"].tolist() == [1500.0] * 6
    # month 6: MVP + growth; the audit is paid in cash once, accrued at 2,000/12
    assert t.loc[6, "spend_accrual"] == pytest.approx(1500 + 655 + 2000 / 12)
    assert t.loc[6, "spend_cash"] == pytest.approx(1500 + 655 + 2000)
    assert t.loc[7, "spend_cash"] == pytest.approx(1500 + 655)
    assert t.loc[18, "spend_cash"] == pytest.approx(1500 + 655 + 2000 + 10300 + 10000)
    # from month 36 every tier: 83,455/month accrual
    assert t.loc[36, "spend_accrual"] == pytest.approx(83455.0)
    assert t.loc[60, "spend_accrual"] == pytest.approx(83455.0)


def test_seed_roadmap_cumulative(seed):
    t = seed.table
    # months 0-5 at 1,500; 6-17 at 2,321.67; 18-35 at 13,455; 36-60 at 83,455
    expected = 6 * 1500 + 12 * (2155 + 2000 / 12) + 18 * 13455 + 25 * 83455
    assert t.loc[60, "cumulative_accrual"] == pytest.approx(expected)
    # cash: the audit paid in months 6, 18, 30, 42, 54; the pentest in 18, 30, 42, 54
    cash = 6 * 1500 + 55 * 2155 + 5 * 2000 + 43 * 10300 + 4 * 10000 + 25 * 70000
    assert t.loc[60, "cumulative_cash"] == pytest.approx(cash)


def test_seed_roadmap_stages_and_shares(seed):
    t = seed.table
    assert t.loc[0, "stage"] == "mvp" and t.loc[0, "budget"] == 2000.0
    assert t.loc[6, "stage"] == "growth" and t.loc[6, "security_score"] == 9.0
    assert t.loc[18, "stage"] == "scale" and t.loc[36, "stage"] == "enterprise"
    assert t.loc[0, "pct_of_revenue"] == pytest.approx(1500 / 1000)
    # trailing 12 months at month 1: (1,500 + 1,500) / (1,000 + 1,500)
    assert t.loc[1, "pct_of_revenue_ttm"] == pytest.approx(3000 / 2500)
    window = t.loc[1:12]
    assert t.loc[12, "pct_of_revenue_ttm"] == pytest.approx(
        window["spend_accrual"].sum() / window["mrr"].sum()
    )


def test_bear_never_leaves_mvp(inputs):
    bear = project_scenario(inputs, "bear")
    assert set(bear.table["stage"]) == {"mvp"}
    assert bear.table["mrr"].max() < 10_000
    assert bear.table.loc[60, "cumulative_accrual"] == pytest.approx(61 * 1500)
