"""The roadmap audit: every numeric claim of the seed beside what the model's inputs give.

The claims are data (``data/roadmap_claims.csv``): each row names a ``check``, which says how the
figure is computed from the catalog, the stages or a scenario's projection. Nothing here corrects
the seed: a difference is reported with its status and a note saying where it comes from.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.formatting import usd_cents
from secmodel.inputs.claims import CHECK_NEEDS, Claim
from secmodel.inputs.loader import CatalogItem, ModelInputs
from secmodel.model.projection import Projection, project_scenario

COLUMNS = [
    "claim_id",
    "section",
    "claim",
    "measure",
    "unit",
    "stated",
    "computed",
    "difference",
    "status",
    "note",
]


@dataclass(frozen=True)
class Measure:
    """A computed figure to set beside a claim; ``None`` = not reached within the horizon."""

    measure: str
    computed: float | None
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Run-rates from the catalog (USD/month)


def recurring_monthly(items: list[CatalogItem]) -> float:
    """Sum of the fixed monthly items (USD/month): what a 'total per month' usually lists."""
    return sum(i.amount for i in items if i.cadence == "monthly" and i.basis == "fixed")


def accrual_run_rate(items: list[CatalogItem]) -> float:
    """Fixed monthly items plus a twelfth of the annual ones (USD/month)."""
    annual = sum(i.amount for i in items if i.cadence == "annual" and i.basis == "fixed")
    return recurring_monthly(items) + annual / 12


def _left_out(items: list[CatalogItem]) -> str:
    """Which items a fixed monthly run-rate leaves out, in words."""
    notes = []
    annual = [i for i in items if i.cadence == "annual" and i.basis == "fixed"]
    if annual:
        listed = ", ".join(f"{i.item_id} {usd_cents(i.amount)}/year" for i in annual)
        notes.append(
            f"annual items: {listed} (= {usd_cents(sum(i.amount for i in annual) / 12)}/month)"
        )
    other = [i.item_id for i in items if i.cadence == "one_off" or i.basis != "fixed"]
    if other:
        notes.append(f"one-off or usage-based items: {', '.join(other)}")
    return "; ".join(notes)


def tier_items(inputs: ModelInputs, tier: str) -> list[CatalogItem]:
    """The catalog items of one tier, in file order."""
    return [i for i in inputs.catalog.values() if i.tier == tier]


def items_up_to_stage(inputs: ModelInputs, stage: str) -> list[CatalogItem]:
    """Items whose tier is this stage or a lower-ranked one: what is bought once it is reached."""
    rank = {s.stage: s.rank for s in inputs.stages}
    return [i for i in inputs.catalog.values() if i.tier in rank and rank[i.tier] <= rank[stage]]


def _stage(inputs: ModelInputs, name: str):
    return next(s for s in inputs.stages if s.stage == name)


# ---------------------------------------------------------------------------------------------
# Checks: each returns the measures to set beside the claim


def check_tier_monthly_total(inputs, claim, _projections) -> list[Measure]:
    """A phase's stated monthly total against its tier's items (USD/month):
    sum(amount of the tier's fixed monthly items), and that + sum(annual amounts) / 12."""
    items = tier_items(inputs, claim.subject)
    left_out = _left_out(items)
    return [
        Measure("sum of the tier's monthly items", recurring_monthly(items), ""),
        Measure(
            "tier's accrual incl. annual items / 12",
            accrual_run_rate(items),
            f"a monthly total that leaves out {left_out}" if left_out else "",
        ),
    ]


def check_stage_investment(inputs, claim, _projections) -> list[Measure]:
    """A stage's stated investment (USD/month) against stages.csv's budget_monthly and the
    catalog's accrual once the stage is reached: sum over the tiers ranked at or below it of
    (fixed monthly amounts + annual amounts / 12)."""
    stage = _stage(inputs, claim.subject)
    items = items_up_to_stage(inputs, claim.subject)
    tiers = sorted({i.tier for i in items}, key=lambda t: _stage(inputs, t).rank)
    return [
        Measure("stages.csv budget_monthly", stage.budget_monthly, "transcription of the seed"),
        Measure(
            "catalog accrual once the stage is reached",
            accrual_run_rate(items),
            f"tiers {', '.join(tiers)} together, annual items / 12",
        ),
    ]


def check_tier_total_vs_budget(inputs, claim, _projections) -> list[Measure]:
    """A stage's budget (USD/month) against its own tier's upgrades alone: the tier's fixed
    monthly amounts + annual amounts / 12."""
    items = tier_items(inputs, claim.subject)
    return [
        Measure(
            f"{claim.subject} tier's own items (accrual)",
            accrual_run_rate(items),
            "the stage's upgrades alone, before the earlier tiers' items",
        )
    ]


def check_pct_of_revenue_band(inputs, claim, _projections) -> list[Measure]:
    """A stage's stated share of revenue (fraction) against budget_monthly / MRR and catalog
    accrual / MRR at each edge of its revenue band (revenue_low, revenue_high; a $0 or open edge
    is skipped)."""
    stage = _stage(inputs, claim.subject)
    catalog = accrual_run_rate(items_up_to_stage(inputs, claim.subject))
    measures = []
    for edge, where in ((claim.revenue_low, "lower"), (claim.revenue_high, "upper")):
        if not edge:  # no revenue at a $0 edge, and an open band has no upper edge
            continue
        at = f"at ${edge:,.0f} MRR ({where} edge)"
        measures.append(
            Measure(
                f"stage budget / revenue {at}",
                stage.budget_monthly / edge,
                f"{usd_cents(stage.budget_monthly)} / {usd_cents(edge)}",
            )
        )
        measures.append(
            Measure(
                f"catalog accrual / revenue {at}",
                catalog / edge,
                f"{usd_cents(catalog)} / {usd_cents(edge)}",
            )
        )
    return measures


def _pct_extreme(claim, projections, pick) -> list[Measure]:
    table = projections[claim.scenario].table
    pct = table["pct_of_revenue"]
    m = int(pick(pct))
    row = table.loc[m]
    spend, mrr = usd_cents(row["spend_accrual"]), usd_cents(row["mrr"])
    note = f"month {m} ({row['date']}): {spend} spend on {mrr} MRR"
    kind = "lowest" if pick is pd.Series.idxmin else "highest"
    return [Measure(f"{kind} monthly share in {claim.scenario}", float(pct.loc[m]), note)]


def check_pct_of_revenue_min(inputs, claim, projections) -> list[Measure]:
    """The lowest monthly spend_accrual / mrr (fraction) of the claim's scenario."""
    return _pct_extreme(claim, projections, pd.Series.idxmin)


def check_pct_of_revenue_max(inputs, claim, projections) -> list[Measure]:
    """The highest monthly spend_accrual / mrr (fraction) of the claim's scenario."""
    return _pct_extreme(claim, projections, pd.Series.idxmax)


def check_trigger_month(inputs, claim, projections) -> list[Measure]:
    """The month the claim's trigger first fires in its scenario (months from launch); not
    reached if it does not fire within the horizon."""
    p = projections[claim.scenario]
    fired = p.fired_month(claim.subject)
    if fired is None:
        return [Measure(f"month {claim.subject} fires in {claim.scenario}", None)]
    row = p.table.loc[fired]
    note = f"{row['date']}: {row['users']:,.0f} users, {usd_cents(row['mrr'])} MRR"
    return [Measure(f"month {claim.subject} fires in {claim.scenario}", fired, note)]


def check_stage_score(inputs, claim, _projections) -> list[Measure]:
    """A stage's stated security score against stages.csv's target_score."""
    stage = _stage(inputs, claim.subject)
    return [Measure("stages.csv target_score", stage.target_score, "transcription of the seed")]


def check_stage_budget_at_users(inputs, claim, projections) -> list[Measure]:
    """The stage budget (USD/month) in force in the first month the scenario's users reach
    the claim's users; not reached if they never do within the horizon."""
    table = projections[claim.scenario].table
    reached = np.nonzero(table["users"].to_numpy() >= claim.users)[0]
    what = f"stage budget when users first reach {claim.users:,.0f} in {claim.scenario}"
    if not reached.size:
        return [Measure(what, None)]
    row = table.loc[int(reached[0])]
    month = int(row["month"])
    note = f"month {month} ({row['date']}): {row['users']:,.0f} users, stage {row['stage']}"
    return [Measure(what, float(row["budget"]), note)]


CHECKS = {name: globals()[f"check_{name}"] for name in CHECK_NEEDS}


def status_of(claim: Claim, measure: Measure, tolerance: dict[str, float]):
    """The difference (computed - stated) and 'match' (within the unit's ``tolerance``, from
    settings.csv), 'differs' or 'not reached'."""
    if measure.computed is None:
        return None, "not reached"
    difference = measure.computed - claim.stated
    return difference, "match" if abs(difference) <= tolerance[claim.unit] else "differs"


def _rounded(value: float | None, unit: str):
    if value is None:
        return np.nan
    if unit == "usd_month":
        return round(value, 2)
    if unit == "fraction":
        return round(value, 6)
    return value


def run_audit(
    inputs: ModelInputs, projections: dict[str, Projection] | None = None
) -> pd.DataFrame:
    """roadmap_audit.csv: one row per claim and measure, in the claims file's order. The
    scenarios the claims name are projected unless ``projections`` has them already."""
    projections = dict(projections or {})
    for name in dict.fromkeys(c.scenario for c in inputs.claims if c.scenario):
        if name not in projections:
            projections[name] = project_scenario(inputs, name)
    tolerance = inputs.settings.match_tolerance
    rows = []
    for claim in inputs.claims:
        for measure in CHECKS[claim.check](inputs, claim, projections):
            difference, status = status_of(claim, measure, tolerance)
            rows.append(
                {
                    "claim_id": claim.claim_id,
                    "section": claim.section,
                    "claim": claim.claim,
                    "measure": measure.measure,
                    "unit": claim.unit,
                    "stated": _rounded(claim.stated, claim.unit),
                    "computed": _rounded(measure.computed, claim.unit),
                    "difference": _rounded(difference, claim.unit),
                    "status": status,
                    "note": measure.note,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def format_value(value: float, unit: str, difference: bool = False) -> str:
    """$1,500.00 / 20.00% / 6 / 8.5, blank for missing; differences signed, fractions in
    percentage points."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    sign = ("+" if value > 0 else "-" if value < 0 else "") if difference else ""
    if not difference and value < 0:
        sign = "-"
    size = abs(value)
    if unit == "usd_month":
        return f"{sign}${size:,.2f}"
    if unit == "fraction":
        return f"{sign}{size * 100:.2f} pp" if difference else f"{sign}{size:.2%}"
    if unit == "month":
        return f"{sign}{size:.0f}"
    return f"{sign}{size:g}"


def format_audit(audit: pd.DataFrame) -> str:
    """The audit as a fixed-width text table with a count of statuses."""
    header = ("claim", "measure", "stated", "computed", "difference", "status")
    lines, notes = [], []
    for _, r in audit.iterrows():
        lines.append(
            (
                r["claim_id"],
                r["measure"],
                format_value(r["stated"], r["unit"]),
                format_value(r["computed"], r["unit"]),
                format_value(r["difference"], r["unit"], difference=True),
                r["status"],
            )
        )
        notes.append(r["note"] if r["status"] != "match" else "")
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]
    right = {2, 3, 4}

    def fmt(cells):
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths])]
    for cells, note in zip(lines, notes, strict=True):
        out.append(fmt(cells))
        if note:  # say where a difference comes from, under the row
            out.append(" " * (widths[0] + 2) + f"-> {note}")
    counts = audit["status"].value_counts()
    out.append("")
    out.append(
        "audit: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("match", "differs", "not reached"))
        + f" ({len(audit)} figures from {audit['claim_id'].nunique()} claims)"
    )
    return "\n".join(out)


def stage_pct_targets(claims: list[Claim]) -> dict[str, float]:
    """The seed's '% of revenue' for each stage (fraction), from its pct_of_revenue_band claims."""
    return {c.subject: c.stated for c in claims if c.check == "pct_of_revenue_band"}


def formatted_columns(audit: pd.DataFrame) -> dict[str, list[str]]:
    """Stated, Computed and Difference of an audit table as displayed, each in its row's unit."""

    def column(name: str, difference: bool = False) -> list[str]:
        return [
            format_value(v, u, difference=difference)
            for v, u in zip(audit[name], audit["unit"], strict=True)
        ]

    return {
        "Stated": column("stated"),
        "Computed": column("computed"),
        "Difference": column("difference", difference=True),
    }
