"""``settings.csv``: the model's remaining assumptions that are not about costs or growth, one
row each (``setting, value, unit, description``), so that none is typed into the code."""

from dataclasses import dataclass

from secmodel.errors import Problem
from secmodel.inputs.csvtable import Row, Table

REQUIRED = ("setting", "value")
UNITS = ("usd_month", "fraction", "month", "score")


@dataclass(frozen=True)
class Settings:
    """The settings, read and checked."""

    milestone_months: tuple[int, ...]  # months the summary tables show (months)
    growth_floor: float  # lowest monthly user growth a simulation or a sensitivity may use
    match_tolerance: dict[str, float]  # audit: largest difference that still matches, by unit
    default_scenario: str | None  # the scenario a notebook shows when none is chosen (None:
    # the first of scenarios.csv; see ModelInputs.default_scenario)
    notebook_workers: int  # notebooks executed at once by `secmodel notebooks`


def _months(row: Row) -> tuple[int, ...] | None:
    text = row.raw("value")
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts or not all(p.isdigit() for p in parts):
        row.problem("value", "must be whole months separated by ';' (e.g. 12;24;36;60)", text)
        return None
    months = tuple(int(p) for p in parts)
    if list(months) != sorted(set(months)):
        row.problem("value", "months must rise and not repeat", text)
        return None
    return months


def _growth_floor(row: Row) -> float | None:
    value = row.number("value", percent=True, above=-1, what="a fraction per month")
    if value is not None and value >= 0:
        row.problem("value", "must be below 0 (a fall in users)", row.raw("value"))
        return None
    return value


def _tolerance(row: Row) -> float | None:
    return row.number("value", percent=True, minimum=0, what="a tolerance")


def _workers(row: Row) -> int | None:
    return row.number("value", integer=True, minimum=1, what="a number of processes")


def _optional_text(row: Row) -> str | None:
    return row.raw("value") or None


READERS = {
    "milestone_months": _months,
    "growth_floor": _growth_floor,
    **{f"match_tolerance_{unit}": _tolerance for unit in UNITS},
    "default_scenario": _optional_text,
    "notebook_workers": _workers,
}


def read_settings(table: Table, scenarios: set[str] | None) -> Settings | None:
    """The settings of a read table; every setting once, none unknown (None if any problem)."""
    values, seen = {}, {}
    for row, ok in table.valid_rows():
        name = row.unique_id("setting", seen)
        if name is None:
            continue
        if name not in READERS:
            row.problem("setting", f"unknown setting; known: {', '.join(READERS)}", name)
            continue
        value = READERS[name](row)
        known = scenarios if name == "default_scenario" and value else None
        if known is not None and value not in known:
            row.problem("value", "unknown scenario; not in scenarios.csv", value)
        if ok():
            values[name] = value
    defined = table.ids("setting") or set()  # a misaligned row still names its setting
    missing = [name for name in READERS if name not in defined]
    if missing:
        line = table.rows[-1].line + 1 if table.rows else 2  # where the rows would go
        table.problems.append(
            Problem(table.name, line, "setting", f"missing: {', '.join(missing)}")
        )
    if table.problems:
        return None
    return Settings(
        milestone_months=values["milestone_months"],
        growth_floor=values["growth_floor"],
        match_tolerance={unit: values[f"match_tolerance_{unit}"] for unit in UNITS},
        default_scenario=values["default_scenario"],
        notebook_workers=values["notebook_workers"],
    )
