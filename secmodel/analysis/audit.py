"""The roadmap audit: every numeric claim of the seed beside what the model's inputs give.

The claims are data (``data/roadmap_claims.csv``): each row names a ``check``, which says how the
figure is computed from the catalog, the stages or a scenario's projection. Nothing here corrects
the seed: a difference is reported with its status and a note saying where it comes from.

Each figure has a basis: "tested" (the model could have disagreed), "transcription" (an input
copied from the seed, checked against it: it shows the copy is right, not that the seed is), or
"by construction" (the scenario was calibrated to the claim, so it cannot fail). Measures and
notes name items, triggers, stages and scenarios as a reader knows them; ids stay in claim_id.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.formatting import month_year, pct, usd, usd_cents
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
    "basis",
]


@dataclass(frozen=True)
class Measure:
    """A computed figure to set beside a claim; ``None`` = not reached within the horizon."""

    measure: str
    computed: float | None
    note: str = ""
    basis: str = "tested"  # or "transcription": an input copied from the seed


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
        listed = ", ".join(f"{i.name} {usd_cents(i.amount)}/year" for i in annual)
        notes.append(
            f"annual items: {listed} (= {usd_cents(sum(i.amount for i in annual) / 12)}/month)"
        )
    other = [i.name for i in items if i.cadence == "one_off" or i.basis != "fixed"]
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


def once_reached(inputs: ModelInputs, stage: str) -> list[CatalogItem]:
    """What is paid for once ``stage`` is reached: the items of its tier and every lower one,
    less those that one of them replaces (the tiers stack; ``replaces`` takes one off)."""
    bought = items_up_to_stage(inputs, stage)
    replaced = {target for item in bought for target in item.replaces}
    return [i for i in bought if i.item_id not in replaced]


def tier_stack(inputs: ModelInputs) -> pd.DataFrame:
    """One row per stage in rank order (USD/month, accrual): its own tier's items, everything
    paid once it is reached (:func:`once_reached`), and its stage budget."""
    rows = [
        {
            "stage": s.stage,
            "label": s.label,
            "own_items": accrual_run_rate(tier_items(inputs, s.stage)),
            "once_reached": accrual_run_rate(once_reached(inputs, s.stage)),
            "budget": s.budget_monthly,
        }
        for s in sorted(inputs.stages, key=lambda s: s.rank)
    ]
    return pd.DataFrame(rows, columns=["stage", "label", "own_items", "once_reached", "budget"])


def _stage(inputs: ModelInputs, name: str):
    return next(s for s in inputs.stages if s.stage == name)


def _next_stage(inputs: ModelInputs, name: str):
    """The stage ranked after ``name`` (None for the last)."""
    ranked = sorted(inputs.stages, key=lambda s: s.rank)
    later = [s for s in ranked if s.rank > _stage(inputs, name).rank]
    return later[0] if later else None


def quoted_trigger(inputs: ModelInputs, name: str) -> str:
    """A trigger as a reader knows it, in quotes: \u201cMRR reaches $10k\u201d."""
    return f"\u201c{inputs.triggers[name].label}\u201d"


BILLED = {"monthly": "a month", "annual": "a year", "one_off": "once"}


def billed(item: CatalogItem) -> str:
    """How a catalog line is billed, in words: '$2,000 a year', '$0.05 per user a month',
    '2.0% of revenue'."""
    if item.basis == "per_user":
        return f"{usd(item.amount, 2)} per user a month"
    if item.basis == "pct_revenue":
        return f"{pct(item.amount)} of revenue"
    return f"{usd(item.amount)} {BILLED[item.cadence]}"


# ---------------------------------------------------------------------------------------------
# Checks: each returns the measures to set beside the claim


def check_tier_monthly_total(inputs, claim, _projections) -> list[Measure]:
    """A phase's stated monthly total against its tier's items (USD/month):
    sum(amount of the tier's fixed monthly items), and that + sum(annual amounts) / 12."""
    items = tier_items(inputs, claim.subject)
    left_out = _left_out(items)
    named = [inputs.catalog[i] for i in claim.items]
    own = (  # a claim that names items ("Cloudflare Pro + DataDog") is set beside them first
        [
            Measure(
                "the items it names (accrual)",
                accrual_run_rate(named),
                " + ".join(f"{i.name} {usd_cents(accrual_run_rate([i]))}" for i in named)
                + f"; the {_stage(inputs, claim.subject).label} tier as a whole in the next rows",
            )
        ]
        if named
        else []
    )
    return [
        *own,
        Measure("sum of the tier's monthly items", recurring_monthly(items), ""),
        Measure(
            "tier's accrual: monthly items + annual items / 12",
            accrual_run_rate(items),
            f"a monthly total that leaves out {left_out}" if left_out else "",
        ),
    ]


def check_stage_investment(inputs, claim, _projections) -> list[Measure]:
    """A stage's stated investment (USD/month) against stages.csv's budget_monthly and the
    catalog's accrual once the stage is reached: sum over the tiers ranked at or below it of
    (fixed monthly amounts + annual amounts / 12)."""
    stage = _stage(inputs, claim.subject)
    items = once_reached(inputs, claim.subject)
    tiers = sorted({i.tier for i in items}, key=lambda t: _stage(inputs, t).rank)
    names = ", ".join(_stage(inputs, t).label for t in tiers)
    return [
        Measure(
            "the stage budget copied into the stage table",
            stage.budget_monthly,
            "transcription: the input checked against the seed it was copied from",
            "transcription",
        ),
        Measure(
            f"catalog accrual once {stage.label} is reached",
            accrual_run_rate(items),
            f"tiers {names} together, annual items / 12",
        ),
    ]


def check_tier_total_vs_budget(inputs, claim, _projections) -> list[Measure]:
    """A stage's budget (USD/month) against its own tier's upgrades alone: the tier's fixed
    monthly amounts + annual amounts / 12."""
    items = tier_items(inputs, claim.subject)
    return [
        Measure(
            f"{_stage(inputs, claim.subject).label} tier's own items (accrual)",
            accrual_run_rate(items),
            "the stage's upgrades alone, before the earlier tiers' items",
        )
    ]


def check_pct_of_revenue_band(inputs, claim, _projections) -> list[Measure]:
    """A stage's stated share of revenue (fraction) against budget_monthly / MRR and catalog
    accrual / MRR at each edge of its revenue band (revenue_low, revenue_high; a $0 or open edge
    is skipped)."""
    stage = _stage(inputs, claim.subject)
    catalog = accrual_run_rate(once_reached(inputs, claim.subject))
    after = _next_stage(inputs, claim.subject)
    measures = []
    for edge, where in ((claim.revenue_low, "lower"), (claim.revenue_high, "upper")):
        if not edge:  # no revenue at a $0 edge, and an open band has no upper edge
            continue
        # the model's triggers are ">=": at the upper edge the next stage is already in force
        upper = where == "upper" and after is not None
        at = f"at ${edge:,.0f} MRR ({where} edge" + (
            f"; {stage.label}'s figures just below it, {after.label} from it)" if upper else ")"
        )
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
    note = f"{month_year(row['date'])} (month {m}): {spend} spend on {mrr} MRR"
    kind = "lowest" if pick is pd.Series.idxmin else "highest"
    where = projections[claim.scenario].scenario.label
    return [Measure(f"{kind} monthly share in {where}", float(pct.loc[m]), note)]


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
    what = f"month {quoted_trigger(inputs, claim.subject)} fires in {p.scenario.label}"
    if fired is None:
        return [Measure(what, None)]
    row = p.table.loc[fired]
    note = f"{month_year(row['date'])}: {row['users']:,.0f} users, {usd_cents(row['mrr'])} MRR"
    if fired == 0:
        note += "; the model counts the launch month as month 0"
    return [Measure(what, fired, note)]


def check_stage_score(inputs, claim, _projections) -> list[Measure]:
    """A stage's stated security score against stages.csv's target_score."""
    stage = _stage(inputs, claim.subject)
    return [
        Measure(
            "the score copied into the stage table",
            stage.target_score,
            "transcription: the input checked against the seed it was copied from",
            "transcription",
        )
    ]


def check_stage_budget_at_users(inputs, claim, projections) -> list[Measure]:
    """The stage budget (USD/month) in force in the first month the scenario's users reach
    the claim's users; not reached if they never do within the horizon."""
    return _stage_at_users(inputs, claim, projections, "budget", "stage budget")


def check_stage_score_at_users(inputs, claim, projections) -> list[Measure]:
    """The stage's target score in force in the first month the scenario's users reach the
    claim's users; not reached if they never do within the horizon."""
    return _stage_at_users(inputs, claim, projections, "security_score", "stage score")


def _stage_at_users(inputs, claim, projections, column: str, what: str) -> list[Measure]:
    p = projections[claim.scenario]
    table = p.table
    reached = np.nonzero(table["users"].to_numpy() >= claim.users)[0]
    what = f"{what} when users first reach {claim.users:,.0f} in {p.scenario.label}"
    if not reached.size:
        return [Measure(what, None)]
    row = table.loc[int(reached[0])]
    month = int(row["month"])
    stage = _stage(inputs, row["stage"]).label
    note = f"{month_year(row['date'])} (month {month}): {row['users']:,.0f} users, stage {stage}"
    return [Measure(what, float(row[column]), note)]


def _stage_targets(inputs, pick) -> list[Measure]:
    bands = [c for c in inputs.claims if c.check == "pct_of_revenue_band"]
    if not bands:
        return [Measure("the seed's own % of revenue table", None, "no table rows in the claims")]
    chosen = pick(bands, key=lambda c: c.stated)
    kind = "lowest" if pick is min else "highest"
    note = f"{_stage(inputs, chosen.subject).label}: {chosen.claim}"
    return [Measure(f"the {kind} % in the seed's own % of revenue table", chosen.stated, note)]


def check_stage_targets_min(inputs, claim, _projections) -> list[Measure]:
    """The lowest share of revenue (fraction) of the seed's own table (its
    pct_of_revenue_band claims): a conclusion's range set beside the table it sums up."""
    return _stage_targets(inputs, min)


def check_stage_targets_max(inputs, claim, _projections) -> list[Measure]:
    """The highest share of revenue (fraction) of the seed's own table."""
    return _stage_targets(inputs, max)


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
                    "basis": claim.basis or measure.basis,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def format_value(value: float, unit: str, difference: bool = False) -> str:
    """$1,500.00 / 20.00% / 6 / 8.5, blank for missing; negatives in parentheses, differences
    above zero with a +, fractions' differences in percentage points."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    size = abs(value)
    if unit == "usd_month":
        text = f"${size:,.2f}"
    elif unit == "fraction":
        text = f"{size * 100:.2f} pp" if difference else f"{size:.2%}"
    elif unit == "month":
        text = f"{size:.0f}"
    else:
        text = f"{size:g}"
    if value < 0 and text.strip("$0.,% p"):  # never "($0.00)"
        return f"({text})"
    return f"+{text}" if difference and value > 0 else text


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
    out.append("")
    out.append("audit: " + audit_counts(audit))
    return "\n".join(out)


def audit_counts(audit: pd.DataFrame) -> str:
    """'25 figures tested: 9 match, 15 differ, 1 not reached; 5 more hold by construction;
    8 transcription checks: 8 match (39 figures from 35 claims)'."""

    def statuses(rows: pd.DataFrame) -> str:
        counts = rows["status"].value_counts()
        words = {"match": "match", "differs": "differ", "not reached": "not reached"}
        if len(rows) == 1:
            words = {"match": "matches", "differs": "differs", "not reached": "is not reached"}
        return ", ".join(f"{counts[s]} {words[s]}" for s in words if counts.get(s, 0))

    tested = audit[audit["basis"] == "tested"]
    built = audit[audit["basis"] == "by construction"]
    copied = audit[audit["basis"] == "transcription"]
    parts = [f"{_figures(len(tested))} tested: {statuses(tested)}"]
    if len(built):
        parts.append(f"{_figures(len(built))} hold by construction: {statuses(built)}")
    if len(copied):
        parts.append(f"{len(copied)} transcription checks: {statuses(copied)}")
    total = f"{_figures(len(audit))} from {audit['claim_id'].nunique()} claims"
    return "; ".join(parts) + f" ({total})"


def _figures(n: int) -> str:
    return f"{n} figure" + ("" if n == 1 else "s")


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


# ---------------------------------------------------------------------------------------------
# Market check: catalog lines beside the published figures that price them (benchmarks.csv)

MARKET_COLUMNS = ["item_id", "benchmark_id", "line", "catalog", "published", "source", "reading"]


def _reading(inputs: ModelInputs, item: CatalogItem, b) -> str:
    """What the published figure says of the catalog line, in words and round numbers."""
    monthly = accrual_run_rate([item])
    values = [v for v in (b.value, b.low, b.high) if v is not None]
    if b.metric == "hiring_share":
        lead = inputs.triggers[item.trigger].lead_months
        return (
            f"{b.figure}: {b.value_text()}; the line is bought with a lead of {lead} "
            f"month{'' if lead == 1 else 's'} on its trigger {quoted_trigger(inputs, item.trigger)}"
        )
    per_month = {"usd_month": 1.0, "usd_year": 1 / 12}.get(b.unit)
    if "_per_" in b.metric and per_month and values:  # a unit price: how many units the line buys
        counts = sorted({round(monthly / (v * per_month)) for v in values})
        unit = b.metric.split("_per_")[1].rsplit("_", 1)[0]
        unit = "GB/day" if unit == "gb_day" else unit.replace("_", " ")
        plural = "" if counts == [1] or "/" in unit else "s"
        return (
            f"the catalog's {usd(monthly)}/month buys "
            + "-".join(f"{n:,}" for n in counts)
            + f" {unit}{plural} at the published price"
        )
    if per_month and values:
        published = sorted({v * per_month for v in values})
        text = f"published {'-'.join(usd(v) for v in published)}/month"
        if len(published) == 1:
            share = monthly / published[0]
            if round(share, 2) == 1:
                return f"{text}: the catalog's price"
            times = f"{share:.1f}x" if share >= 1 else f"{share:.0%} of"
            return f"{text}; the catalog's {usd(monthly)}/month is {times} that"
        return f"{text}; the catalog's {usd(monthly)}/month"
    if b.unit == "usd" and values and item.cadence in ("annual", "one_off"):
        low, high = min(values), max(values)
        where = "within" if low <= item.amount <= high else "outside"
        return f"the catalog's {billed(item)} is {where} the published range"
    return "not comparable in one unit"


def market_check(inputs: ModelInputs) -> pd.DataFrame:
    """One row per benchmark that names a catalog line (its item_id): the line's amount, the
    published figure and source, and what the one says of the other."""
    rows = []
    for b in inputs.benchmarks:
        item = inputs.catalog.get(b.item_id) if b.item_id else None
        if item is None:
            continue
        rows.append(
            {
                "item_id": item.item_id,
                "benchmark_id": b.benchmark_id,
                "line": item.name,
                "catalog": billed(item),
                "published": f"{b.figure}: {b.value_text()}",
                "source": b.label,
                "reading": _reading(inputs, item, b),
            }
        )
    return pd.DataFrame(rows, columns=MARKET_COLUMNS)
