"""One-at-a-time sensitivity: which assumption moves the answer most?

Every driver is moved down and up by ``delta`` (a fraction of its value; whole-month drivers by
at least one month) while everything else stays as in the CSVs: each user-growth segment, ARPU,
start users, each catalog amount, each trigger's sustain and lead. For each move the scenario is
projected again and three answers recorded: cumulative spend (accrual, USD) at the horizon, peak
monthly share of revenue, and the month each trigger fires.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from secmodel.errors import UsageError
from secmodel.inputs.loader import GrowthSegment, ModelInputs, Scenario
from secmodel.model.engine import compile_model, run_model


@dataclass(frozen=True)
class Driver:
    """An assumption that can be moved: its name, the input row it comes from and its value."""

    driver: str
    source: str  # file and line, so that every figure traces back to an input row
    value: float
    whole_months: bool = False
    minimum: float | None = None


def drivers(inputs: ModelInputs, scenario: Scenario) -> list[Driver]:
    """Every driver of ``scenario``, in input order."""
    found = [
        Driver(
            f"user growth from month {s.from_month}", f"growth.csv:{s.line}", s.user_growth_monthly
        )
        for s in scenario.growth
    ]
    found.append(Driver("arpu_monthly", f"scenarios.csv:{scenario.line}", scenario.arpu_monthly))
    found.append(Driver("start_users", f"scenarios.csv:{scenario.line}", scenario.start_users))
    for item in inputs.catalog.values():
        found.append(Driver(f"amount of {item.item_id}", f"catalog.csv:{item.line}", item.amount))
    for t in inputs.triggers.values():
        source = f"triggers.csv:{t.line}"
        found.append(Driver(f"sustain of {t.trigger_id}", source, t.sustain_months, True, 1))
        found.append(Driver(f"lead of {t.trigger_id}", source, t.lead_months, True, 0))
    return found


def moved(driver: Driver, delta: float) -> tuple[float, float]:
    """The driver's low and high values."""
    if driver.whole_months:
        step = max(1, round(abs(driver.value) * delta))
        return max(driver.minimum, driver.value - step), driver.value + step
    change = abs(driver.value) * delta
    return driver.value - change, driver.value + change


def with_value(inputs: ModelInputs, scenario: Scenario, driver: Driver, value: float):
    """Copies of the inputs and scenario with one driver set to ``value``."""
    name = driver.driver
    if name.startswith("user growth from month "):
        month = int(name.rsplit(" ", 1)[1])
        growth = tuple(
            GrowthSegment(
                s.from_month, value if s.from_month == month else s.user_growth_monthly, s.line
            )
            for s in scenario.growth
        )
        return inputs, dataclasses.replace(scenario, growth=growth)
    if name in ("arpu_monthly", "start_users"):
        return inputs, dataclasses.replace(scenario, **{name: value})
    kind, _, ident = name.partition(" of ")
    if kind == "amount":
        item = dataclasses.replace(inputs.catalog[ident], amount=value)
        return dataclasses.replace(inputs, catalog={**inputs.catalog, ident: item}), scenario
    field = {"sustain": "sustain_months", "lead": "lead_months"}[kind]
    trigger = dataclasses.replace(inputs.triggers[ident], **{field: int(value)})
    return dataclasses.replace(inputs, triggers={**inputs.triggers, ident: trigger}), scenario


def outcome(model, arrays) -> dict[str, float]:
    """Of one path's arrays (:meth:`ModelArrays.path`): cumulative spend at the horizon (USD,
    accrual), the peak share of revenue (fraction), and the month each trigger fires (NaN: not
    within the horizon)."""
    pct = arrays.pct_of_revenue
    result = {
        "cumulative_spend": float(arrays.cumulative_accrual[-1]),
        "peak_pct_of_revenue": float(np.nanmax(pct)) if np.isfinite(pct).any() else np.nan,
    }
    for t, month in zip(model.triggers, arrays.fired_month, strict=True):
        result[f"fires_{t.trigger_id}"] = float(month) if month >= 0 else np.nan
    return result


def answers(inputs: ModelInputs, scenario: Scenario, horizon: int) -> dict[str, float]:
    """The :func:`outcome` of projecting ``scenario`` over ``horizon`` months."""
    model = compile_model(inputs)
    return outcome(model, run_model(model, scenario, horizon, per_item=False).path(0))


def sensitivity_table(
    inputs: ModelInputs, scenario: Scenario, delta: float = 0.2, horizon: int | None = None
) -> pd.DataFrame:
    """One row per driver: its low and high values and the answers at each, with the swing of
    cumulative spend (high answer - low answer), largest first."""
    if not 0 < delta < 1:
        raise UsageError(f"--delta must be between 0 and 1 (got {delta})")
    horizon = horizon or scenario.horizon_months
    base = answers(inputs, scenario, horizon)
    rows = []
    for driver in drivers(inputs, scenario):
        low, high = moved(driver, delta)
        at = {}
        for label, value in (("low", low), ("high", high)):
            if label == "low" and driver.driver.startswith("user growth"):
                value = max(value, inputs.settings.growth_floor)  # users stay positive
            at[label] = answers(*with_value(inputs, scenario, driver, value), horizon)
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
