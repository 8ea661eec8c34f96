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


def with_value(inputs: ModelInputs, scenario: Scenario, driver: Driver, value: float):
    """Copies of the inputs and scenario with one driver set to ``value``."""
    if driver.kind == "growth":
        growth = tuple(
            GrowthSegment(
                s.from_month, value if s.from_month == driver.key else s.user_growth_monthly, s.line
            )
            for s in scenario.growth
        )
        return inputs, dataclasses.replace(scenario, growth=growth)
    if driver.kind == "scenario":
        return inputs, dataclasses.replace(scenario, **{driver.key: value})
    if driver.kind == "amount":
        item = dataclasses.replace(inputs.catalog[driver.key], amount=value)
        return dataclasses.replace(inputs, catalog={**inputs.catalog, driver.key: item}), scenario
    field = TRIGGER_FIELDS[driver.kind]
    trigger = dataclasses.replace(inputs.triggers[driver.key], **{field: int(value)})
    return dataclasses.replace(inputs, triggers={**inputs.triggers, driver.key: trigger}), scenario


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
            if label == "low" and driver.kind == "growth":
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
