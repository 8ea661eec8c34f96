"""What the notebooks show: the model's tables formatted for reading ($1.2M, 12.3%). Notebooks
call these; the numbers come from the engine and the analyses unchanged."""

from pathlib import Path

import pandas as pd

from secmodel.analysis.audit import accrual_run_rate, billed, formatted_columns, quoted_trigger
from secmodel.analysis.figures import milestones_within, scenario_figures
from secmodel.analysis.runs import ScenarioRun, UncertaintyRun
from secmodel.formatting import count, month_year, pct, usd, usd_short
from secmodel.model.projection import Projection
from secmodel.present.htmltable import Table
from secmodel.present.summary import month_text


def scenario_description(projection: Projection) -> pd.DataFrame:
    """The scenario's assumptions as a two-column table."""
    s = projection.scenario
    growth = ", ".join(f"{pct(g.user_growth_monthly)} from month {g.from_month}" for g in s.growth)
    rows = [
        ("Scenario", s.label),
        ("Launch (month 0)", month_year(s.start_date)),
        ("Users at launch", count(s.start_users)),
        ("ARPU", f"{usd(s.arpu_monthly, 2)} per user per month"),
        ("ARPU growth", f"{pct(s.arpu_growth_annual)} a year"),
        ("User growth", growth),
        ("Horizon", f"{projection.horizon_months} months"),
    ]
    return pd.DataFrame(rows, columns=["Assumption", "Value"]).set_index("Assumption")


def stage_label(projection: Projection, stage: str) -> str:
    """A stage by its name ('Growth'); '-' before the first."""
    labels = {s.stage: s.label for s in projection.model.stages}
    return labels.get(stage, stage) or "-"


def key_figures(projection: Projection, milestone_months: tuple[int, ...]) -> pd.DataFrame:
    """The figures a reader wants first: spend and share of revenue at the milestone months
    (settings.csv) and the horizon."""
    t = projection.table
    months = milestones_within(projection, milestone_months)
    if projection.horizon_months not in months:
        months.append(projection.horizon_months)
    rows = {
        "MRR": [usd_short(t.loc[m, "mrr"]) for m in months],
        "Stage": [stage_label(projection, t.loc[m, "stage"]) for m in months],
        "Spend that month (accrual)": [usd(t.loc[m, "spend_accrual"]) for m in months],
        "Stage budget": [usd(t.loc[m, "budget"]) for m in months],
        "Cumulative spend (accrual)": [usd(t.loc[m, "cumulative_accrual"]) for m in months],
        "Cumulative spend (cash)": [usd(t.loc[m, "cumulative_cash"]) for m in months],
        "% of revenue, trailing 12 months": [pct(t.loc[m, "pct_of_revenue_ttm"]) for m in months],
    }
    return pd.DataFrame(rows, index=[f"Month {m}" for m in months]).T


def monthly_table(projection: Projection) -> pd.DataFrame:
    """projection.csv formatted for reading, one row per month."""
    t = projection.table
    return pd.DataFrame(
        {
            "Date": t["date"].map(month_year),
            "Users": t["users"].map(count),
            "MRR": t["mrr"].map(usd_short),
            "Stage": [stage_label(projection, s) for s in t["stage"]],
            "Budget": t["budget"].map(usd),
            "Spend (accrual)": t["spend_accrual"].map(usd),
            "Spend (cash)": t["spend_cash"].map(usd),
            "Cumulative (accrual)": t["cumulative_accrual"].map(usd_short),
            "Cumulative (cash)": t["cumulative_cash"].map(usd_short),
            "% of revenue": t["pct_of_revenue"].map(pct),
            "% of revenue, TTM": t["pct_of_revenue_ttm"].map(pct),
        }
    ).set_index(t["month"].rename("Month"))


EVENT_WORDS = {
    "trigger_fired": "trigger fired",
    "item_started": "item started",
    "item_stopped": "item stopped",
    "stage_changed": "stage changed",
}


def event_names(projection: Projection) -> dict[tuple[str, str], tuple[str, str]]:
    """(event kind, id) -> (what, detail) in a reader's words: items, triggers and stages by
    their names, amounts as billed ("$2,000 a year"), the trigger that buys an item."""
    model = projection.model
    triggers = {t.trigger_id: t for t in model.triggers}
    words = {}
    for t in model.triggers:
        held = f", held for {t.sustain_months} months" if t.sustain_months > 1 else ""
        words["trigger_fired", t.trigger_id] = (t.label, t.description + held)
    for i in model.items:
        bought = f"{billed(i)}; bought on \u201c{triggers[i.trigger].label}\u201d"
        words["item_started", i.item_id] = (i.name, bought)
        words["item_stopped", i.item_id] = (i.name, "replaced")
    for s in model.stages:
        budget = f"target score {s.target_score:g}; budget {usd(s.budget_monthly)} a month"
        words["stage_changed", s.stage] = (s.label, budget)
    return words


def trigger_timeline(projection: Projection) -> pd.DataFrame:
    """events.csv for reading: when each trigger fired, which items started and stopped and
    which stage began, by name."""
    e = projection.events
    words = event_names(projection)
    shown = [
        words.get((k, i), (i, d)) for k, i, d in zip(e["kind"], e["id"], e["detail"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Month": e["month"],
            "Date": [month_year(d) for d in e["date"]],
            "Event": e["kind"].map(EVENT_WORDS),
            "What": [w for w, _ in shown],
            "Detail": [d for _, d in shown],
        }
    ).set_index("Month")


def trigger_months(projections: list[Projection]) -> pd.DataFrame:
    """Months to each trigger (rows) by scenario (columns), from Projection.fired_month (as the
    summary figures); '-' = not within the horizon."""
    triggers = projections[0].model.triggers
    data = {}
    for p in projections:
        fired = {t.trigger_id: p.fired_month(t.trigger_id) for t in triggers}
        data[p.scenario.label] = [
            month_text(p, m) if m is not None else "-" for m in fired.values()
        ]
    labels = [t.label for t in triggers]
    return pd.DataFrame(data, index=pd.Index(labels, name="Upgrade needed in"))


def spend_at_months(
    projections: list[Projection], milestone_months: tuple[int, ...]
) -> pd.DataFrame:
    """Monthly and cumulative accrual spend and the trailing share of revenue at the milestone
    months (settings.csv), by scenario: the summary figures the board report shows."""
    rows = {}
    for p in projections:
        f = scenario_figures(p, milestone_months)
        for m in f.spend_at:
            shown = {
                "spend that month": usd(f.spend_at[m]),
                f"cumulative spend, months 0-{m}": usd(p.table.loc[m, "cumulative_accrual"]),
                "% of revenue, trailing 12 months": pct(p.table.loc[m, "pct_of_revenue_ttm"]),
            }
            for figure, text in shown.items():
                rows.setdefault((f"Month {m}", figure), {})[p.scenario.label] = text
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["When", "Figure (accrual)"])
    return frame.fillna("-")


def tier_table(stack: pd.DataFrame) -> pd.DataFrame:
    """How the tiers add up (:func:`secmodel.analysis.audit.tier_stack`), in USD/month as a
    reader sees it: each tier's own items, everything paid once it is reached, its budget and
    the budget less that (negative, in parentheses, where spend is over)."""
    return pd.DataFrame(
        {
            "Tier": stack["label"],
            "Its own items (USD/month)": stack["own_items"].map(usd),
            "All tiers once reached (USD/month)": stack["once_reached"].map(usd),
            "Stage budget (USD/month)": stack["budget"].map(usd),
            "Budget less spend (USD/month)": (stack["budget"] - stack["once_reached"]).map(usd),
        }
    )


def tier_items_table(inputs) -> pd.DataFrame:
    """Every catalog line by tier (in the stages' order, then the catalog's): what it is, how
    it is billed, its cost in USD/month (accrual: an annual amount / 12) and what buys it."""
    rank = {s.stage: (s.rank, s.label) for s in inputs.stages}
    lines = sorted(
        (i for i in inputs.catalog.values() if i.tier in rank), key=lambda i: rank[i.tier][0]
    )
    return pd.DataFrame(
        {
            "Tier": [rank[i.tier][1] for i in lines],
            "Item": [i.name for i in lines],
            "Category": [i.category.replace("_", " ") for i in lines],
            "As billed (USD)": [billed(i) for i in lines],
            "USD/month (accrual)": [
                usd(accrual_run_rate([i])) if i.basis == "fixed" else "varies" for i in lines
            ],
            "Bought when": [quoted_trigger(inputs, i.trigger) for i in lines],
        }
    )


def audit_table(audit: pd.DataFrame) -> pd.DataFrame:
    """The roadmap audit (:func:`secmodel.analysis.audit.run_audit`) with stated, computed and
    difference formatted by unit."""
    return pd.DataFrame(
        {
            "Claim": audit["claim"],
            "Measure": audit["measure"],
            **formatted_columns(audit),
            "Status": audit["status"],
            "Basis": audit["basis"],
            "Note": audit["note"],
        }
    )


STATUS_COLOURS = {"differs": "#fde0c5", "not reached": "#e8e8e8"}


def show(frame: pd.DataFrame) -> Table:
    """A table for a notebook: every row and every character, text left and numbers right,
    long text wrapped, money never typeset as math; its plain text aligned for nbval."""
    return Table(frame)


def highlight_status(table: pd.DataFrame) -> Table:
    """:func:`show`, with rows that differ shaded orange and rows not reached grey, beside the
    Status column that says the same in words."""
    return Table(table, shade=("Status", STATUS_COLOURS))


def scenarios_overview(projections: list[Projection]) -> pd.DataFrame:
    """The scenarios side by side: their assumptions and rationale."""
    rows = []
    for p in projections:
        s = p.scenario
        rows.append(
            {
                "Scenario": s.label,
                "Users at launch": count(s.start_users),
                "ARPU": usd(s.arpu_monthly, 2),
                "ARPU growth / year": pct(s.arpu_growth_annual),
                "User growth / month": ", ".join(
                    f"{pct(g.user_growth_monthly)} from month {g.from_month}" for g in s.growth
                ),
                "Rationale": s.description,
            }
        )
    return pd.DataFrame(rows).set_index("Scenario")


def phase_comparison(run: ScenarioRun) -> pd.DataFrame:
    """The seed's phase months (its trigger_month claims) beside the month each trigger fires
    in this run's scenario."""
    p = run.projection
    fired = dict(zip([t.trigger_id for t in p.model.triggers], p.arrays.fired_month, strict=True))
    labels = {t.trigger_id: t.label for t in p.model.triggers}
    rows = []
    for claim in (c for c in run.inputs.claims if c.check == "trigger_month"):
        month = int(fired.get(claim.subject, -1))
        rows.append(
            {
                "Trigger": labels.get(claim.subject, claim.subject),
                "Seed says": claim.claim,
                "Seed's month": int(claim.stated),
                f"Month in {p.scenario.label}": month if month >= 0 else "-",
                "Months later than the seed": month - int(claim.stated) if month >= 0 else "-",
            }
        )
    return pd.DataFrame(rows).set_index("Trigger")


def save_projection(projection: Projection, output_dir: str | Path) -> None:
    """Write the run's CSVs (as ``project`` does) so that papermill callers can read them."""
    from secmodel.output import write_projection_files

    write_projection_files(Path(output_dir), projection)


def firing_table(run: UncertaintyRun) -> pd.DataFrame:
    """When each upgrade is needed across the simulated paths, for reading: the month by which
    10%, half and 90% of paths have needed it (P10, median, P90), '-' where fewer paths than
    that need it within the horizon."""
    f = run.montecarlo.firing_quantiles

    def month(value):
        return "-" if pd.isna(value) else f"month {int(value)}"

    return pd.DataFrame(
        {
            "Upgrade needed at": f["trigger_id"].map(run.trigger_labels),
            "Paths that need it": f["probability_within_horizon"].map(lambda p: pct(p, 0)),
            "10% of paths by": f["p10"].map(month),
            "Half of paths by": f["p50"].map(month),
            "90% of paths by": f["p90"].map(month),
        }
    ).set_index("Upgrade needed at")


def sensitivity_top(run: UncertaintyRun, top: int = 10) -> pd.DataFrame:
    """The drivers that move cumulative spend most, for reading."""
    t = run.sensitivity.head(top)
    base = t["cumulative_spend_base"]
    return pd.DataFrame(
        {
            "Driver": t["driver"],
            "Moved down": (t["cumulative_spend_low"] - base).map(usd),
            "Moved up": (t["cumulative_spend_high"] - base).map(usd),
        }
    ).set_index("Driver")


def plan_vs_actual_table(pva: pd.DataFrame) -> pd.DataFrame:
    """plan_vs_actual.csv formatted for reading: one row per closed month, cash spend (USD)
    plan, flexible budget and actual, and the two variances ('-' where not known)."""
    return pd.DataFrame(
        {
            "Date": pva["date"].map(month_year),
            "Users, plan": pva["users_plan"].map(count),
            "Users, actual": pva["users_actual"].map(count),
            "MRR, plan": pva["mrr_plan"].map(usd),
            "MRR, actual": pva["mrr_actual"].map(usd),
            "Spend, plan (USD)": pva["spend_plan_cash"].map(usd),
            "Spend, flexible budget (USD)": pva["spend_flexible_cash"].map(usd),
            "Spend, actual (USD)": pva["spend_actual_cash"].map(usd),
            "Volume variance (USD)": pva["volume_variance_cash"].map(usd),
            "Spending variance (USD)": pva["spending_variance_cash"].map(usd),
        }
    ).set_index(pva["month"].rename("Month"))


def plan_year_variances(pva: pd.DataFrame) -> pd.DataFrame:
    """Each plan year's closed months to date: cash spend (USD) plan, flexible budget and
    actual, the variances, and how many months' actual spend is known."""
    groups = pva.groupby("plan_year")
    known = pva[pva["spend_actual_cash"].notna()].groupby("plan_year")
    frame = pd.DataFrame(
        {
            "Closed months": groups["is_actual"].sum().astype(int).astype(str),
            "Months with actual spend": groups["spend_actual_cash"].count().astype(str),
            "Spend, plan (USD)": groups["spend_plan_cash"].sum().map(usd),
            "Spend, flexible budget (USD)": groups["spend_flexible_cash"].sum().map(usd),
            "Volume variance (USD)": groups["volume_variance_cash"].sum().map(usd),
            "Flexible budget, months with actual spend (USD)": known["spend_flexible_cash"]
            .sum()
            .map(usd),
            "Spend, actual where known (USD)": groups["spend_actual_cash"].sum().map(usd),
            "Spending variance where known (USD)": groups["spending_variance_cash"].sum().map(usd),
        }
    )
    frame.index = [f"Year\u00a0{y}" for y in frame.index]  # never broken over two lines
    return frame


def bridge_steps_table(bridge: pd.DataFrame) -> pd.DataFrame:
    """bridge.csv formatted for reading: each step's change in cumulative spend over the
    horizon (USD, accrual and cash) and the running totals."""
    deltas = {
        view: [usd(v) if not pd.isna(v) else "" for v in bridge[f"delta_cumulative_{view}"]]
        for view in ("accrual", "cash")
    }
    return pd.DataFrame(
        {
            "Change, cash (USD)": deltas["cash"],
            "Change, accrual (USD)": deltas["accrual"],
            "Cumulative cash (USD)": bridge["cumulative_cash"].map(usd).to_numpy(),
            "Cumulative accrual (USD)": bridge["cumulative_accrual"].map(usd).to_numpy(),
        },
        index=pd.Index(bridge["description"].to_numpy(), name="Step"),
    )


def trigger_moves_table(comparison) -> pd.DataFrame:
    """A bridge's trigger_moves.csv for reading: each upgrade that moved, with its dates in
    each version."""
    moves = comparison.trigger_moves
    labels = {t.trigger_id: t.label for t in comparison.base.model.triggers}
    labels.update({t.trigger_id: t.label for t in comparison.new.model.triggers})

    def when(month, projection) -> str:
        if pd.isna(month):
            return "not within the horizon"
        return month_year(projection.table["date"].iloc[int(month)])

    def moved(months) -> str:
        if pd.isna(months):
            return "-"
        word = "later" if months > 0 else "earlier"
        return f"{abs(int(months))} month{'s' if abs(months) != 1 else ''} {word}"

    return pd.DataFrame(
        {
            "Upgrade": [labels.get(t, t) for t in moves["trigger_id"]],
            "Last version": [when(m, comparison.base) for m in moves["base_month"]],
            "This version": [when(m, comparison.new) for m in moves["new_month"]],
            "Moved": [moved(m) for m in moves["moved_months"]],
        }
    ).set_index("Upgrade")
