"""The calculation engine: named steps on arrays shaped (paths, months).

One monthly time axis, months 0..horizon (T = horizon + 1 columns). A scenario is the 1-path case;
Monte Carlo stacks many paths. Triggers are 0/1 flags on the axis and a cost is rate x flag, as in
the FAST standard. No step loops over months in Python; loops over the few triggers and stages are
over inputs, not time.

Shapes: P paths, K triggers, I catalog items, S stages, T months.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from secmodel.inputs.loader import CatalogItem, GrowthSegment, ModelInputs, Scenario, Stage, Trigger

# ---------------------------------------------------------------------------------------------
# Revenue drivers


def month_axis(horizon_months: int) -> np.ndarray:
    """Months since launch, 0..horizon (months), shape (T,)."""
    return np.arange(horizon_months + 1)


def user_growth_by_month(segments: tuple[GrowthSegment, ...], horizon_months: int) -> np.ndarray:
    """Net user growth applied in each month (fraction per month), shape (T,); month 0 has none.

    Month m >= 1 takes the segment with the greatest ``from_month <= m``."""
    months = month_axis(horizon_months)
    starts = np.array([s.from_month for s in segments])
    rates = np.array([s.user_growth_monthly for s in segments])
    index = np.searchsorted(starts, months, side="right") - 1
    growth = rates[np.clip(index, 0, None)]
    growth[0] = 0.0
    return growth


def users_from_growth(start_users: float, growth: np.ndarray) -> np.ndarray:
    """Users at each month (users, unrounded), shape (P, T) from growth (P, T).

    ``users[m] = users[m-1] * (1 + growth[m])``; the cumulative product starts from the
    start users so it multiplies in the same order as the recurrence."""
    growth = np.atleast_2d(growth)
    factors = 1.0 + growth
    factors[:, 0] = start_users
    return np.cumprod(factors, axis=1)


def arpu_by_month(arpu_monthly: float, arpu_growth_annual: float, horizon_months: int):
    """Average revenue per user (USD/user/month), shape (T,): compounding annually, pro rata."""
    return arpu_monthly * (1.0 + arpu_growth_annual) ** (month_axis(horizon_months) / 12)


def mrr_from(users: np.ndarray, arpu: np.ndarray) -> np.ndarray:
    """Monthly recurring revenue (USD/month) = users x ARPU."""
    return users * arpu


def users_with_actuals(users: np.ndarray, growth: np.ndarray, actuals) -> np.ndarray:
    """Users (P, T) with the closed months ``first`` .. L taken from the actuals and the
    months after L grown from the actual users of L by ``growth`` (P, T), in place:
    ``users[m] = users[m-1] * (1 + growth[m])`` as before L's close."""
    first, last = actuals.first, actuals.last
    users[:, first : last + 1] = actuals.users
    if last + 1 < users.shape[1]:
        factors = 1.0 + growth[:, last:]
        factors[:, 0] = actuals.users[-1]
        users[:, last:] = np.cumprod(factors, axis=1)
    return users


def arpu_with_actuals(arpu: np.ndarray, arpu_growth_annual: float, actuals) -> np.ndarray:
    """ARPU (USD/user/month), (T,): in the closed months MRR / users (the plan's where a month
    had no users), after L the ARPU of L compounding annually, pro rata:
    ``arpu[L] * (1 + growth) ^ ((m - L) / 12)``."""
    first, last = actuals.first, actuals.last
    arpu = arpu.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = np.where(actuals.users > 0, actuals.mrr / actuals.users, arpu[first : last + 1])
    arpu[first : last + 1] = closed
    after = np.arange(last + 1, len(arpu))
    arpu[last + 1 :] = closed[-1] * (1.0 + arpu_growth_annual) ** ((after - last) / 12)
    return arpu


def arr_from(mrr: np.ndarray) -> np.ndarray:
    """Annual run-rate revenue (USD/year) = 12 x MRR."""
    return 12.0 * mrr


# ---------------------------------------------------------------------------------------------
# Triggers


def condition_flags(triggers: list[Trigger], metrics: dict[str, np.ndarray]) -> np.ndarray:
    """1 where each trigger's condition holds, shape (P, K, T), from metric arrays (P, T)."""
    shape = np.broadcast_shapes(*(np.shape(v) for v in metrics.values()))
    flags = np.zeros((shape[0], len(triggers), shape[1]), dtype=bool)
    for k, trigger in enumerate(triggers):
        flags[:, k, :] = trigger.condition.evaluate(metrics)
    return flags


def run_length(flags: np.ndarray) -> np.ndarray:
    """Consecutive months (months) the flag has held, ending at each month; 0 where it is off.

    The cumulative count minus its value at the last month the flag was off."""
    count = np.cumsum(flags, axis=-1, dtype=np.int32)
    at_last_off = np.maximum.accumulate(np.where(flags, 0, count), axis=-1)
    return count - at_last_off


def sustained_flags(condition: np.ndarray, sustain_months: np.ndarray) -> np.ndarray:
    """1 where the condition has held in each of the last ``sustain`` months, (P, K, T).
    Triggers with a one-month sustain skip the run-length count (the usual case)."""
    longer = np.nonzero(sustain_months > 1)[0]
    if not len(longer):
        return condition
    sustained = condition.copy()
    sustained[:, longer, :] = (
        run_length(condition[:, longer, :]) >= sustain_months[None, longer, None]
    )
    return sustained


def first_month(flags: np.ndarray) -> np.ndarray:
    """The first month a flag is 1 (month index), or -1 where it never is; shape drops T."""
    first = np.argmax(flags, axis=-1)
    return np.where(flags.any(axis=-1), first, -1)


def shift_later(flags: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Flags moved ``months`` later per trigger (K,), filled with 0 at the start: (P, K, T)."""
    if not months.any():  # no lead anywhere (the usual case): nothing moves
        return flags
    t = flags.shape[-1]
    source = np.arange(t)[None, :] - months[:, None]  # (K, T): the month each flag comes from
    valid = source >= 0
    taken = np.take_along_axis(flags, np.clip(source, 0, None)[None, :, :], axis=-1)
    return taken & valid[None, :, :]


def trigger_active(sustained: np.ndarray, lead_months: np.ndarray, latch: np.ndarray):
    """1 where a trigger is active, (P, K, T): latched triggers stay on from the fire month plus
    lead; others follow their sustained condition ``lead`` months later."""
    latched = np.logical_or.accumulate(sustained, axis=-1)
    chosen = np.where(latch[None, :, None], latched, sustained)
    return shift_later(chosen, lead_months)


# ---------------------------------------------------------------------------------------------
# Catalog items


def item_active(
    active_triggers: np.ndarray, item_trigger: np.ndarray, replaced_by: tuple[tuple[int, ...], ...]
) -> np.ndarray:
    """1 where an item is bought, (P, I, T): its trigger is active and no item replacing it
    has an active trigger. ``replaced_by[i]`` lists the items that replace item i (a list of
    pairs rather than an I x I matrix, so memory grows with the catalog, not its square)."""
    own = active_triggers[:, item_trigger, :]
    replaced = np.array([i for i, by in enumerate(replaced_by) for _ in by], dtype=np.int64)
    if not len(replaced):
        return own
    replacer = np.array([j for by in replaced_by for j in by], dtype=np.int64)
    replacer_on = np.zeros_like(own)
    np.logical_or.at(replacer_on, (slice(None), replaced), own[:, replacer, :])
    return own & ~replacer_on


def run_starts(active: np.ndarray) -> np.ndarray:
    """1 in the first month of each activation run (a maximal stretch of active months)."""
    previous = np.zeros_like(active)
    previous[..., 1:] = active[..., :-1]
    return active & ~previous


def months_into_run(active: np.ndarray) -> np.ndarray:
    """Months since the current activation run started (0 in its first month); -1 when off."""
    return run_length(active) - 1


def plan_year(months: int) -> np.ndarray:
    """The plan year of each month 0..months-1 (0 for months 0-11, 1 for 12-23, ...), (T,)."""
    return np.arange(months) // 12


def escalation_factor(escalation: np.ndarray, months: int) -> np.ndarray:
    """(1 + escalation) ^ plan year for each rate (fraction per year, shape (I,)) and month,
    (I, T): a price steps up at each plan year."""
    return (1.0 + np.asarray(escalation, dtype=float))[:, None] ** plan_year(months)[None, :]


def item_rate(items: list[CatalogItem], users: np.ndarray, mrr: np.ndarray) -> np.ndarray:
    """Cost per cadence period (USD per month, year or once), (P, I, T): the amount (escalated
    at each plan year), times users for ``per_user``, times MRR for ``pct_revenue``."""
    amount = np.array([item.amount for item in items])[None, :, None]
    escalation = np.array([item.escalation_annual for item in items])
    if escalation.any():
        amount = amount * escalation_factor(escalation, users.shape[-1])[None, :, :]
    basis = np.array([item.basis for item in items])[None, :, None]
    return np.where(
        basis == "per_user",
        amount * users[:, None, :],
        np.where(basis == "pct_revenue", amount * mrr[:, None, :], amount),
    )


def accrual_cost(rate: np.ndarray, cadence: np.ndarray, active, starts) -> np.ndarray:
    """Accrual view (USD/month), (P, I, T): monthly items cost their rate each active month,
    annual items a twelfth of it, one-off items their amount in a run's first month."""
    cadence = cadence[None, :, None]
    return np.where(
        cadence == "monthly",
        rate * active,
        np.where(cadence == "annual", rate / 12 * active, rate * starts),
    )


def cash_cost(rate: np.ndarray, cadence: np.ndarray, active, starts, months_in) -> np.ndarray:
    """Cash view (USD/month), (P, I, T): annual items are paid in a run's first month and every
    12 months after within the run; monthly and one-off items as in the accrual view."""
    cadence = cadence[None, :, None]
    annual_due = active & (months_in % 12 == 0)
    return np.where(
        cadence == "monthly",
        rate * active,
        np.where(cadence == "annual", rate * annual_due, rate * starts),
    )


def spend_totals(
    groups: "list[ItemGroup]", active_triggers: np.ndarray, users: np.ndarray, mrr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly spend (USD/month), accrual and cash, (P, T): for each group of items switched
    together, its flags times its summed rates. Same rules as the per-item costs."""
    accrual = np.zeros(users.shape)
    cash = np.zeros(users.shape)
    for g in groups:
        on = active_triggers[:, g.trigger, :]
        if g.replacer_triggers:
            on = on & ~active_triggers[:, list(g.replacer_triggers), :].any(axis=1)
        # a group's amounts step up at each plan year by its escalation (most have none)
        factor = escalation_factor([g.escalation], users.shape[-1]) if g.escalation else None
        scaled = on if factor is None else on * factor  # the flags times the price factor
        # only the terms a group has: most groups are fixed monthly amounts alone
        if g.monthly or g.annual:
            accrual += scaled * (g.monthly + g.annual / 12)
        if g.monthly:
            cash += scaled * g.monthly
        for rate, driver in ((g.per_user, users), (g.pct_revenue, mrr)):
            if rate:
                variable = scaled * (rate * driver)
                accrual += variable
                cash += variable
        if g.annual:
            due = (on & (months_into_run(on) % 12 == 0)) * g.annual
            cash += due if factor is None else due * factor
        if g.one_off:
            starts = run_starts(on) * g.one_off
            if factor is not None:
                starts = starts * factor
            accrual += starts
            cash += starts
    return accrual, cash


# ---------------------------------------------------------------------------------------------
# Stages and totals


def stage_index(active_triggers: np.ndarray, stage_trigger: np.ndarray) -> np.ndarray:
    """The stage in force (index into stages by rank), (P, T): the highest-ranked stage whose
    trigger is active; -1 when none is."""
    on = active_triggers[:, stage_trigger, :]  # (P, S, T), stages lowest rank first
    if on.shape[1] == 0:
        return np.full((on.shape[0], on.shape[2]), -1)
    highest = on.shape[1] - 1 - np.argmax(on[:, ::-1, :], axis=1)
    return np.where(on.any(axis=1), highest, -1)


def trailing_sum(values: np.ndarray, window: int = 12) -> np.ndarray:
    """Sum over the last min(window, m+1) months, along the month axis.

    Summed window by window rather than as a difference of running totals, which loses
    precision when revenue shrinks far below its earlier level."""
    padding = [(0, 0)] * (values.ndim - 1) + [(window - 1, 0)]
    padded = np.pad(values, padding)
    return np.lib.stride_tricks.sliding_window_view(padded, window, axis=-1).sum(axis=-1)


def share_of(numerator: np.ndarray, revenue: np.ndarray) -> np.ndarray:
    """numerator / revenue (fraction), NaN where revenue is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(revenue > 0, numerator / np.where(revenue > 0, revenue, 1.0), np.nan)


# ---------------------------------------------------------------------------------------------
# The whole run


@dataclass(frozen=True)
class ModelArrays:
    """Every calculated array of a run. (P, T) unless noted; money in USD/month."""

    months: np.ndarray  # (T,)
    users: np.ndarray
    arpu: np.ndarray  # (T,) USD/user/month
    mrr: np.ndarray
    arr: np.ndarray  # USD/year
    condition: np.ndarray  # (P, K, T) bool
    sustained: np.ndarray  # (P, K, T) bool
    fired_month: np.ndarray  # (P, K) month, -1 = not within the horizon
    trigger_active: np.ndarray  # (P, K, T) bool
    item_active: np.ndarray | None  # (P, I, T) bool; None when run without per-item arrays
    item_starts: np.ndarray | None  # (P, I, T) bool
    accrual: np.ndarray | None  # (P, I, T)
    cash: np.ndarray | None  # (P, I, T)
    spend_accrual: np.ndarray
    spend_cash: np.ndarray
    cumulative_accrual: np.ndarray
    cumulative_cash: np.ndarray
    pct_of_revenue: np.ndarray  # fraction, NaN where MRR = 0
    pct_of_revenue_ttm: np.ndarray | None  # fraction, NaN where trailing MRR = 0
    stage: np.ndarray  # index into stages, -1 = none

    def path(self, p: int = 0) -> "ModelArrays":
        """One path's arrays, the path axis dropped: (T,), (K, T), (I, T) and (K,); how a
        single projection's users read them."""
        shared = ("months", "arpu")  # the same for every path: (T,) already
        return dataclasses.replace(
            self,
            **{
                field.name: getattr(self, field.name)[p]
                for field in dataclasses.fields(self)
                if field.name not in shared and getattr(self, field.name) is not None
            },
        )


@dataclass(frozen=True)
class ItemGroup:
    """Catalog items that are switched on and off together (same trigger, same replacing
    triggers), with their amounts added up by cadence and basis. Totals are computed per group:
    a handful of 0/1 flags instead of one per item."""

    trigger: int  # index of the trigger that switches the items on
    replacer_triggers: tuple[int, ...]  # triggers whose activity switches them off
    monthly: float  # USD/month, fixed monthly items
    annual: float  # USD/year, fixed annual items
    one_off: float  # USD per activation run, fixed one-off items
    per_user: float  # USD/user/month
    pct_revenue: float  # fraction of MRR per month
    escalation: float = 0.0  # fraction per year its amounts rise by, at each plan year


def item_groups(
    items: list[CatalogItem], item_trigger: np.ndarray, replaced_by: tuple[tuple[int, ...], ...]
):
    """Group the items by (trigger, replacing triggers, escalation), in order of first
    appearance."""
    groups: dict[tuple, dict[str, float]] = {}
    for i, item in enumerate(items):
        replacers = tuple(sorted({int(item_trigger[j]) for j in replaced_by[i]}))
        totals = groups.setdefault(
            (int(item_trigger[i]), replacers, item.escalation_annual),
            {"monthly": 0.0, "annual": 0.0, "one_off": 0.0, "per_user": 0.0, "pct_revenue": 0.0},
        )
        key = item.basis if item.basis != "fixed" else item.cadence
        totals[key] += item.amount
    return [ItemGroup(t, r, **totals, escalation=e) for (t, r, e), totals in groups.items()]


@dataclass(frozen=True)
class CompiledModel:
    """The catalog, triggers and stages as arrays, compiled once and reused for many paths."""

    triggers: list[Trigger]
    items: list[CatalogItem]
    stages: list[Stage]
    sustain_months: np.ndarray  # (K,)
    lead_months: np.ndarray  # (K,)
    latch: np.ndarray  # (K,)
    item_trigger: np.ndarray  # (I,) index into triggers
    replaced_by: tuple[tuple[int, ...], ...]  # (I,): the items replacing each item
    cadence: np.ndarray  # (I,) str
    stage_trigger: np.ndarray  # (S,) index into triggers
    groups: list[ItemGroup]


def compile_model(inputs: ModelInputs) -> CompiledModel:
    """Turn the validated inputs into index arrays for the engine."""
    triggers = list(inputs.triggers.values())
    items = list(inputs.catalog.values())
    stages = list(inputs.stages)
    trigger_pos = {t.trigger_id: k for k, t in enumerate(triggers)}
    item_pos = {item.item_id: i for i, item in enumerate(items)}
    replacing: list[list[int]] = [[] for _ in items]
    for j, item in enumerate(items):
        for target in item.replaces:
            replacing[item_pos[target]].append(j)
    replaced_by = tuple(tuple(by) for by in replacing)
    item_trigger = np.array([trigger_pos[item.trigger] for item in items], dtype=np.int64)
    return CompiledModel(
        triggers=triggers,
        items=items,
        stages=stages,
        sustain_months=np.array([t.sustain_months for t in triggers], dtype=np.int64),
        lead_months=np.array([t.lead_months for t in triggers], dtype=np.int64),
        latch=np.array([t.latch for t in triggers], dtype=bool),
        item_trigger=item_trigger,
        replaced_by=replaced_by,
        cadence=np.array([item.cadence for item in items]),
        stage_trigger=np.array([trigger_pos[s.trigger] for s in stages], dtype=np.int64),
        groups=item_groups(items, item_trigger, replaced_by),
    )


# Working memory per month of one path, in bytes: tracemalloc peaks on the seed catalog copied
# 1 to 64 times, rounded up. Many paths keep totals only (items add no arrays of their own); one
# path with per-item arrays adds each item's arrays and its rows of spend_by_item.csv.
BYTES_PER_PATH_MONTH = 128
BYTES_PER_TRIGGER_MONTH = 4
BYTES_PER_ITEM_MONTH_PER_ITEM_VIEW = 200
BYTES_PER_TRIGGER_MONTH_PER_ITEM_VIEW = 16


def working_bytes(model: CompiledModel, paths: int, horizon_months: int, per_item: bool) -> int:
    """Estimated peak memory (bytes) of :func:`run_model` on ``paths`` paths."""
    months = horizon_months + 1
    if per_item:
        per_month = (
            BYTES_PER_PATH_MONTH
            + BYTES_PER_TRIGGER_MONTH_PER_ITEM_VIEW * len(model.triggers)
            + BYTES_PER_ITEM_MONTH_PER_ITEM_VIEW * len(model.items)
        )
    else:
        per_month = BYTES_PER_PATH_MONTH + BYTES_PER_TRIGGER_MONTH * len(model.triggers)
    return paths * months * per_month


def run_model(
    model: CompiledModel,
    scenario: Scenario,
    horizon_months: int,
    growth: np.ndarray | None = None,
    per_item: bool = True,
    actuals=None,
) -> ModelArrays:
    """Project ``scenario`` over months 0..horizon. ``growth`` (P, T) overrides the scenario's
    segments (Monte Carlo paths); by default one path with the scenario's growth. ``actuals``
    (:class:`~secmodel.inputs.actuals.ScenarioActuals`) replaces users and MRR in the closed
    months and re-forecasts from the last of them. With
    ``per_item=False`` (many paths) the per-item arrays are skipped: only totals are kept.
    A figure too large for a float becomes inf without a warning: the caller names its input
    (:func:`secmodel.model.projection.overflow_problem`)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _run_model(model, scenario, horizon_months, growth, per_item, actuals)


def _run_model(
    model: CompiledModel,
    scenario: Scenario,
    horizon_months: int,
    growth: np.ndarray | None,
    per_item: bool,
    actuals=None,
) -> ModelArrays:
    """:func:`run_model`'s steps."""
    months = month_axis(horizon_months)
    if growth is None:
        growth = user_growth_by_month(scenario.growth, horizon_months)[None, :]
    users = users_from_growth(scenario.start_users, growth)
    arpu = arpu_by_month(scenario.arpu_monthly, scenario.arpu_growth_annual, horizon_months)
    if actuals is not None:
        users = users_with_actuals(users, growth, actuals)
        arpu = arpu_with_actuals(arpu, scenario.arpu_growth_annual, actuals)
    mrr = mrr_from(users, arpu)
    if actuals is not None:  # as booked, not users x (MRR / users) rounded
        mrr[:, actuals.first : actuals.last + 1] = actuals.mrr
    arr = arr_from(mrr)
    metrics = {"month": months[None, :], "users": users, "mrr": mrr, "arr": arr}

    condition = condition_flags(model.triggers, metrics)
    sustained = sustained_flags(condition, model.sustain_months)
    active_triggers = trigger_active(sustained, model.lead_months, model.latch)

    active = starts = accrual = cash = None
    if per_item:
        active = item_active(active_triggers, model.item_trigger, model.replaced_by)
        starts = run_starts(active)
        rate = item_rate(model.items, users, mrr)
        accrual = accrual_cost(rate, model.cadence, active, starts)
        cash = cash_cost(rate, model.cadence, active, starts, months_into_run(active))
    spend_accrual, spend_cash = spend_totals(model.groups, active_triggers, users, mrr)
    return ModelArrays(
        months=months,
        users=users,
        arpu=arpu,
        mrr=mrr,
        arr=arr,
        condition=condition,
        sustained=sustained,
        fired_month=first_month(sustained),
        trigger_active=active_triggers,
        item_active=active,
        item_starts=starts,
        accrual=accrual,
        cash=cash,
        spend_accrual=spend_accrual,
        spend_cash=spend_cash,
        cumulative_accrual=np.cumsum(spend_accrual, axis=-1),
        cumulative_cash=np.cumsum(spend_cash, axis=-1),
        pct_of_revenue=share_of(spend_accrual, mrr),
        pct_of_revenue_ttm=share_of(trailing_sum(spend_accrual), trailing_sum(mrr))
        if per_item
        else None,  # a 12-month window costs 12 passes: single projections only
        stage=stage_index(active_triggers, model.stage_trigger),
    )
