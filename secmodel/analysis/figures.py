"""The summary figures of a projection, computed once for every output that shows them (the
board PDF, the workbook, the notebooks): pure functions returning numbers, never text."""

from dataclasses import dataclass

import numpy as np

from secmodel.model.projection import Projection


@dataclass(frozen=True)
class ScenarioFigures:
    """One scenario's summary figures. Money in USD (accrual), shares as fractions, months
    counted from launch (month 0); None or NaN where there is nothing to measure."""

    scenario: str
    horizon_months: int
    months: int  # months on the axis, 0..horizon (months)
    fired: dict[str, int | None]  # trigger id -> month it fires; None: not within the horizon
    spend_at: dict[int, float]  # milestone month -> spend that month (USD/month)
    cumulative_at: dict[int, float]  # milestone month -> cumulative spend by then (USD)
    pct_ttm_at: dict[int, float]  # milestone month -> trailing 12 months' spend / MRR (fraction)
    total_spend: float  # USD over months 0..horizon
    total_revenue: float  # USD over months 0..horizon
    average_pct: float  # total spend / total revenue (fraction); NaN without revenue
    peak_pct: float  # highest monthly spend / MRR (fraction); NaN without revenue
    peak_month: int | None  # the month of that peak; None without revenue
    months_over_budget: int  # months whose spend is above the stage budget
    gap_at_end: float  # budget - spend in the last month (USD/month); negative = over budget


def milestones_within(projection: Projection, milestone_months: tuple[int, ...]) -> list[int]:
    """The milestone months (settings.csv) that fall within the projection's horizon."""
    return [m for m in milestone_months if m <= projection.horizon_months]


def scenario_figures(projection: Projection, milestone_months: tuple[int, ...]) -> ScenarioFigures:
    """The summary figures of ``projection`` at the ``milestone_months`` within its horizon."""
    t = projection.table
    pct = t["pct_of_revenue"]
    revenue = float(t["mrr"].sum())
    spend = float(t["spend_accrual"].sum())
    has_pct = bool(pct.notna().any())
    shown = milestones_within(projection, milestone_months)
    triggers = projection.model.triggers
    return ScenarioFigures(
        scenario=projection.scenario.scenario,
        horizon_months=projection.horizon_months,
        months=len(t),
        fired={k.trigger_id: projection.fired_month(k.trigger_id) for k in triggers},
        spend_at={m: float(t.loc[m, "spend_accrual"]) for m in shown},
        cumulative_at={m: float(t.loc[m, "cumulative_accrual"]) for m in shown},
        pct_ttm_at={m: float(t.loc[m, "pct_of_revenue_ttm"]) for m in shown},
        total_spend=spend,
        total_revenue=revenue,
        average_pct=spend / revenue if revenue > 0 else np.nan,
        peak_pct=float(pct.max()) if has_pct else np.nan,
        peak_month=int(pct.idxmax()) if has_pct else None,
        months_over_budget=int((t["budget_gap"] < 0).sum()),
        gap_at_end=float(t["budget_gap"].iloc[-1]),
    )
