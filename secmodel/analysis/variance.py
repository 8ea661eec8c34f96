"""Plan against actual for the closed months: the flexible-budget variance.

Three spend figures per closed month (cash, USD/month): the plan (the scenario without actuals),
the flexible budget (the roadmap's rules applied to the actual users and MRR: what the plan
would have spent had it known the growth) and the actual. Volume variance = flexible budget -
plan (spend that moved because growth did); spending variance = actual - flexible budget (over
or under the roadmap's own rules). Plan + volume + spending = actual, month by month and plan
year to date.
"""

import numpy as np
import pandas as pd

from secmodel.formatting import month_span
from secmodel.model.engine import plan_year
from secmodel.model.projection import Projection


def year_to_date(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Running sum within each plan year (blank from a month whose value is not known)."""
    return pd.Series(values).groupby(years).transform(lambda s: s.cumsum(skipna=False)).to_numpy()


def plan_vs_actual(plan: Projection, flexible: Projection) -> pd.DataFrame:
    """plan_vs_actual.csv for months 0 .. L: ``plan`` projected without actuals, ``flexible``
    with them. Actual figures are blank before the first actual and where not known."""
    closed = flexible.actuals
    months = np.arange(closed.last + 1)
    p, f = plan.table.iloc[months], flexible.table.iloc[months]
    is_actual = f["is_actual"].to_numpy() == 1
    actual_users = np.where(is_actual, f["users"], np.nan)
    actual_mrr = np.where(is_actual, f["mrr"], np.nan)
    spend_plan = p["spend_cash"].to_numpy()
    spend_flexible = f["spend_cash"].to_numpy()
    spend_actual = f["spend_actual_cash"].to_numpy()
    monthly = {
        "spend_plan_cash": spend_plan,
        "spend_flexible_cash": spend_flexible,
        "spend_actual_cash": spend_actual,
        "volume_variance_cash": spend_flexible - spend_plan,
        "spending_variance_cash": spend_actual - spend_flexible,
        "total_variance_cash": spend_actual - spend_plan,
    }
    years = plan_year(len(months))
    return pd.DataFrame(
        {
            "month": months,
            "date": f["date"].to_numpy(),
            "plan_year": years + 1,
            "is_actual": is_actual.astype(int),
            "users_plan": p["users"].to_numpy(),
            "users_actual": actual_users,
            "users_variance": actual_users - p["users"].to_numpy(),
            "mrr_plan": p["mrr"].to_numpy(),
            "mrr_actual": actual_mrr,
            "mrr_variance": actual_mrr - p["mrr"].to_numpy(),
            **monthly,
            **{f"ytd_{name}": year_to_date(values, years) for name, values in monthly.items()},
        }
    )


def closed_span(projection: Projection) -> str:
    """'Jan 2027-Feb 2028': the closed months of a re-forecast projection."""
    closed, dates = projection.actuals, projection.table["date"]
    return month_span(dates[closed.first], dates[closed.last])
