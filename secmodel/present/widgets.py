"""The what-if panel for JupyterLab: sliders that re-project a scenario and redraw its key figures
and charts live. Everything shown comes from :mod:`secmodel.present.tables` and
:mod:`secmodel.present.charts`."""

import ipywidgets as widgets
from IPython.display import clear_output, display

from secmodel.analysis.audit import stage_pct_targets
from secmodel.analysis.runs import scenario_run
from secmodel.errors import UsageError
from secmodel.inputs.loader import ModelInputs
from secmodel.model.whatif import NO_CHANGE, WhatIf
from secmodel.present import charts, tables


def what_if_panel(
    inputs: ModelInputs,
    scenario: str | None = None,
    horizon_months: int | None = None,
    what_if: WhatIf = NO_CHANGE,
) -> widgets.Widget:
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
        options=list(inputs.scenarios), value=scenario, description="Scenario", style=style
    )
    growth = widgets.FloatSlider(
        value=user_growth_multiplier,
        min=0.0,
        max=2.0,
        step=0.05,
        description="User growth x",
        style=style,
        layout=layout,
        continuous_update=False,
    )
    arpu = widgets.FloatSlider(
        value=arpu_monthly if arpu_monthly is not None else base.arpu_monthly,
        min=0.0,
        max=100.0,
        step=0.5,
        description="ARPU (USD/user/month)",
        style=style,
        layout=layout,
        continuous_update=False,
    )
    users = widgets.IntSlider(
        value=int(start_users if start_users is not None else base.start_users),
        min=0,
        max=10_000,
        step=10,
        description="Users at launch",
        style=style,
        layout=layout,
        continuous_update=False,
    )
    horizon = widgets.IntSlider(
        value=horizon_months or base.horizon_months,
        min=12,
        max=240,
        step=12,
        description="Horizon (months)",
        style=style,
        layout=layout,
        continuous_update=False,
    )

    targets = stage_pct_targets(inputs.claims)
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
            arpu.value, users.value = chosen.arpu_monthly, int(chosen.start_users)
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
        p = run.projection
        print(run.checks_line)
        display(tables.key_figures(p, inputs.settings.milestone_months))
        display(charts.users_and_mrr_chart(p))
        display(charts.spend_by_category_chart(p))
        display(charts.pct_of_revenue_chart(p, targets, inputs.benchmarks))

    pick.observe(reset_to_scenario, names="value")
    for slider in (growth, arpu, users, horizon):
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.VBox([pick, growth, arpu, users, horizon]), output])
