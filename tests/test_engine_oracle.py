"""The array engine against the plain per-month loop (tests/oracle.py) on generated inputs.

Hypothesis writes random but valid CSV files (catalogs with every cadence and basis, replacement
chains, triggers with sustain, lead, latching and conditions that can switch off again, growth
that can shrink users), loads them through the normal loader and compares every monthly figure.
"""

import csv
import io
import math
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secmodel import load_inputs, project_scenario
from secmodel.inputs.actuals import read_actuals
from secmodel.inputs.loader import FILES
from tests.oracle import oracle_projection

THRESHOLDS = {
    "month": st.integers(0, 40),
    "users": st.sampled_from([50, 100, 150, 300, 1_000, 5_000]),
    "mrr": st.sampled_from([500, 1_000, 2_500, 10_000, 50_000]),
    "arr": st.sampled_from([6_000, 30_000, 120_000]),
}


@st.composite
def comparisons(draw):
    metric = draw(st.sampled_from(sorted(THRESHOLDS)))
    op = draw(st.sampled_from([">=", ">", "<=", "<", "=="]))
    return f"{metric} {op} {draw(THRESHOLDS[metric])}"


conditions = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        inner.map(lambda c: f"not ({c})"),
    ),
    max_leaves=4,
)


def _csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@st.composite
def model_files(draw):
    horizon = draw(st.integers(1, 40))  # up to three plan-year price steps
    trigger_ids = [f"t{k}" for k in range(draw(st.integers(1, 4)))]
    triggers = [
        (
            t,
            "generated",
            draw(conditions),
            draw(st.integers(1, 4)),
            draw(st.integers(0, 4)),
            draw(st.sampled_from(["true", "false"])),
        )
        for t in trigger_ids
    ]
    items = []
    for i in range(draw(st.integers(1, 7))):
        cadence = draw(st.sampled_from(["monthly", "annual", "one_off"]))
        basis = "fixed"
        if cadence == "monthly":
            basis = draw(st.sampled_from(["fixed", "fixed", "per_user", "pct_revenue"]))
        amount = {
            "fixed": draw(st.integers(0, 2_000_000)) / 100,
            "per_user": draw(st.integers(0, 500)) / 100,
            "pct_revenue": draw(st.integers(0, 50)) / 1000,
        }[basis]
        replaces = ""
        if i and draw(st.booleans()):  # only earlier items: no cycles
            replaces = f"i{draw(st.integers(0, i - 1))}"
        # price escalation: blank (none), a fraction or a percentage; never on pct_revenue
        escalation = ""
        if basis != "pct_revenue":
            escalation = draw(st.sampled_from(["", "", "0", "0.11", "3.5%", "-0.05", "0.4"]))
        items.append(
            (
                f"i{i}",
                f"item {i}",
                "tier",
                "cat",
                "",
                amount,
                cadence,
                basis,
                draw(st.sampled_from(trigger_ids)),
                replaces,
                "",
                escalation,
            )
        )
    n_stages = draw(st.integers(1, 3))
    ranks = draw(st.lists(st.integers(1, 9), min_size=n_stages, max_size=n_stages, unique=True))
    stages = [
        (f"s{n}", rank, draw(st.sampled_from(trigger_ids)), rank, 1000 * rank, "")
        for n, rank in enumerate(ranks)
    ]
    starts = [1, *sorted(draw(st.sets(st.integers(2, 40), max_size=3)))]
    growth = [("sc", m, draw(st.integers(-30, 60)) / 100) for m in starts]
    scenario = (
        "sc",
        "generated",
        "2030-05",
        draw(st.integers(1, 400)),
        draw(st.integers(0, 5000)) / 100,
        draw(st.integers(-50, 100)) / 100,
        horizon,
    )
    triggers_header = [*FILES["triggers"], "sustain_months", "lead_months", "latch"]
    return {
        "triggers": _csv(triggers_header, triggers),
        "catalog": _csv([*FILES["catalog"], "escalation_annual"], items),
        "stages": _csv(FILES["stages"], stages),
        "growth": _csv(FILES["growth"], growth),
        "scenarios": _csv(FILES["scenarios"], [scenario]),
        **NO_CLAIMS_BENCHMARKS_OR_SIMULATIONS,
    }


# The other input files: headers only, and settings.csv as in the seed but with no default
# scenario (the generated one is the first).
NO_CLAIMS_BENCHMARKS_OR_SIMULATIONS = {
    "roadmap_claims": ",".join(FILES["roadmap_claims"]) + "\n",
    "benchmarks": ",".join(FILES["benchmarks"]) + "\n",
    "uncertainty": ",".join(FILES["uncertainty"]) + "\n",
    "settings": "setting,value\nmilestone_months,12;24;36;60\ngrowth_floor,-0.99\n"
    "match_tolerance_usd_month,0.005\nmatch_tolerance_fraction,0.0005\n"
    "match_tolerance_month,0\nmatch_tolerance_score,1e-9\ndefault_scenario,\n"
    "notebook_workers,2\n",
}


def _assert_close(engine, oracle, what):
    engine = np.asarray(engine, dtype=float)
    oracle = np.asarray(oracle, dtype=float)
    assert np.allclose(engine, oracle, rtol=1e-9, atol=1e-9, equal_nan=True), what


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_files())
def test_engine_matches_the_per_month_loop(files):
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, f"{name}.csv").write_text(text, encoding="utf-8")
        inputs = load_inputs(tmp)
    scenario = inputs.scenarios["sc"]
    projection = project_scenario(inputs, scenario)
    expected = oracle_projection(inputs, scenario, scenario.horizon_months)
    table, arrays = projection.table, projection.arrays

    for column in (
        "users",
        "arpu",
        "mrr",
        "arr",
        "spend_accrual",
        "spend_cash",
        "cumulative_accrual",
        "cumulative_cash",
        "pct_of_revenue",
        "pct_of_revenue_ttm",
    ):
        _assert_close(table[column], expected[column], column)
    assert table["stage"].tolist() == expected["stage"]
    for k, trigger in enumerate(projection.model.triggers):
        fired = expected["fired"][trigger.trigger_id]
        assert arrays.fired_month[k] == (-1 if fired is None else fired)
    for i, item in enumerate(projection.model.items):
        assert arrays.item_active[i].tolist() == expected["active"][item.item_id]
        _assert_close(arrays.accrual[i], expected["accrual"][item.item_id], item.item_id)
        _assert_close(arrays.cash[i], expected["cash"][item.item_id], item.item_id)
    by_item = projection.spend_by_item.groupby("month")["cash"].sum()
    assert math.isclose(by_item.sum(), table["spend_cash"].sum(), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_files(), st.data())
def test_engine_matches_the_per_month_loop_with_actuals(files, data):
    """Generated actuals (any first and last closed month within the horizon, months with no
    users and no revenue, actuals that cross thresholds or do not): the engine's re-forecast
    equals the loop's, and so does everything the triggers then switch."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, f"{name}.csv").write_text(text, encoding="utf-8")
        inputs = load_inputs(tmp)
        scenario = inputs.scenarios["sc"]
        horizon = scenario.horizon_months
        first = data.draw(st.integers(0, horizon))
        last = data.draw(st.integers(first, horizon))
        closed = {}
        for m in range(first, last + 1):
            users = data.draw(st.sampled_from([0, 1, 7, 250, 1000, 40_000]))
            closed[m] = (users, 0 if users == 0 else data.draw(st.integers(0, 3_000_000)) / 100)
        start = scenario.start_year * 12 + scenario.start_month - 1
        rows = [
            f"{(start + m) // 12}-{(start + m) % 12 + 1:02d},{u},{r},"
            for m, (u, r) in closed.items()
        ]
        Path(tmp, "actuals.csv").write_text("date,users,mrr,spend_cash\n" + "\n".join(rows))
        projection = project_scenario(
            inputs, scenario, actuals=read_actuals(Path(tmp, "actuals.csv"))
        )
    expected = oracle_projection(inputs, scenario, horizon, closed)
    table, arrays = projection.table, projection.arrays
    for column in ("users", "arpu", "mrr", "spend_accrual", "spend_cash", "cumulative_cash"):
        _assert_close(table[column], expected[column], column)
    assert table["stage"].tolist() == expected["stage"]
    for k, trigger in enumerate(projection.model.triggers):
        fired = expected["fired"][trigger.trigger_id]
        assert arrays.fired_month[k] == (-1 if fired is None else fired)
    assert table["is_actual"].tolist() == [int(m in closed) for m in range(horizon + 1)]


def test_long_horizon_with_shrinking_revenue(data_dir):
    """1,200 months of -5%/month after a growth spurt: revenue falls by ~25 orders of magnitude,
    which a running-total shortcut for the trailing 12 months would get wrong."""
    (data_dir / "growth.csv").write_text(
        "scenario,from_month,user_growth_monthly\n"
        "seed_roadmap,1,0.5\nseed_roadmap,13,-0.05\nbase,1,0.1\nbull,1,0.1\nbear,1,0.1\n"
    )
    inputs = load_inputs(data_dir)
    scenario = inputs.scenarios["seed_roadmap"]
    projection = project_scenario(inputs, scenario, horizon_months=1200)
    expected = oracle_projection(inputs, scenario, 1200)
    for column in ("users", "spend_accrual", "spend_cash", "pct_of_revenue", "pct_of_revenue_ttm"):
        _assert_close(projection.table[column], expected[column], column)
    assert projection.table["stage"].tolist() == expected["stage"]
