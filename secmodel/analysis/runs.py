"""A run of the model as the notebooks and the board report ask for it: a scenario with its
what-if overrides, projected and checked; every scenario side by side; a scenario's Monte Carlo
and sensitivity with the settings of uncertainty.csv. Each takes the loaded inputs, so a caller
loads them once."""

import dataclasses
from dataclasses import dataclass

import pandas as pd

from secmodel.analysis.bridge import Comparison, compare
from secmodel.analysis.montecarlo import MonteCarloResult, MonteCarloSpec, run_montecarlo
from secmodel.analysis.sensitivity import sensitivity_table
from secmodel.analysis.variance import closed_span, plan_vs_actual
from secmodel.errors import UsageError
from secmodel.inputs.actuals import Actuals, read_actuals, scenario_actuals
from secmodel.inputs.loader import ModelInputs
from secmodel.inputs.versions import Version, read_version
from secmodel.model.checks import CheckResult, run_checks, summary_line
from secmodel.model.engine import compile_model
from secmodel.model.projection import (
    Projection,
    check_end,
    check_horizon,
    project_scenario,
    resolve_scenarios,
)
from secmodel.model.whatif import NO_CHANGE, WhatIf


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario after what-if overrides: its projection and its checks."""

    inputs: ModelInputs
    projection: Projection
    checks: list[CheckResult]

    @property
    def checks_line(self) -> str:
        """'checks: N/N pass'."""
        return summary_line(self.checks)


def scenario_run(
    inputs: ModelInputs,
    scenario: str | None = None,
    horizon_months: int | None = None,
    what_if: WhatIf = NO_CHANGE,
    actuals: Actuals | None = None,
) -> ScenarioRun:
    """Project ``scenario`` (settings.csv's default when None) with ``what_if`` applied (and
    re-forecast from ``actuals``, when given)."""
    base = resolve_scenarios(inputs, [scenario or inputs.default_scenario])[0]
    projection = project_scenario(inputs, what_if.apply(base), horizon_months, actuals=actuals)
    return ScenarioRun(inputs, projection, run_checks(projection.table, projection.spend_by_item))


def all_scenarios(
    inputs: ModelInputs,
    horizon_months: int | None = None,
    focus: str | None = None,
    what_if: WhatIf = NO_CHANGE,
) -> list[Projection]:
    """Every scenario projected; ``what_if`` applies to ``focus`` only, or to all when None."""
    if focus is not None:
        resolve_scenarios(inputs, [focus])
    model = compile_model(inputs)
    projections = []
    for scenario in inputs.scenarios.values():
        if focus is None or scenario.scenario == focus:
            scenario = what_if.apply(scenario)
        projections.append(project_scenario(inputs, scenario, horizon_months, model=model))
    return projections


@dataclass(frozen=True)
class UncertaintyRun:
    """A scenario's Monte Carlo and sensitivity, with the settings used."""

    scenario: str
    paths: int
    volatility: float  # standard deviation of the monthly growth shock (fraction/month)
    sensitivity_delta: float  # relative move of each driver (fraction)
    montecarlo: MonteCarloResult
    sensitivity: pd.DataFrame
    label: str  # the scenario's name for a reader
    trigger_labels: dict[str, str]  # trigger id -> the name a reader sees
    start_date: str  # month 0 as YYYY-MM, for the charts' calendar axis


UNCERTAINTY_SETTINGS = ("volatility", "paths", "seed", "sensitivity_delta")


def uncertainty_scenario(inputs: ModelInputs, scenario: str | None) -> str | None:
    """The scenario an uncertainty run of ``scenario`` simulates: itself, or with None the
    first of uncertainty.csv (None when that file has no rows)."""
    if scenario is not None:
        return scenario
    return next(iter(inputs.uncertainty), None)


def missing_uncertainty(inputs: ModelInputs, scenario: str | None, given: dict) -> list[str]:
    """The settings an uncertainty run of ``scenario`` would lack: none when uncertainty.csv
    has its row, else those of UNCERTAINTY_SETTINGS not ``given`` (a value other than None)."""
    if uncertainty_scenario(inputs, scenario) in inputs.uncertainty:
        return []
    return [name for name in UNCERTAINTY_SETTINGS if given.get(name) is None]


def uncertainty_run(
    inputs: ModelInputs,
    scenario: str | None = None,
    horizon_months: int | None = None,
    what_if: WhatIf = NO_CHANGE,
    volatility: float | None = None,
    paths: int | None = None,
    seed: int | None = None,
    sensitivity_delta: float | None = None,
    actuals: Actuals | None = None,
) -> UncertaintyRun:
    """Monte Carlo and sensitivity of ``scenario`` (None: the first of uncertainty.csv);
    settings left as None come from its row of uncertainty.csv. With ``actuals`` the Monte
    Carlo draws only the months after the last closed one (the sensitivity stays on the
    plan: it moves the plan's assumptions)."""
    given = {
        "volatility": volatility,
        "paths": paths,
        "seed": seed,
        "sensitivity_delta": sensitivity_delta,
    }
    missing = missing_uncertainty(inputs, scenario, given)
    scenario = uncertainty_scenario(inputs, scenario)
    if scenario is None:
        raise UsageError("uncertainty.csv has no scenario to simulate")
    if missing:
        raise UsageError(
            f"uncertainty.csv has no row for scenario '{scenario}': add one, or give "
            f"{', '.join(missing)}"
        )
    base = resolve_scenarios(inputs, [scenario])[0]
    settings = inputs.uncertainty.get(scenario)
    changed = what_if.apply(base)
    horizon = horizon_months or changed.horizon_months
    spec = MonteCarloSpec(
        changed,
        horizon,
        paths if paths is not None else settings.paths,
        volatility if volatility is not None else settings.volatility,
        seed if seed is not None else settings.seed,
        inputs.settings.growth_floor,
        None if actuals is None else scenario_actuals(actuals, changed, horizon),
    )
    delta = sensitivity_delta if sensitivity_delta is not None else settings.sensitivity_delta
    return UncertaintyRun(
        scenario,
        spec.paths,
        spec.volatility,
        delta,
        run_montecarlo(inputs, spec),
        sensitivity_table(inputs, changed, delta, horizon),
        base.label,
        {t.trigger_id: t.label for t in inputs.triggers.values()},
        base.start_date,
    )


@dataclass(frozen=True)
class CloseRun:
    """A scenario's monthly close: the plan, the re-forecast on the actuals, plan vs actual,
    and the bridge from a base version (the plan itself when none is given)."""

    plan: Projection
    reforecast: Projection
    plan_vs_actual: pd.DataFrame  # plan_vs_actual.csv
    comparison: Comparison
    checks: list[CheckResult]

    @property
    def checks_line(self) -> str:
        """'checks: N/N pass', the bridge's own check among them."""
        return summary_line(self.checks)

    @property
    def closed_line(self) -> str:
        """'Base case: 14 closed months, Jan 2027 to Feb 2028'."""
        closed = self.reforecast.actuals
        months = closed.last - closed.first + 1
        label = self.reforecast.scenario.label
        return f"{label}: {months} closed months, {closed_span(self.reforecast)}"


def close_run(
    inputs: ModelInputs,
    scenario: str | None,
    actuals_file,
    base_version: str | None = None,
    horizon_months: int | None = None,
    what_if: WhatIf = NO_CHANGE,
) -> CloseRun:
    """The close of ``scenario`` (settings.csv's default when None, with ``what_if`` and the
    horizon override applied) with the actuals in ``actuals_file``; the bridge from
    ``base_version`` (a data folder or git:REV; None: these inputs without the actuals, so the
    bridge shows what the close moved)."""
    chosen = resolve_scenarios(inputs, [scenario or inputs.default_scenario])[0]
    check_horizon(horizon_months, "parameter 'horizon_months'")
    check_end(chosen, horizon_months, "parameter 'horizon_months'")
    chosen = what_if.apply(chosen)
    if horizon_months:
        chosen = dataclasses.replace(chosen, horizon_months=horizon_months)
    name = chosen.scenario
    inputs = dataclasses.replace(inputs, scenarios={**inputs.scenarios, name: chosen})
    actuals = read_actuals(actuals_file)
    plan = project_scenario(inputs, name)
    reforecast = project_scenario(inputs, name, actuals=actuals)
    new = Version("this version", inputs, actuals)
    if base_version is None:
        base = Version("the plan", inputs, None)
    else:
        base = read_version(base_version, inputs.data_dir)
    comparison = compare(base, new, name)
    checks = [
        *run_checks(reforecast.table, reforecast.spend_by_item),
        CheckResult(
            "bridge_reconciles",
            comparison.reconciles,
            "the bridge's steps add up to the cent to the change in cumulative spend",
        ),
    ]
    return CloseRun(plan, reforecast, plan_vs_actual(plan, reforecast), comparison, checks)
