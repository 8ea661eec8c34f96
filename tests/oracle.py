"""A plain, obviously-correct per-month loop of the model: the differential oracle for the engine.

Written straight from the CSV contract in the README, one month at a time, with no numpy and no
code shared with the engine. Conditions are evaluated with Python's ``eval`` on scalars: fine
here, where the tests generate them, and independent of the engine's own parser.
"""

import math


def _segment_rate(segments, month):
    best = None
    for seg in segments:
        if seg.from_month <= month and (best is None or seg.from_month > best.from_month):
            best = seg
    return best.user_growth_monthly


def oracle_projection(inputs, scenario, horizon, closed=None):
    """Every monthly figure of one scenario, as lists indexed by month. ``closed``: actual
    months as {month: (users, mrr)}, consecutive; after the last, the re-forecast."""
    closed = closed or {}
    last = max(closed) if closed else None
    months = list(range(horizon + 1))
    users, arpu, mrr = [], [], []
    for m in months:
        planned = scenario.arpu_monthly * (1 + scenario.arpu_growth_annual) ** (m / 12)
        if m in closed:
            u, revenue = closed[m]
            users.append(u)
            arpu.append(revenue / u if u > 0 else planned)
            mrr.append(revenue)
            continue
        users.append(
            scenario.start_users
            if m == 0
            else users[m - 1] * (1 + _segment_rate(scenario.growth, m))
        )
        if last is not None and m > last:
            arpu.append(arpu[last] * (1 + scenario.arpu_growth_annual) ** ((m - last) / 12))
        else:
            arpu.append(planned)
        mrr.append(users[m] * arpu[m])
    arr = [12 * mrr[m] for m in months]

    fired, trigger_on = {}, {}
    for t in inputs.triggers.values():
        sustained, run = [], 0
        for m in months:
            scope = {"month": m, "users": users[m], "mrr": mrr[m], "arr": arr[m]}
            holds = eval(t.condition.text, {"__builtins__": {}}, scope)
            run = run + 1 if holds else 0
            sustained.append(run >= t.sustain_months)
        first = next((m for m in months if sustained[m]), None)
        fired[t.trigger_id] = first
        on = []
        for m in months:
            if t.latch:
                on.append(first is not None and m >= first + t.lead_months)
            else:
                on.append(m - t.lead_months >= 0 and sustained[m - t.lead_months])
        trigger_on[t.trigger_id] = on

    items = list(inputs.catalog.values())
    accrual = {i.item_id: [0.0] * len(months) for i in items}
    cash = {i.item_id: [0.0] * len(months) for i in items}
    active = {i.item_id: [False] * len(months) for i in items}
    for item in items:
        replacers = [j for j in items if item.item_id in j.replaces]
        months_in_run = -1
        for m in months:
            on = trigger_on[item.trigger][m] and not any(
                trigger_on[j.trigger][m] for j in replacers
            )
            active[item.item_id][m] = on
            if not on:
                months_in_run = -1
                continue
            months_in_run += 1
            first_month_of_run = months_in_run == 0
            # the price in force: stepped up by the escalation at each plan year
            price = item.amount * (1 + item.escalation_annual) ** (m // 12)
            if item.basis == "per_user":
                rate = price * users[m]
            elif item.basis == "pct_revenue":
                rate = item.amount * mrr[m]
            else:
                rate = price
            if item.cadence == "monthly":
                accrual[item.item_id][m] = rate
                cash[item.item_id][m] = rate
            elif item.cadence == "annual":
                accrual[item.item_id][m] = rate / 12
                cash[item.item_id][m] = rate if months_in_run % 12 == 0 else 0.0
            else:
                accrual[item.item_id][m] = rate if first_month_of_run else 0.0
                cash[item.item_id][m] = rate if first_month_of_run else 0.0

    spend_accrual = [sum(accrual[i.item_id][m] for i in items) for m in months]
    spend_cash = [sum(cash[i.item_id][m] for i in items) for m in months]
    cumulative_accrual, cumulative_cash, total_a, total_c = [], [], 0.0, 0.0
    for m in months:
        total_a += spend_accrual[m]
        total_c += spend_cash[m]
        cumulative_accrual.append(total_a)
        cumulative_cash.append(total_c)
    pct = [spend_accrual[m] / mrr[m] if mrr[m] > 0 else math.nan for m in months]
    ttm = []
    for m in months:
        window = range(max(0, m - 11), m + 1)
        revenue = sum(mrr[k] for k in window)
        ttm.append(sum(spend_accrual[k] for k in window) / revenue if revenue > 0 else math.nan)
    stage = []
    for m in months:
        on = [s for s in inputs.stages if trigger_on[s.trigger][m]]
        stage.append(max(on, key=lambda s: s.rank).stage if on else "")
    return {
        "users": users,
        "arpu": arpu,
        "mrr": mrr,
        "arr": arr,
        "fired": fired,
        "active": active,
        "accrual": accrual,
        "cash": cash,
        "spend_accrual": spend_accrual,
        "spend_cash": spend_cash,
        "cumulative_accrual": cumulative_accrual,
        "cumulative_cash": cumulative_cash,
        "pct_of_revenue": pct,
        "pct_of_revenue_ttm": ttm,
        "stage": stage,
    }
