"""One scenario's projection as tables: month by month, the events, and the spend by item."""

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.errors import InputError, Problem, UsageError
from secmodel.formatting import usd_cents
from secmodel.inputs.actuals import Actuals, ScenarioActuals, scenario_actuals
from secmodel.inputs.loader import (
    LAST_YEAR,
    MAX_HORIZON,
    ModelInputs,
    Scenario,
    longest_horizon,
)
from secmodel.limits import check_memory
from secmodel.model.engine import (
    CompiledModel,
    ModelArrays,
    compile_model,
    run_model,
    working_bytes,
)


@dataclass(frozen=True)
class Projection:
    """A scenario projected over months 0..horizon, as the analyst reads it."""

    scenario: Scenario
    horizon_months: int
    model: CompiledModel
    arrays: ModelArrays  # one path: (T,), (K, T), (I, T); see ModelArrays.path
    table: pd.DataFrame  # projection.csv
    events: pd.DataFrame  # events.csv
    spend_by_item: pd.DataFrame  # spend_by_item.csv
    actuals: "ScenarioActuals | None" = None  # the closed months, when run with actuals

    def fired_month(self, trigger_id: str) -> int | None:
        """The month the trigger first fires; None if not within the horizon."""
        k = [t.trigger_id for t in self.model.triggers].index(trigger_id)
        month = int(self.arrays.fired_month[k])
        return month if month >= 0 else None


def resolve_scenarios(inputs: ModelInputs, names: list[str] | None) -> list[Scenario]:
    """The named scenarios (all when ``names`` is empty); unknown names are refused with the
    known ones listed."""
    if not names:
        return list(inputs.scenarios.values())
    unknown = [n for n in names if n not in inputs.scenarios]
    if unknown:
        close = [m for n in unknown for m in similar(n, list(inputs.scenarios))]
        hint = f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
        raise UsageError(
            f"unknown scenario {', '.join(repr(n) for n in unknown)}; "
            f"known scenarios: {', '.join(inputs.scenarios)}{hint}"
        )
    return [inputs.scenarios[n] for n in dict.fromkeys(names)]


def similar(name: str, known: list[str]) -> list[str]:
    """Known names a mistyped one may mean: the same ignoring case, or close in spelling."""
    same_case = [k for k in known if k.lower() == name.lower()]
    return same_case or difflib.get_close_matches(name, known, n=2, cutoff=0.75)


def check_horizon(horizon: int | None, name: str = "--horizon") -> None:
    """A horizon override must be 1..MAX_HORIZON months; ``name`` is how the user wrote it."""
    if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
        raise UsageError(f"{name} must be between 1 and {MAX_HORIZON} months (got {horizon})")


def check_end(scenario: Scenario, horizon: int | None, name: str = "--horizon") -> None:
    """A horizon override must not carry ``scenario`` past LAST_YEAR-12 (what a spreadsheet
    can show as a date); ``name`` is how the user wrote the override."""
    if horizon is None:
        return
    most = longest_horizon(scenario.start_year, scenario.start_month)
    if horizon > most:
        raise UsageError(
            f"{name} {horizon} carries scenario '{scenario.scenario}' (from "
            f"{scenario.start_date}) past {LAST_YEAR}-12; at most {most} months"
        )


def month_labels(scenario: Scenario, months: np.ndarray) -> list[str]:
    """YYYY-MM for each month index, month 0 being the scenario's start date."""
    start = pd.Period(scenario.start_date, freq="M")
    return [str(start + int(m)) for m in months]


def project_scenario(
    inputs: ModelInputs,
    scenario: Scenario | str,
    horizon_months: int | None = None,
    model: CompiledModel | None = None,
    actuals: Actuals | None = None,
) -> Projection:
    """Project one scenario (its own horizon unless ``horizon_months`` is given); with
    ``actuals``, users and MRR of the closed months are the actuals and the months after the
    last of them are re-forecast from it."""
    if isinstance(scenario, str):
        scenario = resolve_scenarios(inputs, [scenario])[0]
    check_horizon(horizon_months)
    check_end(scenario, horizon_months)
    horizon = horizon_months or scenario.horizon_months
    model = model or compile_model(inputs)
    check_memory(
        f"projecting {scenario.scenario} over {horizon:,} months with {len(model.items):,} items",
        working_bytes(model, 1, horizon, per_item=True),
    )
    closed = None
    if actuals is not None:
        closed = scenario_actuals(actuals, scenario, horizon)
    arrays = run_model(model, scenario, horizon, actuals=closed).path(0)
    overflow = overflow_problem(inputs, model, scenario, arrays)
    if overflow:
        raise InputError([overflow])
    dates = month_labels(scenario, arrays.months)
    return Projection(
        scenario=scenario,
        horizon_months=horizon,
        model=model,
        arrays=arrays,
        table=projection_table(model, arrays, dates, closed),
        events=events_table(model, arrays, dates),
        spend_by_item=spend_by_item_table(model, arrays, dates),
        actuals=closed,
    )


def overflow_problem(
    inputs: ModelInputs, model: CompiledModel, scenario: Scenario, a: ModelArrays
) -> Problem | None:
    """When a figure grows past the largest number a float holds (about 1.8e308), the input
    row that drives it, as an input problem: the growth segment for users, the ARPU for ARPU,
    MRR and ARR, the catalog item for spend. None when every figure is finite."""

    def running_total(values):
        with np.errstate(over="ignore"):  # it is the overflow being looked for
            return np.cumsum(values, axis=-1)

    def first(values) -> int | None:
        bad = ~np.isfinite(values)
        return int(np.argmax(bad)) if bad.any() else None

    def problem(file: str, line: int, column: str, figure: str, month: int) -> Problem:
        table = inputs.tables[file]
        written = next((row.raw(column) for row in table.rows if row.line == line), None)
        return Problem(
            table.name,
            line,
            column,
            f"the {figure} of scenario '{scenario.scenario}' pass 1.8e308, the largest number "
            f"the model can hold, in month {month} of {len(a.months) - 1}; lower this value "
            "or the horizon",
            written,
        )

    month = first(a.users)
    if month is not None:
        segment = [s for s in scenario.growth if s.from_month <= month][-1]
        return problem("growth", segment.line, "user_growth_monthly", "users", month)
    for figure, values in (("ARPU", a.arpu), ("MRR", a.mrr), ("ARR", a.arr)):
        month = first(values)
        if month is not None:
            return problem("scenarios", scenario.line, "arpu_monthly", figure, month)
    for figure, total, per_item in (
        ("spend", a.spend_accrual, a.accrual),
        ("cash spend", a.spend_cash, a.cash),
        ("cumulative spend", a.cumulative_accrual, running_total(a.accrual)),
        ("cumulative cash spend", a.cumulative_cash, running_total(a.cash)),
    ):
        month = first(total)
        if month is not None:
            # the item that is not finite itself, else the largest part of the total
            column = np.nan_to_num(per_item[:, month], nan=np.inf)
            item = model.items[int(np.argmax(column))]
            return problem("catalog", item.line, "amount", figure, month)
    return None


def projection_table(
    model: CompiledModel, a: ModelArrays, dates: list[str], actuals: ScenarioActuals | None = None
) -> pd.DataFrame:
    """projection.csv: one row per month of path 0; with actuals, three columns more
    (:func:`actual_columns`)."""
    stage = a.stage
    has_stage = stage >= 0
    names = np.array([s.stage for s in model.stages] + [""], dtype=object)
    scores = np.array([s.target_score for s in model.stages] + [np.nan])
    budgets = np.array([s.budget_monthly for s in model.stages] + [np.nan])
    pick = np.where(has_stage, stage, len(model.stages))
    budget = budgets[pick]
    return pd.DataFrame(
        {
            "month": a.months,
            "date": dates,
            "users": a.users,
            "arpu": a.arpu,
            "mrr": a.mrr,
            "arr": a.arr,
            "stage": names[pick],
            "security_score": scores[pick],
            "budget": budget,
            "spend_accrual": a.spend_accrual,
            "spend_cash": a.spend_cash,
            "budget_gap": budget - a.spend_accrual,
            "cumulative_accrual": a.cumulative_accrual,
            "cumulative_cash": a.cumulative_cash,
            "pct_of_revenue": a.pct_of_revenue,
            "pct_of_revenue_ttm": a.pct_of_revenue_ttm,
            **(actual_columns(a, actuals) if actuals is not None else {}),
        }
    )


def actual_columns(a: ModelArrays, actuals: ScenarioActuals) -> dict[str, np.ndarray]:
    """``is_actual`` (1 in the closed months), ``spend_actual_cash`` (USD/month; blank where
    not known and after the last closed month) and ``cumulative_actual_then_forecast_cash``
    (USD: the actual cash where known, the model's cash elsewhere, added up)."""
    months = len(a.months)
    closed = slice(actuals.first, actuals.last + 1)
    is_actual = np.zeros(months, dtype=int)
    is_actual[closed] = 1
    spent = np.full(months, np.nan)
    spent[closed] = actuals.spend_cash
    known = np.where(np.isnan(spent), a.spend_cash, spent)
    return {
        "is_actual": is_actual,
        "spend_actual_cash": spent,
        "cumulative_actual_then_forecast_cash": np.cumsum(known),
    }


def spend_by_item_table(model: CompiledModel, a: ModelArrays, dates: list[str]) -> pd.DataFrame:
    """spend_by_item.csv: accrual and cash (USD) per active item and month, month-major."""
    month_idx, item_idx = np.nonzero(a.item_active.T)
    items = model.items
    return pd.DataFrame(
        {
            "month": a.months[month_idx],
            "date": [dates[m] for m in month_idx],
            "item_id": [items[i].item_id for i in item_idx],
            "tier": [items[i].tier for i in item_idx],
            "category": [items[i].category for i in item_idx],
            "accrual": a.accrual[item_idx, month_idx],
            "cash": a.cash[item_idx, month_idx],
        }
    )


def item_terms(item) -> str:
    """An item's price in words: '$2,000.00 annual', '$1.50 per user monthly', '1.00% of MRR',
    '$500.00 monthly, rising 11% a year from each plan year'."""
    if item.basis == "pct_revenue":
        return f"{item.amount:.2%} of MRR monthly"
    per = " per user" if item.basis == "per_user" else ""
    terms = f"{usd_cents(item.amount)}{per} {item.cadence.replace('_', '-')}"
    if item.escalation_annual:
        way = "rising" if item.escalation_annual > 0 else "falling"
        terms += f", {way} {abs(item.escalation_annual) * 100:g}% a year from each plan year"
    return terms


def events_table(model: CompiledModel, a: ModelArrays, dates: list[str]) -> pd.DataFrame:
    """events.csv: triggers firing, items starting and stopping, stage changes (path 0), in
    month order; within a month: triggers, stops, starts, stage change, each in file order."""
    rows = []
    for k, trigger in enumerate(model.triggers):
        fired = int(a.fired_month[k])
        if fired >= 0:
            detail = f"{trigger.condition.text} held for {trigger.sustain_months} month(s)"
            if trigger.lead_months:
                detail += f"; active from month {fired + trigger.lead_months}"
            rows.append((fired, 0, k, "trigger_fired", trigger.trigger_id, detail))
    active = a.item_active
    stopped = np.zeros_like(active)
    stopped[:, 1:] = active[:, :-1] & ~active[:, 1:]
    trigger_on = a.trigger_active
    for i, m in zip(*np.nonzero(stopped), strict=True):
        item = model.items[i]
        if trigger_on[model.item_trigger[i], m]:
            replacers = [
                model.items[j].item_id
                for j in model.replaced_by[i]
                if trigger_on[model.item_trigger[j], m]
            ]
            detail = f"replaced by {', '.join(replacers)}"
        else:
            detail = f"trigger {item.trigger} no longer active"
        rows.append((int(m), 1, int(i), "item_stopped", item.item_id, detail))
    for i, m in zip(*np.nonzero(a.item_starts), strict=True):
        item = model.items[i]
        detail = f"trigger {item.trigger}; {item_terms(item)}"
        rows.append((int(m), 2, int(i), "item_started", item.item_id, detail))
    stage = a.stage
    changed = np.nonzero(np.r_[stage[0] >= 0, stage[1:] != stage[:-1]])[0]
    for m in changed:
        new = stage[m]
        old = model.stages[stage[m - 1]].stage if m > 0 and stage[m - 1] >= 0 else "none"
        if new >= 0:
            s = model.stages[new]
            detail = (
                f"{old} -> {s.stage}; target score {s.target_score:g}; "
                f"budget {usd_cents(s.budget_monthly)}/month"
            )
            rows.append((int(m), 3, int(new), "stage_changed", s.stage, detail))
        else:
            rows.append((int(m), 3, 0, "stage_changed", "", f"{old} -> none"))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return pd.DataFrame(
        {
            "month": [r[0] for r in rows],
            "date": [dates[r[0]] for r in rows],
            "kind": [r[3] for r in rows],
            "id": [r[4] for r in rows],
            "detail": [r[5] for r in rows],
        },
        columns=["month", "date", "kind", "id", "detail"],
    )
