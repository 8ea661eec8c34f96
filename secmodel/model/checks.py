"""Model checks, run on every projection: the totals reconcile and nothing is negative.

Each check compares two independent routes to the same number on the output tables (not on the
engine's arrays), so a bug in how a table is built is caught as well as one in the engine.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Relative tolerance for sums computed in a different order (USD amounts up to ~1e9).
RTOL = 1e-9
ATOL = 1e-6


@dataclass(frozen=True)
class CheckResult:
    """One named check, whether it passed, and where it failed if not."""

    name: str
    passed: bool
    detail: str = ""
    months_failing: int = 0  # months (rows) the check fails in


def _close(a, b) -> np.ndarray:
    return np.isclose(
        np.asarray(a, float), np.asarray(b, float), rtol=RTOL, atol=ATOL, equal_nan=True
    )


def _result(name: str, ok: np.ndarray, months: pd.Series) -> CheckResult:
    ok = np.asarray(ok, dtype=bool)
    if ok.all():
        return CheckResult(name, True)
    bad = months[~ok].tolist()
    shown = ", ".join(str(m) for m in bad[:5]) + (" ..." if len(bad) > 5 else "")
    return CheckResult(name, False, f"fails in month(s) {shown}", len(bad))


def run_checks(table: pd.DataFrame, spend_by_item: pd.DataFrame) -> list[CheckResult]:
    """Every model check on one projection's tables."""
    months = table["month"]
    by_month = spend_by_item.groupby("month")[["accrual", "cash"]].sum()
    by_month = by_month.reindex(months, fill_value=0.0)
    previous = lambda col: table[col].shift(1, fill_value=0.0)  # noqa: E731
    has_revenue = table["mrr"] > 0
    expected_pct = np.where(
        has_revenue, table["spend_accrual"] / table["mrr"].where(has_revenue), np.nan
    )
    return [
        _result(
            "sum of items' accrual = spend_accrual",
            _close(by_month["accrual"].to_numpy(), table["spend_accrual"]),
            months,
        ),
        _result(
            "sum of items' cash = spend_cash",
            _close(by_month["cash"].to_numpy(), table["spend_cash"]),
            months,
        ),
        _result(
            "cumulative_accrual = previous + spend_accrual",
            _close(
                table["cumulative_accrual"], previous("cumulative_accrual") + table["spend_accrual"]
            ),
            months,
        ),
        _result(
            "cumulative_cash = previous + spend_cash",
            _close(table["cumulative_cash"], previous("cumulative_cash") + table["spend_cash"]),
            months,
        ),
        _result(
            "pct_of_revenue = spend_accrual / mrr",
            _close(table["pct_of_revenue"], expected_pct),
            months,
        ),
        _result("mrr = users x arpu", _close(table["mrr"], table["users"] * table["arpu"]), months),
        _result("arr = 12 x mrr", _close(table["arr"], 12 * table["mrr"]), months),
        _result(
            "no negative spend",
            (table["spend_accrual"] >= 0) & (table["spend_cash"] >= 0),
            months,
        ),
        _result(
            "no negative item cost",
            ~spend_by_item.groupby("month")[["accrual", "cash"]]
            .min()
            .lt(0)
            .any(axis=1)
            .reindex(months, fill_value=False)
            .to_numpy(),
            months,
        ),
    ]


def summary_line(results: list[CheckResult]) -> str:
    """'checks: N/N pass' (or how many fail)."""
    passed = sum(r.passed for r in results)
    return f"checks: {passed}/{len(results)} pass"
