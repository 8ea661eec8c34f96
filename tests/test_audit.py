"""The roadmap audit against differences worked out by hand from the seed.

- Growth: stated $655/month = the monthly items; with the $2,000/year audit the accrual is
  655 + 166.67 = $821.67, a difference of $166.67.
- Scale: 10,300 + 10,000/12 = $11,133.33.
- Once the enterprise stage is reached every tier is bought: 1,500 + 821.67 + 11,133.33 + 70,000
  = $83,455.00/month against a stated $50,000: +$33,455.00.
- The enterprise upgrades alone: $70,000 against the $50,000 investment.
- The '% of revenue' table: $5,000 / $100,000 = 5% matches at the band's upper edge; at its lower
  edge ($10,000) it is 50%.
- seed_roadmap month 0: $1,500 spend on 100 users x $10 = $1,000 MRR: 150% of revenue.
"""

import pandas as pd
import pytest

from secmodel import load_inputs
from secmodel.analysis.audit import format_audit, run_audit
from tests.conftest import SEED_DATA


@pytest.fixture(scope="module")
def audit():
    inputs = load_inputs(SEED_DATA)
    return run_audit(inputs)


def row(audit, claim_id, measure_start):
    rows = audit[(audit["claim_id"] == claim_id) & audit["measure"].str.startswith(measure_start)]
    assert len(rows) == 1, (claim_id, measure_start)
    return rows.iloc[0]


def test_tier_totals(audit):
    r = row(audit, "growth_costs_total", "sum of the tier's monthly items")
    assert (r["stated"], r["computed"], r["status"]) == (655.0, 655.0, "match")
    r = row(audit, "growth_costs_total", "tier's accrual")
    assert (r["computed"], r["difference"], r["status"]) == (821.67, 166.67, "differs")
    assert "security_audit $2,000.00/year" in r["note"]
    r = row(audit, "scale_costs_total", "tier's accrual")
    assert (r["computed"], r["difference"]) == (11133.33, 833.33)
    r = row(audit, "enterprise_costs_total", "tier's accrual")
    assert (r["computed"], r["status"]) == (70000.0, "match")


def test_stage_investments(audit):
    r = row(audit, "enterprise_investment", "catalog accrual")
    assert (r["stated"], r["computed"], r["difference"]) == (50000.0, 83455.0, 33455.0)
    r = row(audit, "mvp_investment", "catalog accrual")
    assert (r["computed"], r["difference"]) == (1500.0, -500.0)
    r = row(audit, "growth_investment", "catalog accrual")
    assert r["computed"] == 2321.67
    r = row(audit, "enterprise_upgrades_vs_investment", "enterprise tier")
    assert (r["computed"], r["difference"], r["status"]) == (70000.0, 20000.0, "differs")


def test_pct_of_revenue_bands(audit):
    r = row(audit, "growth_pct_of_revenue", "stage budget / revenue at $100,000")
    assert (r["computed"], r["status"]) == (0.05, "match")
    r = row(audit, "growth_pct_of_revenue", "stage budget / revenue at $10,000")
    assert (r["computed"], r["status"]) == (0.5, "differs")
    r = row(audit, "enterprise_pct_of_revenue", "catalog accrual / revenue at $1,000,000")
    assert r["computed"] == pytest.approx(0.083455)
    # the $0 edge of the MVP band has no revenue: no row for it
    assert not audit["measure"].str.contains(r"\$0 MRR").any()


def test_conclusion_range(audit):
    r = row(audit, "conclusion_pct_high", "highest monthly share")
    assert (r["computed"], r["status"]) == (1.5, "differs")
    assert r["note"].startswith("month 0 (2027-01): $1,500.00 spend on $1,000.00 MRR")


def test_phase_months_and_milestones(audit):
    for claim, month in [("phase2_start", 6), ("phase3_start", 18), ("phase4_start", 36)]:
        r = row(audit, claim, "month")
        assert (r["computed"], r["status"]) == (month, "match")
    r = row(audit, "users_10k_investment", "stage budget")
    assert (r["computed"], r["status"]) == (15000.0, "differs")
    r = row(audit, "users_1m_investment", "stage budget")
    assert r["status"] == "not reached" and pd.isna(r["computed"])


def test_printed_table(audit):
    text = format_audit(audit)
    assert "+$33,455.00" in text and "+45.00 pp" in text
    last = text.splitlines()[-1]
    counts = audit["status"].value_counts()
    assert last.startswith(f"audit: {counts['match']} match, {counts['differs']} differs, 1 not")


def test_audit_cli_writes_the_csv(tmp_path, run):
    code, out, _ = run("audit", "--out", tmp_path)
    assert code == 0
    written = pd.read_csv(tmp_path / "roadmap_audit.csv")
    assert list(written.columns)[:4] == ["claim_id", "section", "claim", "measure"]
    assert "enterprise_investment" in out
