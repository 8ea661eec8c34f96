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
from secmodel.analysis.audit import audit_counts, format_audit, format_value, run_audit
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
    assert "Third-party security audit $2,000.00/year" in r["note"]  # items by their names
    r = row(audit, "scale_costs_total", "tier's accrual")
    assert (r["computed"], r["difference"]) == (11133.33, 833.33)
    r = row(audit, "enterprise_costs_total", "tier's accrual")
    assert (r["computed"], r["status"]) == (70000.0, "match")


def test_stage_investments(audit):
    r = row(audit, "enterprise_investment", "catalog accrual")
    assert (r["stated"], r["computed"], r["difference"]) == (50000.0, 83455.0, 33455.0)
    r = row(audit, "mvp_investment", "catalog accrual")
    assert (r["computed"], r["difference"]) == (1500.0, -500.0)
    assert format_value(r["difference"], "usd_month", difference=True) == "($500.00)"
    r = row(audit, "growth_investment", "catalog accrual")
    assert r["computed"] == 2321.67
    r = row(audit, "enterprise_upgrades_vs_investment", "Enterprise tier")
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
    assert r["note"].startswith("Jan 2027 (month 0): $1,500.00 spend on $1,000.00 MRR")


def test_phase_months_and_milestones(audit):
    for claim, month in [("phase2_start", 6), ("phase3_start", 18), ("phase4_start", 36)]:
        r = row(audit, claim, "month")
        assert (r["computed"], r["status"]) == (month, "match")
    r = row(audit, "users_10k_investment", "stage budget")
    assert (r["computed"], r["status"]) == (15000.0, "differs")
    r = row(audit, "users_1m_investment", "stage budget")
    assert r["status"] == "not reached" and pd.isna(r["computed"])


def test_claims_that_name_items_are_set_beside_those_items(audit):
    """The seed's "$10,000_monthly: Cloudflare Pro + DataDog, cost: $655" names two items
    ($20 + $60 in the catalog); its $655 is the whole Growth tier's monthly items."""
    r = row(audit, "milestone_10k_cost", "the items it names")
    assert (r["stated"], r["computed"], r["difference"], r["status"]) == (
        655.0,
        80.0,
        -575.0,
        "differs",
    )
    assert row(audit, "milestone_10k_cost", "sum of the tier's")["status"] == "match"
    r = row(audit, "milestone_100k_cost", "the items it names")  # AI fraud 2,000 + Splunk 1,500
    assert r["computed"] == 3500.0
    r = row(audit, "milestone_1m_cost", "the items it names")  # zero trust 15,000 + HSM 5,000
    assert r["computed"] == 20000.0


def test_transcriptions_and_calibrated_claims_are_not_counted_as_tests(audit):
    """stages.csv copies the seed's budgets and scores (8 figures); Seed roadmap's growth was
    set to hit the seed's phase months (5 figures): neither can fail."""
    copied = audit[audit["basis"] == "transcription"]
    assert sorted(copied["claim_id"]) == sorted(
        [
            f"{s}_{k}"
            for s in ("mvp", "growth", "scale", "enterprise")
            for k in ("investment", "score")
        ]
    )
    built = audit[audit["basis"] == "by construction"]
    assert set(built["claim_id"]) == {
        "phase2_start",
        "phase3_start",
        "phase4_start",
        "analyst_at_10k_users",
        "team_at_100k_users",
    }
    counts = audit_counts(audit)
    assert "5 figures hold by construction: 5 match; 8 transcription checks: 8 match" in counts
    tested = audit[audit["basis"] == "tested"]
    assert counts.startswith(f"{len(tested)} figures tested: ")
    assert audit_counts(audit.head(1)).startswith("1 figure tested: 1 matches")


def test_upper_edge_rows_say_which_stage_the_model_is_in(audit):
    """At exactly $10,000 MRR the model's trigger (MRR >= $10,000) is in Growth already."""
    r = row(audit, "mvp_pct_of_revenue", "stage budget / revenue at $10,000")
    assert "MVP's figures just below it, Growth from it" in r["measure"]
    lower = row(audit, "growth_pct_of_revenue", "stage budget / revenue at $10,000")
    assert lower["measure"].endswith("(lower edge)")


def test_claims_the_first_audit_missed(audit):
    """By hand from the seed: Phase 1 is "months 1-6" but launch is month 0; at 1,000 users
    (month 6, 1,139 users) Seed roadmap is in Growth, score 9.0, not the 8.5 the milestone
    says; the conclusion's 5% low end is above the table's own 1.5% for Scale."""
    r = row(audit, "phase1_start", "month")
    assert (r["stated"], r["computed"], r["status"]) == (1, 0, "differs")
    r = row(audit, "users_1k_score", "stage score")
    assert (r["stated"], r["computed"], r["status"]) == (8.5, 9.0, "differs")
    r = row(audit, "conclusion_vs_table_low", "the lowest %")
    assert (r["stated"], r["computed"], r["status"]) == (0.05, 0.015, "differs")
    assert row(audit, "users_1m_score", "stage score")["status"] == "not reached"


def test_printed_table(audit):
    text = format_audit(audit)
    assert "+$33,455.00" in text and "+45.00 pp" in text and "($2,678.33)" in text
    last = text.splitlines()[-1]
    assert last == f"audit: {audit_counts(audit)}"


def test_audit_cli_writes_the_csv(tmp_path, run):
    code, out, _ = run("audit", "--out", tmp_path)
    assert code == 0
    written = pd.read_csv(tmp_path / "roadmap_audit.csv")
    assert list(written.columns)[:4] == ["claim_id", "section", "claim", "measure"]
    assert "enterprise_investment" in out


def test_market_check_sets_catalog_lines_beside_published_prices():
    """By hand from benchmarks.csv and catalog.csv: DataDog's $60 a month is 4 hosts at $15;
    the analyst's $5,000 a month against a $124,910 salary ($10,409 a month) is 48%; the
    HSMs' $5,000 is 2.2x AWS CloudHSM's $2,300; the analyst is bought with no lead although
    38% of hires take 3-6 months."""
    from secmodel.analysis.audit import market_check

    table = market_check(load_inputs(SEED_DATA)).set_index("benchmark_id")
    reading = table["reading"]
    assert (
        reading["datadog_infra_pro"]
        == "the catalog's $60/month buys 4 hosts at the published price"
    )
    assert reading["analyst_salary"].endswith(
        "$10,409/month; the catalog's $5,000/month is 48% of that"
    )
    assert reading["aws_cloudhsm_ha"].endswith("is 2.2x that")
    assert "lead of 0 months" in reading["hiring_3_6_months"]
    assert (
        reading["pentest_web_app"] == "the catalog's $10,000 a year is within the published range"
    )
    assert "cloudflare_business" not in table.index  # it prices no catalog line


def test_tiers_stack_and_replaces_takes_an_item_off(tmp_path):
    """By hand (module docstring): each tier's own items 1,500 / 821.67 / 11,133.33 / 70,000
    a month, and once a tier is reached every earlier one is paid too: 1,500 / 2,321.67 /
    13,455 / 83,455. If the SOC (enterprise, $12,000) replaced basic monitoring (MVP, $200),
    the enterprise total would be $200 lower."""
    import shutil

    from secmodel.analysis.audit import tier_stack
    from tests.test_bad_input import set_cell

    stack = tier_stack(load_inputs(SEED_DATA)).set_index("stage").round(2)
    assert stack["own_items"].tolist() == [1500.0, 821.67, 11133.33, 70000.0]
    assert stack["once_reached"].tolist() == [1500.0, 2321.67, 13455.0, 83455.0]
    assert stack["budget"].tolist() == [2000.0, 5000.0, 15000.0, 50000.0]
    data = shutil.copytree(SEED_DATA, tmp_path / "data")
    set_cell(data, "catalog.csv", "soc_monitoring", "replaces", "basic_monitoring")
    replaced = tier_stack(load_inputs(data)).set_index("stage").round(2)
    assert replaced.loc["enterprise", "once_reached"] == 83455.0 - 200.0
    assert replaced.loc["scale", "once_reached"] == 13455.0
