"""The executive summary's words and table, from the summary figures of
:mod:`secmodel.analysis.figures`: the board PDF and the notebooks show the same ones."""

import pandas as pd

from secmodel.analysis.figures import ScenarioFigures
from secmodel.formatting import pct, usd
from secmodel.inputs.benchmarks import Benchmark
from secmodel.model.projection import Projection


def month_text(projection: Projection, month: int) -> str:
    """'month 6 (Jul 2027)'."""
    when = pd.Period(projection.table.loc[month, "date"], freq="M").strftime("%b %Y")
    return f"month {month} ({when})"


def _unbroken_parts(text: str) -> str:
    """'month 6 (Jul 2027)' with no-break spaces inside 'month 6' and '(Jul 2027)': a narrow
    cell breaks it between the two, not inside the date."""
    month, _, when = text.partition(" (")
    return f"{month.replace(' ', NBSP)} ({when.replace(' ', NBSP)}" if when else text


NBSP = "\u00a0"


def summary_table(
    projections: list[Projection],
    figures: list[ScenarioFigures],
    milestone_months: tuple[int, ...],
) -> pd.DataFrame:
    """The executive summary's figures, one column per scenario, formatted, with rows grouped
    under a heading."""
    rows: dict[tuple[str, str], list[str]] = {}
    for trigger in projections[0].model.triggers:
        rows[("Fires in", trigger.description)] = [
            _unbroken_parts(month_text(p, f.fired[trigger.trigger_id]))
            if f.fired[trigger.trigger_id] is not None
            else f"not in {p.horizon_months} months"
            for p, f in zip(projections, figures, strict=True)
        ]
    for m in milestone_months:
        rows[("Monthly spend", f"month {m}")] = [
            usd(f.spend_at[m]) if m in f.spend_at else "-" for f in figures
        ]
    for m in milestone_months:
        rows[("Cumulative spend", f"by month {m}")] = [
            usd(f.cumulative_at[m]) if m in f.cumulative_at else "-" for f in figures
        ]
    rows[("Share of revenue", "peak month")] = [
        f"{pct(f.peak_pct)} (month {f.peak_month})" if f.peak_month is not None else "n/a"
        for f in figures
    ]
    rows[("Share of revenue", "total spend / total revenue")] = [
        pct(f.average_pct) for f in figures
    ]
    rows[("Stage budget", "months over budget")] = [
        f"{f.months_over_budget} of {f.months}" for f in figures
    ]
    rows[("Stage budget", "budget less spend, last month")] = [usd(f.gap_at_end) for f in figures]
    frame = pd.DataFrame(list(rows.values()), columns=[f.scenario for f in figures])
    frame.index = pd.MultiIndex.from_tuples(list(rows))
    return frame


def _timing_sentence(projections: list[Projection], figures: list[ScenarioFigures]) -> str:
    """When the trigger whose items cost most over all scenarios fires in each."""
    spend_by_trigger: dict[str, float] = {}
    for p in projections:
        for i, item in enumerate(p.model.items):
            spend = float(p.arrays.accrual[i].sum())
            spend_by_trigger[item.trigger] = spend_by_trigger.get(item.trigger, 0.0) + spend
    trigger_id = max(spend_by_trigger, key=spend_by_trigger.get)
    model = projections[0].model
    trigger = next(t for t in model.triggers if t.trigger_id == trigger_id)
    timing = []
    for p, f in zip(projections, figures, strict=True):
        fired = f.fired[trigger_id]
        timing.append(
            f"{f.scenario} in {month_text(p, fired)}"
            if fired is not None
            else f"{f.scenario} not within {p.horizon_months} months"
        )
    monthly = sum(
        item.amount / (12 if item.cadence == "annual" else 1)
        for item in model.items
        if item.trigger == trigger_id and item.basis == "fixed" and item.cadence != "one_off"
    )
    return (
        f"The costliest upgrade, triggered when {trigger.description[0].lower()}"
        f"{trigger.description[1:]} ({usd(monthly)} a month of new items), is needed: "
        f"{'; '.join(timing)}."
    )


def _money_sentence(figures: list[ScenarioFigures]) -> str:
    """The range of cumulative spend and the budget gap in the last month."""
    by_total = sorted(figures, key=lambda f: f.total_spend)
    low, high = by_total[0], by_total[-1]
    over = [f for f in figures if f.gap_at_end < 0]
    gap_text = (
        f"in {len(over)} of {len(figures)} scenarios the last month's spend is above the "
        f"stage budget, by up to {usd(-min(f.gap_at_end for f in over))} a month"
        if over
        else "every scenario ends within its stage budget"
    )
    return (
        f"Cumulative security spend over the horizon ranges from {usd(low.total_spend)} "
        f"({low.scenario}) to {usd(high.total_spend)} ({high.scenario}); {gap_text}."
    )


def _share_sentence(
    projections: list[Projection], figures: list[ScenarioFigures], benchmarks: list[Benchmark]
) -> str:
    """The share of revenue over the horizon and at its peak, against the best-graded
    published benchmark."""
    measured = [f for f in figures if f.peak_month is not None]
    if not measured:
        return "No scenario has revenue to set its security spend against."
    bench = next(
        (
            b
            for b in sorted(benchmarks, key=lambda b: (b.grade, -b.year))
            if b.metric == "security_pct_of_revenue" and b.value is not None
        ),
        None,
    )
    averages = sorted(measured, key=lambda f: f.average_pct)
    peak = max(measured, key=lambda f: f.peak_pct)
    peak_projection = projections[figures.index(peak)]
    text = (
        f"Security costs {pct(averages[0].average_pct)} ({averages[0].scenario}) to "
        f"{pct(averages[-1].average_pct)} ({averages[-1].scenario}) of revenue over the "
        f"horizon, peaking at {pct(peak.peak_pct)} ({peak.scenario}, "
        f"{month_text(peak_projection, peak.peak_month)})"
    )
    if bench is not None and bench.value > 0:
        ratio = averages[0].average_pct / bench.value
        text += (
            f"; even the lowest is {ratio:.0f} times the {pct(bench.value, 2)} of revenue "
            f"that {bench.source.split(',')[0]} report for {bench.year} (grade {bench.grade})"
        )
    return text + "."


def key_sentences(
    projections: list[Projection], figures: list[ScenarioFigures], benchmarks: list[Benchmark]
) -> list[str]:
    """Three sentences, generated from the numbers, that say what matters: when the costliest
    upgrade is needed, what is spent, and what share of revenue that is."""
    return [
        _timing_sentence(projections, figures),
        _money_sentence(figures),
        _share_sentence(projections, figures, benchmarks),
    ]
