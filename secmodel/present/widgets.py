"""The what-if panel for JupyterLab: sliders that re-project a scenario and redraw its key figures
and charts live. Everything shown comes from :mod:`secmodel.present.tables` and
:mod:`secmodel.present.charts`."""

import math

import ipywidgets as widgets
from IPython.display import clear_output, display

from secmodel.analysis.audit import stage_pct_targets
from secmodel.analysis.runs import ScenarioRun, scenario_run
from secmodel.errors import UsageError
from secmodel.inputs.loader import ModelInputs
from secmodel.model.whatif import NO_CHANGE, WhatIf
from secmodel.present import charts, tables

# What the panel's output shows before a kernel has run it (ipywidgets cuts it at 110 characters).
NO_KERNEL_TEXT = "What-if panel: run the notebook (Run > Run All Cells) to move its sliders."


def on_grid(value: float, low: float, high: float, step: float) -> dict:
    """A slider's min, max and step that hold ``value`` on the step grid (the handle and the
    readout then agree): the step divided by 2, 5 or 10 until ``value`` lies on it (a whole
    number stays a whole number), the maximum raised to the first grid point at or above
    ``value``."""
    whole = isinstance(step, int)
    for divisor in (1, 2, 5, 10, 20, 50, 100, 1000):
        fine = step // divisor if whole else step / divisor
        if fine == 0:
            break
        ticks = (value - low) / fine
        if abs(ticks - round(ticks)) < 1e-9:
            step = fine
            break
    else:
        step = 1 if whole else 0.01
    top = max(high, low + math.ceil((value - low) / step - 1e-9) * step)
    return {"min": low, "max": top, "step": step}


def set_range(slider: widgets.Widget, value: float, low: float, high: float, step) -> None:
    """Move ``slider`` to ``value`` with a range and step that hold it (:func:`on_grid`)."""
    grid = on_grid(value, low, high, step)
    slider.max = max(grid["max"], slider.max)  # never below the value while it changes
    slider.step, slider.min = grid["step"], grid["min"]
    slider.value = value
    slider.max = grid["max"]


class WhatIfPanel(widgets.VBox):
    """The panel: its plain-text form, which JupyterLab and nbconvert show where no kernel
    holds the widget, says what it is and how to bring it to life, not the widget's repr."""

    def __repr__(self) -> str:
        return NO_KERNEL_TEXT


def figures(inputs: ModelInputs, run: ScenarioRun) -> list:
    """What the panel shows for one run, in order: the checks line, the key figures, users
    and MRR, monthly spend by category, and the share of revenue against the seed's targets
    and the published benchmarks."""
    p = run.projection
    return [
        run.checks_line,
        tables.show(tables.key_figures(p, inputs.settings.milestone_months)),
        charts.users_and_mrr_chart(p),
        charts.spend_by_category_chart(p),
        charts.pct_of_revenue_chart(p, stage_pct_targets(inputs.claims), inputs.benchmarks),
    ]


def show_figures(inputs: ModelInputs, run: ScenarioRun) -> None:
    """Display :func:`figures` (the checks line printed)."""
    for part in figures(inputs, run):
        if isinstance(part, str):
            print(part)
        else:
            display(part)


def what_if_panel(
    inputs: ModelInputs,
    scenario: str | None = None,
    horizon_months: int | None = None,
    what_if: WhatIf = NO_CHANGE,
) -> WhatIfPanel:
    """Sliders for growth multiplier, ARPU (USD/user/month), start users and horizon (months),
    and a scenario picker, starting from ``what_if``; the output below them redraws once per
    change (a scenario change resets two sliders and redraws once)."""
    scenario = scenario or inputs.default_scenario
    base = inputs.scenarios[scenario]
    user_growth_multiplier = what_if.user_growth_multiplier
    arpu_monthly, start_users = what_if.arpu_monthly, what_if.start_users
    style = {"description_width": "170px"}
    layout = widgets.Layout(width="520px")
    pick = widgets.Dropdown(
        options=[(s.label, name) for name, s in inputs.scenarios.items()],
        value=scenario,
        description="Scenario",
        style=style,
        layout=widgets.Layout(width="420px"),
    )

    def slider(kind, description):
        return kind(description=description, style=style, layout=layout, continuous_update=False)

    growth = slider(widgets.FloatSlider, "User growth x")
    arpu = slider(widgets.FloatSlider, "ARPU (USD/user/month)")
    users = slider(widgets.IntSlider, "Users at launch")
    horizon = slider(widgets.IntSlider, "Horizon (months)")
    set_range(growth, user_growth_multiplier, 0.0, 2.0, 0.05)
    set_range(
        arpu, arpu_monthly if arpu_monthly is not None else base.arpu_monthly, 0.0, 100.0, 0.5
    )
    set_range(
        users, round(start_users if start_users is not None else base.start_users), 0, 10_000, 10
    )
    set_range(horizon, horizon_months or base.horizon_months, 12, 240, 12)

    output = widgets.Output()
    resetting = False  # a scenario change sets two sliders: one redraw for the three changes

    def redraw(_change=None) -> None:
        if resetting:
            return
        with output:
            clear_output(wait=True)
            draw(pick.value, growth.value, arpu.value, users.value, horizon.value)

    def reset_to_scenario(change) -> None:
        nonlocal resetting
        chosen = inputs.scenarios[change["new"]]
        resetting = True
        try:
            set_range(arpu, chosen.arpu_monthly, 0.0, 100.0, 0.5)
            set_range(users, round(chosen.start_users), 0, 10_000, 10)
        finally:
            resetting = False
        redraw()

    def draw(scenario, multiplier, arpu_value, users_value, horizon_value) -> None:
        try:
            chosen = WhatIf(
                user_growth_multiplier=multiplier, arpu_monthly=arpu_value, start_users=users_value
            )
            run = scenario_run(inputs, scenario, horizon_value, chosen)
        except UsageError as exc:
            print(f"Not possible: {exc}")
            return
        show_figures(inputs, run)

    pick.observe(reset_to_scenario, names="value")
    for slider in (growth, arpu, users, horizon):
        slider.observe(redraw, names="value")
    redraw()
    return WhatIfPanel([widgets.VBox([pick, growth, arpu, users, horizon]), output])
