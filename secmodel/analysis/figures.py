"""The summary figures of a projection, computed once for every output that shows them (the
board PDF, the workbook, the notebooks): pure functions returning numbers, never text.

Plan years: Year 1 is months 0-11 (launch and the eleven months after), Year 2 months 12-23,
and so on. Totals run over the complete plan years within the horizon, so a 60-month horizon
(months 0..60) gives five years, months 0-59: the sum of 60 monthly values. A horizon shorter
than a year gives one partial Year 1.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.model.projection import Projection

MONTHS_PER_YEAR = 12


def plan_years(table: pd.DataFrame) -> pd.DataFrame:
    """One row per plan year of a projection table (projection.csv's columns): ``plan_year``
    (1, 2, ...), its ``first_month``/``last_month`` and their ``first_date``/``last_date``
    (YYYY-MM), ``spend_accrual`` and ``spend_cash`` (USD/year), ``revenue`` (sum of MRR,
    USD/year), ``share_of_revenue`` (annual spend / annual revenue, fraction; NaN without
    revenue), ``months_over_budget`` (months) and ``cumulative_accrual`` (USD, months 0 to the
    year's last month)."""
    years = max(len(table) // MONTHS_PER_YEAR, 1)
    shown = table.iloc[: years * MONTHS_PER_YEAR]
    by_year = shown.groupby(shown["month"].to_numpy() // MONTHS_PER_YEAR + 1)
    spend = by_year["spend_accrual"].sum()
    revenue = by_year["mrr"].sum()
    frame = pd.DataFrame(
        {
            "plan_year": spend.index,
            "first_month": by_year["month"].first().to_numpy(),
            "last_month": by_year["month"].last().to_numpy(),
            "first_date": by_year["date"].first().to_numpy(),
            "last_date": by_year["date"].last().to_numpy(),
            "spend_accrual": spend.to_numpy(),
            "spend_cash": by_year["spend_cash"].sum().to_numpy(),
            "revenue": revenue.to_numpy(),
            "share_of_revenue": np.where(revenue > 0, spend / revenue.where(revenue > 0), np.nan),
            "months_over_budget": by_year["budget_gap"].agg(lambda g: int((g < 0).sum())),
            "cumulative_accrual": by_year["cumulative_accrual"].last().to_numpy(),
        }
    )
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class ScenarioFigures:
    """One scenario's summary figures. Money in USD (accrual), shares as fractions, months
    counted from launch (month 0); totals over the plan years (see the module); None or NaN
    where there is nothing to measure."""

    scenario: str
    horizon_months: int
    fired: dict[str, int | None]  # trigger id -> month it fires; None: not within the horizon
    years: pd.DataFrame  # plan_years(): one row per plan year
    plan_months: int  # months the plan years cover (60 for five years)
    first_date: str  # YYYY-MM of month 0
    last_date: str  # YYYY-MM of the plan years' last month
    total_spend: float  # USD over the plan years
    total_revenue: float  # USD over the plan years
    total_share: float  # total spend / total revenue (fraction); NaN without revenue
    months_over_budget: int  # months of the plan years whose spend is above the stage budget
    gap_at_end: float  # budget - spend in the plan years' last month (USD/month); < 0: over
    spend_at: dict[int, float]  # milestone month -> spend that month (USD/month)


def milestones_within(projection: Projection, milestone_months: tuple[int, ...]) -> list[int]:
    """The milestone months (settings.csv) that fall within the projection's horizon."""
    return [m for m in milestone_months if m <= projection.horizon_months]


def scenario_figures(projection: Projection, milestone_months: tuple[int, ...]) -> ScenarioFigures:
    """The summary figures of ``projection``: its plan years and their totals, and the monthly
    spend at the ``milestone_months`` within its horizon."""
    t = projection.table
    years = plan_years(t)
    plan = t.iloc[: int(years["last_month"].iloc[-1]) + 1]
    spend, revenue = float(years["spend_accrual"].sum()), float(years["revenue"].sum())
    return ScenarioFigures(
        scenario=projection.scenario.scenario,
        horizon_months=projection.horizon_months,
        fired={
            k.trigger_id: projection.fired_month(k.trigger_id) for k in projection.model.triggers
        },
        years=years,
        plan_months=len(plan),
        first_date=str(plan["date"].iloc[0]),
        last_date=str(plan["date"].iloc[-1]),
        total_spend=spend,
        total_revenue=revenue,
        total_share=spend / revenue if revenue > 0 else np.nan,
        months_over_budget=int((plan["budget_gap"] < 0).sum()),
        gap_at_end=float(plan["budget_gap"].iloc[-1]),
        spend_at={
            m: float(t.loc[m, "spend_accrual"])
            for m in milestones_within(projection, milestone_months)
        },
    )
