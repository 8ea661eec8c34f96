"""What-if overrides: change a scenario's growth, ARPU or start users without editing the CSVs."""

import dataclasses
import math
from dataclasses import dataclass

from secmodel.errors import UsageError
from secmodel.inputs.loader import GrowthSegment, Scenario


@dataclass(frozen=True, kw_only=True)
class WhatIf:
    """The three what-if overrides, by name: every growth segment's rate x
    ``user_growth_multiplier``; ARPU (USD/user/month) and users at launch replaced where given."""

    user_growth_multiplier: float = 1.0
    arpu_monthly: float | None = None
    start_users: float | None = None

    def problems(self, scenario: Scenario, spelling: dict[str, str] | None = None) -> list[str]:
        """Why these overrides would break ``scenario``'s model (empty: they would not), each
        naming its override as in ``spelling`` (``--start-users`` on the command line; by
        default the field's own name, as in a notebook's parameters)."""

        def name(field: str) -> str:
            return (spelling or {}).get(field, field)

        problems = []
        multiplier = self.user_growth_multiplier
        if not math.isfinite(multiplier) or multiplier < 0:
            problems.append(
                f"{name('user_growth_multiplier')} must be a number from 0 (got {multiplier:g})"
            )
        elif any(s.user_growth_monthly * multiplier <= -1 for s in scenario.growth):
            problems.append(
                f"{name('user_growth_multiplier')} {multiplier:g} makes a growth rate -100% or less"
            )
        elif any(s.user_growth_monthly * multiplier > 1 for s in scenario.growth):
            problems.append(
                f"{name('user_growth_multiplier')} {multiplier:g} makes a growth rate above 100% "
                "a month"
            )
        for field in ("arpu_monthly", "start_users"):
            value = getattr(self, field)
            if value is not None and not 0 <= float(value) < math.inf:
                problems.append(f"{name(field)} must be a number from 0 (got {value:g})")
        return problems

    def apply(self, scenario: Scenario, spelling: dict[str, str] | None = None) -> Scenario:
        """``scenario`` with the overrides; values that would break the model are refused with
        a :class:`UsageError` naming them as in ``spelling`` (see :meth:`problems`)."""
        problems = self.problems(scenario, spelling)
        if problems:
            raise UsageError("; ".join(problems))
        multiplier = float(self.user_growth_multiplier)
        growth = tuple(
            GrowthSegment(s.from_month, s.user_growth_monthly * multiplier, s.line)
            for s in scenario.growth
        )
        return dataclasses.replace(
            scenario,
            growth=growth if multiplier != 1.0 else scenario.growth,
            arpu_monthly=scenario.arpu_monthly
            if self.arpu_monthly is None
            else float(self.arpu_monthly),
            start_users=scenario.start_users
            if self.start_users is None
            else float(self.start_users),
        )


def apply_overrides(scenario: Scenario, **overrides) -> Scenario:
    """``scenario`` with the :class:`WhatIf` overrides given by name (None: as in the CSVs)."""
    given = {name: value for name, value in overrides.items() if value is not None}
    return WhatIf(**given).apply(scenario)


NO_CHANGE = WhatIf()  # the scenario as in the CSVs
