"""``actuals.csv``: what happened in the months the books are closed for.

One row per closed month, consecutive: ``date`` (YYYY-MM), ``users``, ``mrr`` (USD/month) and
``spend_cash`` (security cash spend that month, USD; blank = not known). The same actuals serve
every scenario: :func:`scenario_actuals` places them on a scenario's month axis.
"""

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from secmodel.errors import EnvironmentFailure, InputError, Problem
from secmodel.inputs.csvtable import read_table
from secmodel.inputs.loader import Scenario
from secmodel.paths import display_path

REQUIRED = ("date", "users", "mrr", "spend_cash")
FILE_NAME = "actuals.csv"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Actuals:
    """The closed months of actuals.csv, in date order."""

    file: str  # as shown in messages
    months: tuple[int, ...]  # each row's month as year x 12 + (month - 1)
    users: np.ndarray  # users
    mrr: np.ndarray  # USD/month
    spend_cash: np.ndarray  # USD/month; NaN where not known
    lines: tuple[int, ...]

    @property
    def last_date(self) -> str:
        """The last closed month, YYYY-MM."""
        return month_text(self.months[-1])


@dataclass(frozen=True)
class ScenarioActuals:
    """Actuals on one scenario's month axis: months ``first`` .. ``last`` (L) are closed."""

    first: int  # month number of the first actual (0 = the scenario's start)
    last: int  # L: the last closed month
    users: np.ndarray  # (last - first + 1,) users
    mrr: np.ndarray  # USD/month
    spend_cash: np.ndarray  # USD/month; NaN where not known
    last_date: str  # YYYY-MM of month L


def month_text(index: int) -> str:
    """YYYY-MM of a month counted as year x 12 + (month - 1)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def read_actuals(path: Path | str) -> Actuals:
    """Read and check ``path``: a problem for a bad date, a gap or repeat, a negative or
    non-finite figure, MRR without users; every problem raised together."""
    path = Path(path)
    table = read_table(path, REQUIRED)
    if table.file_error:
        raise EnvironmentFailure(
            f"cannot read the actuals {display_path(path)} ({table.file_error}); put actuals.csv "
            "in the data folder or give its path as --actuals FILE"
        )
    months, users, mrr, spend, lines = [], [], [], [], []
    for row, ok in table.valid_rows():
        text = row.raw("date")
        match = _MONTH.match(text)
        if not match:
            row.problem("date", "must be a month written YYYY-MM", text)
        count = row.number("users", minimum=0, what="a number of users")
        revenue = row.money("mrr")
        cash = row.number("spend_cash", currency=True, minimum=0, optional=True,
                          what="an amount in USD")  # fmt: skip
        if count is not None and revenue is not None and count == 0 and revenue > 0:
            row.problem("mrr", "MRR without users: give the month's users too", row.raw("mrr"))
        if not ok():
            continue
        month = int(match.group(1)) * 12 + int(match.group(2)) - 1
        if months and month != months[-1] + 1:
            what = (
                f"repeats or goes back from {month_text(months[-1])} on line {lines[-1]}"
                if month <= months[-1]
                else f"leaves a gap after {month_text(months[-1])} on line {lines[-1]}: one "
                "row per month, consecutive"
            )
            row.problem("date", what, text)
            continue
        months.append(month)
        users.append(count)
        mrr.append(revenue)
        spend.append(math.nan if cash is None else cash)
        lines.append(row.line)
    if table.problems:
        raise InputError(table.problems)
    return Actuals(
        table.name, tuple(months), np.array(users, dtype=float), np.array(mrr, dtype=float),
        np.array(spend, dtype=float), tuple(lines),
    )  # fmt: skip


def scenario_actuals(actuals: Actuals, scenario: Scenario, horizon_months: int) -> ScenarioActuals:
    """The actuals on the month axis of ``scenario`` over ``horizon_months``; months before
    its start or after the horizon are input problems."""
    start = scenario.start_year * 12 + scenario.start_month - 1
    name = scenario.scenario
    first = actuals.months[0] - start
    last = actuals.months[-1] - start
    if first < 0:
        why = f"is before the start of scenario '{name}' ({month_text(start)})"
        raise InputError([_problem(actuals, 0, f"{why}; actuals begin at or after it")])
    if last > horizon_months:
        n = actuals.months.index(start + horizon_months + 1)
        why = f"is after the horizon of scenario '{name}' ({month_text(start + horizon_months)})"
        raise InputError([_problem(actuals, n, why)])
    return ScenarioActuals(first, last, actuals.users, actuals.mrr, actuals.spend_cash,
                           actuals.last_date)  # fmt: skip


def _problem(actuals: Actuals, n: int, message: str) -> Problem:
    return Problem(actuals.file, actuals.lines[n], "date", message, month_text(actuals.months[n]))
