"""``uncertainty.csv``: the Monte Carlo and sensitivity settings of each scenario to analyse."""

from dataclasses import dataclass

from secmodel.inputs.csvtable import Table

REQUIRED = ("scenario", "volatility", "paths", "seed", "sensitivity_delta")


@dataclass(frozen=True)
class UncertaintySettings:
    """The analysis settings of one scenario."""

    scenario: str
    volatility: float  # standard deviation of the monthly growth shock (fraction/month)
    paths: int  # simulated growth paths
    seed: int  # random seed
    sensitivity_delta: float  # relative move of each driver (fraction)
    line: int


def read_uncertainty(table: Table, scenarios: set[str] | None) -> dict[str, UncertaintySettings]:
    """The settings by scenario; each scenario must be in scenarios.csv (unless that file could
    not be read: None)."""
    found: dict[str, UncertaintySettings] = {}
    seen: dict[str, int] = {}
    for row, ok in table.valid_rows():
        name = row.unique_id("scenario", seen)
        if name and scenarios is not None and name not in scenarios:
            row.problem("scenario", "unknown scenario; not in scenarios.csv", name)
        volatility = row.fraction("volatility", minimum=0, per="month")
        paths = row.number("paths", integer=True, minimum=1, what="a number of paths")
        seed = row.number("seed", integer=True, minimum=0, what="a whole number")
        delta = row.number("sensitivity_delta", percent=True, above=0, what="a fraction")
        if delta is not None and delta >= 1:
            row.problem("sensitivity_delta", "must be below 1", row.raw("sensitivity_delta"))
        if ok():
            found[name] = UncertaintySettings(name, volatility, paths, seed, delta, row.line)
    return found
