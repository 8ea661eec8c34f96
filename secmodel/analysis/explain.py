"""``explain``: why and when a catalog item or trigger switched on, in plain words."""

import difflib

import numpy as np

from secmodel.errors import UsageError
from secmodel.formatting import usd_cents
from secmodel.model.engine import escalation_factor
from secmodel.model.projection import Projection, item_terms


def active_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """Maximal stretches of 1s as (first month, last month) pairs."""
    padded = np.r_[False, flags.astype(bool), False]
    edges = np.nonzero(padded[1:] != padded[:-1])[0]
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def describe_runs(flags: np.ndarray, dates: list[str]) -> str:
    """'months 6-60 (2027-07 to 2031-12)' for each run, or 'never within the horizon'."""
    runs = active_runs(flags)
    if not runs:
        return "never within the horizon"
    parts = []
    for a, b in runs:
        months = f"month {a}" if a == b else f"months {a}-{b}"
        span = dates[a] if a == b else f"{dates[a]} to {dates[b]}"
        parts.append(f"{months} ({span})")
    return "; ".join(parts)


def _trigger_lines(p: Projection, k: int, dates: list[str]) -> list[str]:
    t = p.model.triggers[k]
    a = p.arrays
    held = np.nonzero(a.condition[k])[0]
    first_held = f"month {held[0]} ({dates[held[0]]})" if held.size else "never within the horizon"
    fired = int(a.fired_month[k])
    lines = [
        f"  condition: {t.condition.text}",
        f"  condition first held: {first_held}",
        f"  sustain: {t.sustain_months} month(s); lead: {t.lead_months} month(s); "
        f"latched: {'yes' if t.latch else 'no'}",
        "  fired: "
        + (f"month {fired} ({dates[fired]})" if fired >= 0 else "not within the horizon"),
        f"  active: {describe_runs(a.trigger_active[k], dates)}",
    ]
    return lines


def _escalated_prices(item, horizon_months: int) -> list[str]:
    """The price in force in each plan year after the first (escalated items only)."""
    if not item.escalation_annual:  # never on pct_revenue items: an input error
        return []
    # the engine's own factor, read at the first month of each plan year
    factor = escalation_factor([item.escalation_annual], horizon_months + 1)[0]
    steps = [
        f"month {m}: {usd_cents(item.amount * factor[m])}"
        for m in range(12, horizon_months + 1, 12)
    ]
    shown = steps if len(steps) <= 6 else [*steps[:5], "...", steps[-1]]
    return [f"  price by plan year: {'; '.join(shown)}"] if steps else []


def explain(p: Projection, ident: str) -> str:
    """A paragraph on an item or trigger of ``p``; unknown ids are refused with suggestions."""
    dates = p.table["date"].tolist()
    items = {item.item_id: i for i, item in enumerate(p.model.items)}
    triggers = {t.trigger_id: k for k, t in enumerate(p.model.triggers)}
    header = f"scenario {p.scenario.scenario}, months 0-{p.horizon_months}"
    if ident in items:
        i = items[ident]
        item = p.model.items[i]
        k = triggers[item.trigger]
        a = p.arrays
        lines = [
            f"{item.item_id}: {item.name} ({item.tier}, {item.category}) - {header}",
            f"  price: {item_terms(item)}",
            *_escalated_prices(item, p.horizon_months),
            f"  switched on by trigger {item.trigger}: {p.model.triggers[k].description}",
            *_trigger_lines(p, k, dates),
        ]
        replacers = [p.model.items[j].item_id for j in p.model.replaced_by[i]]
        if replacers:
            lines.append(f"  replaced while the trigger of {', '.join(replacers)} is active")
        lines += [
            f"  item active: {describe_runs(a.item_active[i], dates)}",
            f"  cost over the horizon: ${a.accrual[i].sum():,.2f} accrual, "
            f"${a.cash[i].sum():,.2f} cash",
        ]
        if item.source:
            lines.append(f"  source: {item.source}")
        return "\n".join(lines)
    if ident in triggers:
        k = triggers[ident]
        t = p.model.triggers[k]
        lines = [f"{t.trigger_id}: {t.description} - {header}", *_trigger_lines(p, k, dates)]
        switched = [item.item_id for item in p.model.items if item.trigger == ident]
        stages = [s.stage for s in p.model.stages if s.trigger == ident]
        lines.append(f"  switches on items: {', '.join(switched) or 'none'}")
        if stages:
            lines.append(f"  enters stage: {', '.join(stages)}")
        return "\n".join(lines)
    known = list(items) + list(triggers)
    contains = [k for k in known if ident.lower() in k.lower()]
    close = list(dict.fromkeys(contains + difflib.get_close_matches(ident, known, n=3)))[:3]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(
        f"'{ident}' is neither a catalog item nor a trigger{hint}\n"
        f"items: {', '.join(items)}\ntriggers: {', '.join(triggers)}"
    )
