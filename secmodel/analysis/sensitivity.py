"""One-at-a-time sensitivity: which assumption moves the answer most?

Every driver is moved down and up by ``delta`` (a fraction of its value; whole-month drivers by
at least one month) while everything else stays as in the CSVs: each user-growth segment, ARPU,
start users, each catalog amount, each trigger's sustain and lead. For each move three answers
are recorded: cumulative spend (accrual, USD) at the horizon, peak monthly share of revenue, and
the month each trigger fires. A growth, scenario or trigger move projects the scenario again on
the model compiled once; an amount move needs no projection: no trigger reads spend, so spend
is the base spend plus the change times the item's accrual per unit of amount (equal to
projecting again within rounding, about 1e-13 relative).
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.errors import UsageError
from secmodel.inputs.loader import GrowthSegment, ModelInputs, Scenario
from secmodel.model.engine import (
    CompiledModel,
    accrual_cost,
    compile_model,
    item_rate,
    run_model,
    share_of,
)


@dataclass(frozen=True)
class Driver:
    """An assumption that can be moved: what it is (``kind`` and ``key``, e.g. ("amount",
    "splunk_monitoring")), its label, the input row it comes from and its value."""

    kind: str  # growth (key: from_month), scenario (key: field), amount, sustain, lead (key: id)
    key: str | int
    driver: str  # the label the table shows
    source: str  # file and line, so that every figure traces back to an input row
    value: float
    whole_months: bool = False
    minimum: float | None = None


def drivers(inputs: ModelInputs, scenario: Scenario) -> list[Driver]:
    """Every driver of ``scenario``, in input order."""
    at = f"scenarios.csv:{scenario.line}"
    found = [
        Driver(
            "growth",
            s.from_month,
            f"user growth from month {s.from_month}",
            f"growth.csv:{s.line}",
            s.user_growth_monthly,
        )
        for s in scenario.growth
    ]
    found.append(Driver("scenario", "arpu_monthly", "ARPU", at, scenario.arpu_monthly))
    found.append(Driver("scenario", "start_users", "users at launch", at, scenario.start_users))
    for item in inputs.catalog.values():
        found.append(
            Driver(
                "amount",
                item.item_id,
                f"price of {item.name}",
                f"catalog.csv:{item.line}",
                item.amount,
            )
        )
    for t in inputs.triggers.values():
        source = f"triggers.csv:{t.line}"
        for kind, value, minimum in (("sustain", t.sustain_months, 1), ("lead", t.lead_months, 0)):
            found.append(
                Driver(
                    kind,
                    t.trigger_id,
                    f"{'months held before' if kind == 'sustain' else 'lead time of'} "
                    f"\u201c{t.label}\u201d",
                    source,
                    value,
                    True,
                    minimum,
                )
            )
    return found


def moved(driver: Driver, delta: float) -> tuple[float, float]:
    """The driver's low and high values."""
    if driver.whole_months:
        step = max(1, round(abs(driver.value) * delta))
        return max(driver.minimum, driver.value - step), driver.value + step
    change = abs(driver.value) * delta
    return driver.value - change, driver.value + change


TRIGGER_FIELDS = {"sustain": "sustain_months", "lead": "lead_months"}


def with_value(model: CompiledModel, scenario: Scenario, driver: Driver, value: float):
    """The compiled model and scenario with one growth, scenario or trigger driver set to
    ``value`` (the model's arrays copied, never compiled again)."""
    if driver.kind == "growth":
        growth = tuple(
            GrowthSegment(
                s.from_month, value if s.from_month == driver.key else s.user_growth_monthly, s.line
            )
            for s in scenario.growth
        )
        return model, dataclasses.replace(scenario, growth=growth)
    if driver.kind == "scenario":
        return model, dataclasses.replace(scenario, **{driver.key: value})
    field = TRIGGER_FIELDS[driver.kind]
    k = [t.trigger_id for t in model.triggers].index(driver.key)
    months = getattr(model, field).copy()
    months[k] = int(value)
    return dataclasses.replace(model, **{field: months}), scenario


def outcome(model, arrays) -> dict[str, float]:
    """Of one path's arrays (:meth:`ModelArrays.path`): cumulative spend at the horizon (USD,
    accrual), the peak share of revenue (fraction), and the month each trigger fires (NaN: not
    within the horizon)."""
    result = {
        "cumulative_spend": float(arrays.cumulative_accrual[-1]),
        "peak_pct_of_revenue": peak(arrays.pct_of_revenue),
    }
    for t, month in zip(model.triggers, arrays.fired_month, strict=True):
        result[f"fires_{t.trigger_id}"] = float(month) if month >= 0 else np.nan
    return result


def peak(share: np.ndarray) -> float:
    """The largest monthly share of revenue (fraction); NaN when no month has revenue."""
    return float(np.nanmax(share)) if np.isfinite(share).any() else np.nan


def answers(model: CompiledModel, scenario: Scenario, horizon: int) -> dict[str, float]:
    """The :func:`outcome` of projecting ``scenario`` over ``horizon`` months."""
    return outcome(model, run_model(model, scenario, horizon, per_item=False).path(0))


def unit_accrual(model: CompiledModel, arrays) -> np.ndarray:
    """Each item's accrual (USD/month) per unit of its amount, (I, T), on one path's arrays
    (with per-item flags): spend is linear in each amount, since no trigger reads spend."""
    units = [dataclasses.replace(item, amount=1.0) for item in model.items]
    rate = item_rate(units, arrays.users[None, :], arrays.mrr[None, :])
    return accrual_cost(rate, model.cadence, arrays.item_active[None], arrays.item_starts[None])[0]


def amount_answers(base_arrays, base: dict, unit: np.ndarray, old: float, new: float) -> dict:
    """The answers with one item's amount moved from ``old`` to ``new``: its unit accrual
    times the change added to the spend; the trigger months do not move."""
    change = new - old
    spend = base_arrays.spend_accrual + change * unit
    return {
        **base,
        "cumulative_spend": base["cumulative_spend"] + change * float(unit.sum()),
        "peak_pct_of_revenue": peak(share_of(spend, base_arrays.mrr)),
    }


def sensitivity_table(
    inputs: ModelInputs, scenario: Scenario, delta: float = 0.2, horizon: int | None = None
) -> pd.DataFrame:
    """One row per driver: its low and high values and the answers at each, with the swing of
    cumulative spend (high answer - low answer), largest first. The model is compiled once;
    an amount's answers come from its unit accrual (linear in the amount), the others' from
    projecting again, so the time grows linearly with the catalog."""
    if not 0 < delta < 1:
        raise UsageError(f"--delta must be between 0 and 1 (got {delta})")
    horizon = horizon or scenario.horizon_months
    model = compile_model(inputs)
    base_arrays = run_model(model, scenario, horizon).path(0)
    base = outcome(model, base_arrays)
    units = unit_accrual(model, base_arrays)
    item_index = {item.item_id: i for i, item in enumerate(model.items)}
    rows = []
    for driver in drivers(inputs, scenario):
        low, high = moved(driver, delta)
        at = {}
        for label, value in (("low", low), ("high", high)):
            if label == "low" and driver.kind == "growth":
                value = max(value, inputs.settings.growth_floor)  # users stay positive
            if driver.kind == "amount":
                unit = units[item_index[driver.key]]
                at[label] = amount_answers(base_arrays, base, unit, driver.value, value)
            else:
                at[label] = answers(*with_value(model, scenario, driver, value), horizon)
            at[label]["value"] = value
        row = {
            "driver": driver.driver,
            "source": driver.source,
            "base_value": driver.value,
            "low_value": at["low"]["value"],
            "high_value": at["high"]["value"],
        }
        for answer in base:
            row[f"{answer}_base"] = base[answer]
            row[f"{answer}_low"] = at["low"][answer]
            row[f"{answer}_high"] = at["high"][answer]
        row["cumulative_spend_swing"] = (
            at["high"]["cumulative_spend"] - at["low"]["cumulative_spend"]
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    order = table["cumulative_spend_swing"].abs().sort_values(ascending=False, kind="stable")
    return table.loc[order.index].reset_index(drop=True)
