"""What-if overrides: change a scenario's growth, ARPU or start users without editing the CSVs."""

import dataclasses

from secmodel.errors import UsageError
from secmodel.inputs.loader import GrowthSegment, Scenario


def apply_overrides(
    scenario: Scenario,
    user_growth_multiplier: float = 1.0,
    arpu_monthly: float | None = None,
    start_users: float | None = None,
) -> Scenario:
    """The scenario with every growth segment's rate scaled by ``user_growth_multiplier``
    (fraction/month x multiplier), and ARPU (USD/user/month) and start users replaced where given.
    Values that would break the model are refused with a :class:`UsageError`."""
    problems = []
    multiplier = 1.0 if user_growth_multiplier is None else float(user_growth_multiplier)
    if multiplier < 0:
        problems.append(f"user_growth_multiplier must not be negative (got {multiplier:g})")
    elif any(s.user_growth_monthly * multiplier <= -1 for s in scenario.growth):
        problems.append(f"user_growth_multiplier {multiplier:g} makes a growth rate -100% or less")
    if arpu_monthly is not None and not float(arpu_monthly) >= 0:
        problems.append(f"arpu_monthly must not be negative (got {arpu_monthly:g})")
    if start_users is not None and not float(start_users) > 0:
        problems.append(f"start_users must be greater than 0 (got {start_users:g})")
    if problems:
        raise UsageError("; ".join(problems))
    growth = tuple(
        GrowthSegment(s.from_month, s.user_growth_monthly * multiplier, s.line)
        for s in scenario.growth
    )
    return dataclasses.replace(
        scenario,
        growth=growth if multiplier != 1.0 else scenario.growth,
        arpu_monthly=scenario.arpu_monthly if arpu_monthly is None else float(arpu_monthly),
        start_users=scenario.start_users if start_users is None else float(start_users),
    )
