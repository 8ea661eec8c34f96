"""The executive summary's words and table, from the summary figures of
:mod:`secmodel.analysis.figures`: the board PDF and the notebooks show the same ones.

Everything here is for a reader: scenarios, triggers and items by their labels (ids only in
the appendix), months as 'Jul 2027 (month 6)', spend by plan year."""

from dataclasses import dataclass

import pandas as pd

from secmodel.analysis.figures import ScenarioFigures
from secmodel.formatting import duration, month_span, month_year, pct, usd, usd_prose
from secmodel.inputs.benchmarks import Benchmark
from secmodel.model.projection import Projection

NBSP = "\u00a0"


def month_text(projection: Projection, month: int) -> str:
    """'Jul 2027 (month 6)': the calendar month first, then months since launch."""
    return f"{month_year(projection.table.loc[month, 'date'])} (month {month})"


def _unbroken(text: str) -> str:
    """No-break spaces inside 'Jul 2027' and '(month 6)': a narrow cell breaks between the
    two, never inside either."""
    date, _, month = text.partition(" (")
    return f"{date.replace(' ', NBSP)} ({month.replace(' ', NBSP)}" if month else text


def year_label(years: pd.DataFrame, row: int) -> str:
    """'Year 1 (Jan-Dec 2027)'."""
    y = years.iloc[row]
    return f"Year {int(y['plan_year'])} ({month_span(y['first_date'], y['last_date'])})"


def _total_label(f: ScenarioFigures) -> str:
    """'Five years (Jan 2027-Dec 2031)'."""
    words = duration(f.plan_months)
    return f"{words[0].upper()}{words[1:]} ({month_span(f.first_date, f.last_date)})"


@dataclass(frozen=True)
class SummaryRow:
    """One row of the executive summary, as numbers: ``kind`` says how to read ``values`` (one
    per scenario): "month" (month a trigger fires, None: not within the horizon), "usd" (USD),
    "fraction" (share, NaN without revenue), "months" (months over budget, of ``of``). None in
    a "usd" or "fraction" row: the scenario has no such plan year."""

    group: str
    label: str
    kind: str
    values: list
    of: int = 0  # "months" rows: the months counted


def summary_rows(projections: list[Projection], figures: list[ScenarioFigures]) -> list[SummaryRow]:
    """The executive summary's figures: when each upgrade is needed, spend and share of revenue
    by plan year and in total, revenue, and the stage budget (the PDF and the workbook show
    these rows)."""
    rows = [
        SummaryRow("Needed in", t.label, "month", [f.fired[t.trigger_id] for f in figures])
        for t in projections[0].model.triggers
    ]
    first = max(figures, key=lambda f: len(f.years))
    for column, group, kind, total in (
        ("spend_accrual", "Security spend", "usd", "total_spend"),
        ("share_of_revenue", "Share of revenue", "fraction", "total_share"),
    ):
        for n in range(len(first.years)):
            values = [f.years[column].iloc[n] if n < len(f.years) else None for f in figures]
            rows.append(SummaryRow(group, year_label(first.years, n), kind, values))
        rows.append(
            SummaryRow(group, _total_label(first), kind, [getattr(f, total) for f in figures])
        )
    rows += [
        SummaryRow("Revenue", _total_label(first), "usd", [f.total_revenue for f in figures]),
        SummaryRow(
            "Stage budget",
            "Months over budget",
            "months",
            [f.months_over_budget for f in figures],
            of=first.plan_months,
        ),
        SummaryRow(
            "Stage budget",
            f"Budget less spend, {month_year(first.last_date)}",
            "usd",
            [f.gap_at_end for f in figures],
        ),
    ]
    return rows


def needed_in_text(projection: Projection, month: int | None) -> str:
    """'Jul 2027 (month 6)', or 'not within five years'."""
    if month is None:
        return f"not within {duration(projection.horizon_months)}"
    return month_text(projection, month)


def summary_table(projections: list[Projection], figures: list[ScenarioFigures]) -> pd.DataFrame:
    """The executive summary's figures (:func:`summary_rows`), one column per scenario (by
    label), formatted, with rows grouped under a heading."""

    def shown(row: SummaryRow, p: Projection, f: ScenarioFigures, value) -> str:
        if row.kind == "month":
            return _unbroken(needed_in_text(p, value))
        if value is None:
            return "-"
        if row.kind == "months":
            return f"{value} of {f.plan_months}"
        return usd(value) if row.kind == "usd" else pct(value)

    rows = summary_rows(projections, figures)
    frame = pd.DataFrame(
        [
            [shown(r, p, f, v) for p, f, v in zip(projections, figures, r.values, strict=True)]
            for r in rows
        ],
        columns=[p.scenario.label for p in projections],
    )
    frame.index = pd.MultiIndex.from_tuples([(r.group, r.label) for r in rows])
    return frame


def upgrade_additions(projection: Projection) -> dict[str, float]:
    """For each trigger that switches on within the horizon, the monthly spend (USD/month,
    accrual) its items add in the month it switches on: fixed monthly amounts, annual ones
    over 12, per-user and share-of-revenue ones at that month's users and MRR (one-off items
    are not monthly spend)."""
    model, arrays = projection.model, projection.arrays
    added: dict[str, float] = {}
    for k, trigger in enumerate(model.triggers):
        on = arrays.trigger_active[k].nonzero()[0]
        if not len(on):
            continue
        m = int(on[0])
        total = 0.0
        for item in model.items:
            if item.trigger != trigger.trigger_id or item.cadence == "one_off":
                continue
            if item.basis == "per_user":
                total += item.amount * float(arrays.users[m])
            elif item.basis == "pct_revenue":
                total += item.amount * float(arrays.mrr[m])
            else:
                total += item.amount / (12 if item.cadence == "annual" else 1)
        added[trigger.trigger_id] = total
    return added


def _listed(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _timing_sentence(projections: list[Projection], figures: list[ScenarioFigures]) -> str:
    """Which upgrade adds the most monthly spend, and when each scenario needs it."""
    model = projections[0].model
    additions = [upgrade_additions(p) for p in projections]
    first_trigger = model.triggers[0].trigger_id if model.triggers else None
    upgrades = {t for a in additions for t in a if t != first_trigger}
    if not upgrades:
        who = "every scenario" if len(projections) > 1 else projections[0].scenario.label
        base = max(a.get(first_trigger, 0.0) for a in additions)
        return (
            f"Only the launch baseline is bought in {who}: {usd_prose(base)} a month from "
            f"launch; no upgrade is needed within {duration(projections[0].horizon_months)}."
        )
    biggest = max(upgrades, key=lambda t: max(a.get(t, 0.0) for a in additions))
    trigger = next(t for t in model.triggers if t.trigger_id == biggest)
    bought = [i for i in model.items if i.trigger == biggest]
    # the recurring lines name it; an upgrade of one-off purchases only is named by those
    items = [i.name for i in bought if i.cadence != "one_off"] or [i.name for i in bought]
    shown = items[:3] + ([f"{len(items) - 3} more"] if len(items) > 3 else [])
    lines = f" ({_listed(shown)})" if shown else ""
    amount = max(a.get(biggest, 0.0) for a in additions)
    when = []
    for p, f in zip(projections, figures, strict=True):
        fired = f.fired[biggest]
        text = (
            f"in {month_text(p, fired)}"
            if fired is not None
            else f"not within {duration(p.horizon_months)}"
        )
        when.append(text if len(projections) == 1 else f"{text} in {p.scenario.label}")
    return (
        f"The largest upgrade, bought at \u201c{trigger.label}\u201d, adds about "
        f"{usd_prose(amount)} a month{lines}; it is needed {_listed(when)}."
    )


def _money_sentence(projections: list[Projection], figures: list[ScenarioFigures]) -> str:
    """Total spend over the plan years and the budget gap in their last month."""
    first = figures[0]
    span = f"{duration(first.plan_months)} ({month_span(first.first_date, first.last_date)})"
    label = {f.scenario: p.scenario.label for p, f in zip(projections, figures, strict=True)}
    last = month_year(figures[0].last_date)
    if len(figures) == 1:
        f = figures[0]
        gap = (
            f"in {last} spend is {usd_prose(-f.gap_at_end)} a month above the stage budget"
            if f.gap_at_end < 0
            else f"in {last} spend is within the stage budget"
        )
        return f"Security spend over {span} totals {usd_prose(f.total_spend)}; {gap}."
    by_total = sorted(figures, key=lambda f: f.total_spend)
    low, high = by_total[0], by_total[-1]
    over = [f for f in figures if f.gap_at_end < 0]
    gap = (
        f"in {last} spend is above the stage budget in {len(over)} of {len(figures)} scenarios, "
        f"by up to {usd_prose(-min(f.gap_at_end for f in over))} a month"
        if over
        else f"in {last} every scenario is within its stage budget"
    )
    return (
        f"Security spend over {span} ranges from {usd_prose(low.total_spend)} "
        f"({label[low.scenario]}) to {usd_prose(high.total_spend)} ({label[high.scenario]}); "
        f"{gap}."
    )


def _share_sentence(
    projections: list[Projection], figures: list[ScenarioFigures], benchmarks: list[Benchmark]
) -> str:
    """The share of revenue over the plan years and in the first and last of them, beside the
    best-graded published benchmark (above or below it, said as such)."""
    label = {f.scenario: p.scenario.label for p, f in zip(projections, figures, strict=True)}
    measured = [f for f in figures if f.total_share == f.total_share]  # not NaN
    if not measured:
        return "No scenario has revenue to set its security spend against."
    words = duration(measured[0].plan_months)
    if len(measured) == 1:
        f = measured[0]
        shares = f.years["share_of_revenue"]
        text = (
            f"Security spend is {pct(f.total_share)} of revenue over {words} in "
            f"{label[f.scenario]}, from {pct(shares.iloc[0])} in Year 1 to "
            f"{pct(shares.iloc[-1])} in Year {len(shares)}"
        )
    else:
        ordered = sorted(measured, key=lambda f: f.total_share)
        low, high = ordered[0], ordered[-1]
        finals = sorted(f.years["share_of_revenue"].iloc[-1] for f in measured)
        text = (
            f"Security spend is {pct(low.total_share)} ({label[low.scenario]}) to "
            f"{pct(high.total_share)} ({label[high.scenario]}) of revenue over {words}, and "
            f"{pct(finals[0])} to {pct(finals[-1])} in Year {len(measured[0].years)}"
        )
    bench = next(
        (
            b
            for b in sorted(benchmarks, key=lambda b: (b.grade, -b.year))
            if b.metric == "security_pct_of_revenue" and b.value is not None
        ),
        None,
    )
    if bench is not None:
        above = sum(f.total_share > bench.value for f in measured)
        if len(measured) == 1:
            side = "above" if above else "at or below"
        elif above == len(measured):
            side = "all above"
        elif above == 0:
            side = "all at or below"
        else:
            side = f"{above} of {len(measured)} above"
        what = "this share is" if len(measured) == 1 else "these shares are"
        text += (
            f". For comparison, {bench.source.split(',')[0]} report {pct(bench.value, 2)} for "
            f"{bench.year} \u2014 {bench.figure[0].lower()}{bench.figure[1:]} \u2014 so {what} "
            f"{side} it"
        )
    return text + "."


def stacking_sentence(projections: list[Projection]) -> str:
    """Whether the tiers add up (no item replaces another) or some items replace others."""
    items = projections[0].model.items
    replacing = [i for i in items if i.replaces]
    if not replacing:
        return (
            "Each tier adds to the ones before it: no catalog item replaces another, so once a "
            "tier is reached its items are paid alongside every earlier tier's (a catalog row's "
            "'replaces' column would switch an earlier item off)."
        )
    names = _listed([i.name for i in replacing[:3]])
    return (
        f"Tiers mostly add up, but {len(replacing)} item{'s' if len(replacing) > 1 else ''} "
        f"replace earlier ones ({names}), which stop when their replacement starts."
    )


def key_sentences(
    projections: list[Projection], figures: list[ScenarioFigures], benchmarks: list[Benchmark]
) -> list[str]:
    """Sentences generated from the numbers that say what matters: the largest upgrade and
    when it is needed, what is spent, what share of revenue that is, and that tiers add up."""
    return [
        _timing_sentence(projections, figures),
        _money_sentence(projections, figures),
        _share_sentence(projections, figures, benchmarks),
        stacking_sentence(projections),
    ]
