"""Why the numbers moved between two versions of the inputs: the variance bridge.

From the base version's cumulative spend over the horizon to the new version's, one group of
inputs at a time, in this fixed order (:data:`STEPS`): (1) revenue drivers (the scenario's row
of scenarios.csv and its growth.csv segments), (2) trigger rules (the condition, sustain, lead
and latch of triggers in both versions), (3) prices (amount, cadence, basis and escalation of
items in both versions), (4) scope (items, triggers and stages added or removed, an item's
trigger and replacements, the stages' rules), (5) actuals. Each step projects the inputs with
that group (and those before it) taken from the new version; its delta is the change in the
totals, in cents, so the steps add up exactly to new minus base and a step whose inputs did not
change is exactly zero.
"""

import dataclasses
from dataclasses import dataclass

import pandas as pd

from secmodel.inputs.actuals import Actuals
from secmodel.inputs.loader import ModelInputs
from secmodel.inputs.versions import Version
from secmodel.model.projection import Projection, project_scenario

STEPS = (
    ("revenue_drivers", "Revenue drivers (scenarios.csv, growth.csv)"),
    ("trigger_rules", "Trigger rules (triggers.csv)"),
    ("prices", "Prices of items in both versions (amount, cadence, basis, escalation)"),
    ("scope", "Scope (items, triggers and stages added or removed; replacements)"),
    ("actuals", "Actuals (actuals.csv)"),
)
# the columns that identify a row of each file, for changes.csv
ROW_KEYS = {
    "scenarios": ("scenario",),
    "growth": ("scenario", "from_month"),
    "triggers": ("trigger_id",),
    "catalog": ("item_id",),
    "stages": ("stage",),
    "roadmap_claims": ("claim_id",),
    "benchmarks": ("benchmark_id",),
    "uncertainty": ("scenario",),
    "settings": ("setting",),
    "actuals": ("date",),
}


@dataclass(frozen=True)
class Step:
    """One state of the bridge: the inputs, actuals and scenario it projects."""

    inputs: ModelInputs
    actuals: Actuals | None
    scenario_id: str
    scenario_from: ModelInputs  # the version whose scenario row (drivers, growth) is used


def steps(base: Version, new: Version, scenario: str) -> list[Step]:
    """The base, then the inputs after each of STEPS in turn (the last is the new version)."""
    b, n = base.inputs, new.inputs
    rules = {k: n.triggers.get(k, t) for k, t in b.triggers.items()}
    with_rules = dataclasses.replace(b, triggers=rules)
    priced = {
        k: dataclasses.replace(
            item,
            amount=other.amount,
            cadence=other.cadence,
            basis=other.basis,
            escalation_annual=other.escalation_annual,
        )
        if (other := n.catalog.get(k)) is not None
        else item
        for k, item in b.catalog.items()
    }
    with_prices = dataclasses.replace(with_rules, catalog=priced)
    return [
        Step(b, base.actuals, scenario, b),
        Step(b, base.actuals, scenario, n),
        Step(with_rules, base.actuals, scenario, n),
        Step(with_prices, base.actuals, scenario, n),
        Step(n, base.actuals, scenario, n),
        Step(n, new.actuals, scenario, n),
    ]


def project_step(step: Step) -> Projection:
    """The projection of one state of the bridge."""
    scenario = step.scenario_from.scenarios[step.scenario_id]
    return project_scenario(step.inputs, scenario, actuals=step.actuals)


def cents(value: float) -> int:
    """USD to whole cents (the bridge adds cents, so its steps add up exactly)."""
    return round(float(value) * 100)


def bridge_table(projections: list[Projection]) -> pd.DataFrame:
    """bridge.csv: the base total, each step's delta, the new total (USD over the horizon,
    accrual and cash), with the running total after each row."""
    totals = [
        (cents(p.table["cumulative_accrual"].iloc[-1]), cents(p.table["cumulative_cash"].iloc[-1]))
        for p in projections
    ]
    rows = [("base", "Last version (the base compared with)", None, None, *totals[0])]
    for (name, words), before, after in zip(STEPS, totals[:-1], totals[1:], strict=True):
        rows.append((name, words, after[0] - before[0], after[1] - before[1], *after))
    rows.append(("new", "This version", None, None, *totals[-1]))
    table = pd.DataFrame(
        rows,
        columns=["step", "description", "delta_cumulative_accrual", "delta_cumulative_cash",
                 "cumulative_accrual", "cumulative_cash"],
    )  # fmt: skip
    money = table.columns[2:]
    table[money] = table[money].astype("float64") / 100
    return table


def trigger_moves(base: Projection, new: Projection) -> pd.DataFrame:
    """Each trigger whose fire month differs between the versions (blank: not within the
    horizon; a trigger in one version only shows blank in the other)."""

    def fired(p: Projection) -> dict[str, int | None]:
        return {t.trigger_id: (int(m) if m >= 0 else None)
                for t, m in zip(p.model.triggers, p.arrays.fired_month, strict=True)}  # fmt: skip

    before, after = fired(base), fired(new)
    rows = []
    for trigger_id in dict.fromkeys([*before, *after]):
        a, b = before.get(trigger_id), after.get(trigger_id)
        if a != b:
            rows.append({
                "trigger_id": trigger_id,
                "base_month": a,
                "new_month": b,
                "moved_months": None if a is None or b is None else b - a,
            })  # fmt: skip
    columns = ["trigger_id", "base_month", "new_month", "moved_months"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"base_month": "Int64", "new_month": "Int64", "moved_months": "Int64"}
    )


def changes_table(base: Version, new: Version) -> pd.DataFrame:
    """changes.csv: every input cell that differs, as written (file, row id, column, base
    value, new value; a row added or removed shows each of its cells against a blank)."""
    rows = []
    for name, keys in ROW_KEYS.items():
        a, b = _rows(base, name, keys), _rows(new, name, keys)
        columns = list(dict.fromkeys([*a.columns, *b.columns]))
        for row_id in dict.fromkeys([*a.rows, *b.rows]):
            was, now = a.rows.get(row_id, {}), b.rows.get(row_id, {})
            for column in columns:
                old, value = was.get(column, ""), now.get(column, "")
                if old != value:
                    rows.append((f"{name}.csv", row_id, column, old, value))
    return pd.DataFrame(rows, columns=["file", "id", "column", "base_value", "new_value"])


@dataclass(frozen=True)
class _Rows:
    columns: list[str]
    rows: dict[str, dict[str, str]]


def _rows(version: Version, name: str, keys: tuple[str, ...]) -> _Rows:
    """A file's cells by row id ("/"-joined key columns) and column, as written."""
    table = version.actuals_table if name == "actuals" else version.inputs.tables.get(name)
    if table is None:
        return _Rows([], {})
    columns = [c for c in table.header if c and c not in keys]
    rows = {
        "/".join(row.raw(k) for k in keys): {c: row.raw(c) for c in columns} for row in table.rows
    }
    return _Rows(columns, rows)


@dataclass(frozen=True)
class Comparison:
    """One scenario's bridge between two versions, and what it shows."""

    scenario: str
    table: pd.DataFrame  # bridge.csv
    trigger_moves: pd.DataFrame  # trigger_moves.csv
    base: Projection
    new: Projection

    @property
    def reconciles(self) -> bool:
        return reconciles(self.table)


def compare(base: Version, new: Version, scenario: str) -> Comparison:
    """The bridge of ``scenario`` from ``base`` to ``new``."""
    projections = [project_step(s) for s in steps(base, new, scenario)]
    table = bridge_table(projections)
    moves = trigger_moves(projections[0], projections[-1])
    return Comparison(scenario, table, moves, projections[0], projections[-1])


def reconciles(table: pd.DataFrame) -> bool:
    """The bridge's check: its steps add up, to the cent, to new minus base (accrual and
    cash), and the running total after each step is the one before plus its delta."""
    ok = True
    for view in ("accrual", "cash"):
        running = [cents(v) for v in table[f"cumulative_{view}"]]
        deltas = [cents(v) for v in table[f"delta_cumulative_{view}"].iloc[1:-1]]
        ok &= sum(deltas) == running[-1] - running[0]
        ok &= all(b == a + d for a, b, d in zip(running, running[1:-1], deltas, strict=False))
    return bool(ok)
