"""The board report's content: its figures computed once (:class:`BoardPack`), its sections as
HTML from the Jinja templates in ``templates/``, and its charts.

The template ``templates/board_report.ipynb`` displays them in order;
:mod:`secmodel.report.build` runs that notebook with a pack it has built (its charts drawn ahead
in other processes), and turns the result into the PDF. Nothing here starts a process: the
Monte Carlo of each scenario runs in this one.
"""

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import jinja2
import pandas as pd
from IPython.display import HTML
from markupsafe import Markup

from secmodel.analysis.audit import (
    audit_counts,
    formatted_columns,
    market_check,
    run_audit,
    stage_pct_targets,
    tier_stack,
)
from secmodel.analysis.bridge import Comparison, compare
from secmodel.analysis.figures import ScenarioFigures, scenario_figures
from secmodel.analysis.runs import UncertaintyRun, uncertainty_run
from secmodel.analysis.variance import closed_span, plan_vs_actual
from secmodel.formatting import long_date, pct, pct_tick
from secmodel.inputs.actuals import Actuals
from secmodel.inputs.csvtable import parse_number
from secmodel.inputs.loader import FRACTION_COLUMNS, ModelInputs, Scenario
from secmodel.inputs.versions import Version
from secmodel.model.checks import CheckResult, run_checks, summary_line
from secmodel.model.engine import compile_model
from secmodel.model.projection import Projection, project_scenario, resolve_scenarios
from secmodel.present.images import NO_MATH, ChartImage
from secmodel.present.summary import key_sentences, stacking_sentence, summary_table
from secmodel.present.tables import (
    bridge_steps_table,
    firing_table,
    plan_year_variances,
    sensitivity_top,
    tier_items_table,
    tier_table,
    trigger_moves_table,
)
from secmodel.report.pages import Pages

TITLE = "Security investment roadmap"
TEMPLATES = Path(__file__).resolve().parent / "templates"
# The input files of Appendix A, with their titles, in the order shown.
APPENDIX_FILES = (
    ("scenarios", "Scenarios"),
    ("growth", "User growth segments"),
    ("triggers", "Triggers"),
    ("catalog", "Cost catalog"),
    ("stages", "Stages"),
    ("uncertainty", "Growth uncertainty settings"),
    ("settings", "Model settings"),
)


@dataclass(frozen=True)
class BoardPack:
    """Everything the board report shows, computed once from one load of the inputs: each
    covered scenario projected once, its figures and checks, the audit, the Monte Carlo and
    sensitivity of each covered scenario with a row in uncertainty.csv."""

    inputs: ModelInputs
    scenarios: list[Scenario]
    projections: list[Projection]
    figures: list[ScenarioFigures]
    checks: dict[str, list[CheckResult]]
    audit: pd.DataFrame
    uncertainty: dict[str, UncertaintyRun]
    chart_images: dict[str, list[ChartImage]] | None = None  # drawn ahead, by chart_jobs key
    actuals: Actuals | None = None  # the closed months the projections are re-forecast from
    plan_vs_actual: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    comparisons: dict[str, Comparison] = dataclasses.field(default_factory=dict)  # by scenario
    compared_to: str = ""  # the version the comparisons start from, as the user named it

    @property
    def labels(self) -> dict[str, str]:
        """Each covered scenario's name for a reader, by its id."""
        return {p.scenario.scenario: p.scenario.label for p in self.projections}


def build_pack(
    inputs: ModelInputs,
    scenario_names: list[str] | None = None,
    actuals: Actuals | None = None,
    compare_to: Version | None = None,
) -> BoardPack:
    """The board report's figures for ``scenario_names`` (None: every scenario): with
    ``actuals``, re-forecast from the closed months, with plan vs actual; with ``compare_to``,
    each scenario's bridge from that version (of those in both)."""
    scenarios = resolve_scenarios(inputs, scenario_names)
    model = compile_model(inputs)
    plans = [project_scenario(inputs, s, model=model) for s in scenarios]
    projections = plans
    pva = {}
    if actuals is not None:
        projections = [project_scenario(inputs, s, model=model, actuals=actuals) for s in scenarios]
        pva = {
            p.scenario.scenario: plan_vs_actual(plan, p)
            for plan, p in zip(plans, projections, strict=True)
        }
    comparisons = {}
    if compare_to is not None:
        new = Version("this version", inputs, actuals)
        comparisons = {
            s.scenario: compare(compare_to, new, s.scenario)
            for s in scenarios
            if s.scenario in compare_to.inputs.scenarios
        }
    by_name = {p.scenario.scenario: p for p in projections}
    plan_by_name = {p.scenario.scenario: p for p in plans}  # the seed's claims are the plan's
    milestones = inputs.settings.milestone_months
    return BoardPack(
        inputs=inputs,
        scenarios=scenarios,
        projections=projections,
        figures=[scenario_figures(p, milestones) for p in projections],
        checks={name: run_checks(p.table, p.spend_by_item) for name, p in by_name.items()},
        audit=run_audit(inputs, plan_by_name),
        uncertainty={
            s.scenario: uncertainty_run(inputs, s.scenario, actuals=actuals)
            for s in scenarios
            if s.scenario in inputs.uncertainty
        },
        actuals=actuals,
        plan_vs_actual=pva,
        comparisons=comparisons,
        compared_to="" if compare_to is None else compare_to.name,
    )


# ---------------------------------------------------------------------------------------------
# Sections: HTML from the templates


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **context) -> HTML:
    """A section template rendered with ``context`` (text is escaped; tables marked safe),
    in a block that MathJax leaves alone: JupyterLab would typeset the text between two
    dollar amounts as math."""
    body = _environment().get_template(template).render(**context)
    return HTML(f'<div class="{NO_MATH}">{body}</div>')


def table_html(frame: pd.DataFrame, css_class: str = "", index: bool = True):
    """A plain HTML table of already formatted strings, escaped, ready for a template. A named
    single index heads its own column on the header row (pandas would add a second header row
    for the name alone)."""
    if index and frame.index.nlevels == 1 and frame.index.name and frame.columns.nlevels == 1:
        frame = frame.rename_axis(None).rename_axis(frame.index.name, axis="columns")
    text = frame.to_html(index=index, escape=True, border=0, classes=css_class or None)
    return Markup(text)


def title_page(pack: BoardPack, as_of: str | None, company: str) -> HTML:
    """Company, title, date (or 'Draft') and the scenarios covered."""
    when = long_date(date.fromisoformat(as_of)) if as_of else "Draft"
    return render(
        "title_page.html.j2", title=TITLE, company=company, as_of=when, scenarios=pack.scenarios
    )


def executive_summary(pack: BoardPack) -> HTML:
    """The key sentences and the summary table."""
    table = summary_table(pack.projections, pack.figures)
    return render(
        "executive_summary.html.j2",
        sentences=key_sentences(pack.projections, pack.figures, pack.inputs.benchmarks),
        table=table_html(table, "summary-table"),
    )


def tiers_section(pack: BoardPack) -> HTML:
    """What each tier buys: how the tiers add up (they stack), then every catalog line."""
    return render(
        "tiers.html.j2",
        stacking=stacking_sentence(pack.projections),
        stack=table_html(tier_table(tier_stack(pack.inputs)), "tier-table", index=False),
        items=table_html(tier_items_table(pack.inputs), "tier-items-table", index=False),
    )


def section_heading(title: str, text: str = "") -> HTML:
    return render("section_heading.html.j2", title=title, text=text)


def scenario_heading(projection: Projection) -> HTML:
    return render("scenario_heading.html.j2", scenario=projection.scenario)


# A chart: the name of its function in secmodel.present.charts, and the arguments.
ChartJob = tuple[str, tuple]


def chart_jobs(pack: BoardPack) -> dict[str, list[ChartJob]]:
    """Every chart of the report, by the section that shows it: "comparison" (none for one
    scenario: a comparison needs two), then "scenario NAME" for each scenario and
    "uncertainty NAME" for each simulated one."""
    targets = stage_pct_targets(pack.inputs.claims)
    jobs = {
        "comparison": [
            ("comparison_chart", (pack.projections, column))
            for column in ("cumulative_accrual", "pct_of_revenue_ttm")
            if len(pack.projections) > 1
        ]
    }
    for p in pack.projections:
        jobs[f"scenario {p.scenario.scenario}"] = [
            ("users_and_mrr_chart", (p,)),
            ("spend_by_category_chart", (p,)),
            ("cumulative_spend_chart", (p,)),
            ("pct_of_revenue_chart", (p, targets, pack.inputs.benchmarks)),
        ]
    for scenario, comparison in pack.comparisons.items():
        jobs[f"changes {scenario}"] = [
            ("waterfall_chart", (comparison.table, pack.labels[scenario]))
        ]
    for scenario, run in pack.uncertainty.items():
        result = run.montecarlo
        jobs[f"uncertainty {scenario}"] = [
            (
                "trigger_probability_chart",
                (
                    result.trigger_probability,
                    run.label,
                    run.paths,
                    run.trigger_labels,
                    run.start_date,
                ),
            ),
            *[
                (
                    "fan_chart",
                    (result.quantiles, metric, run.label, run.paths, run.start_date, False),
                )
                for metric in ("mrr", "cumulative_cash", "pct_of_revenue")
            ],
            ("tornado_chart", (run.sensitivity, run.label)),
        ]
    return jobs


def draw_chart(job: ChartJob) -> ChartImage:
    """One chart job drawn and rendered to PNG (picklable both ways: a worker's job)."""
    from secmodel.present import charts  # matplotlib: only where charts are drawn

    name, args = job
    return getattr(charts, name)(*args).image()


def with_charts(pack: BoardPack, images: dict[str, list[ChartImage]]) -> BoardPack:
    """The pack with its charts drawn ahead (by :func:`chart_jobs` key)."""
    return dataclasses.replace(pack, chart_images=images)


def _charts(pack: BoardPack, key: str) -> list[ChartImage]:
    """The charts of one section: drawn ahead, or drawn now."""
    if pack.chart_images is not None:
        return pack.chart_images[key]
    return [draw_chart(job) for job in chart_jobs(pack)[key]]


def comparison_charts(pack: BoardPack) -> list[ChartImage]:
    """Cumulative spend and the trailing share of revenue of every covered scenario."""
    return _charts(pack, "comparison")


def scenario_charts(pack: BoardPack, projection: Projection) -> list[ChartImage]:
    """Revenue and users, spend by category, cumulative spend, share of revenue."""
    return _charts(pack, f"scenario {projection.scenario.scenario}")


def uncertainty_parts(pack: BoardPack) -> list:
    """For each simulated scenario: when the upgrades are likely to be needed, the range of
    outcomes, and which assumption matters most (sections and charts, in order)."""
    parts = []
    for scenario, run in pack.uncertainty.items():
        probability, *fans, tornado = _charts(pack, f"uncertainty {scenario}")
        # the range of a month's growth, shown for the scenario's first segment (95% of draws)
        first_growth = pack.inputs.scenarios[scenario].growth[0].user_growth_monthly
        floor = pack.inputs.settings.growth_floor
        parts.append(
            render(
                "uncertainty.html.j2",
                scenario=run.label,
                paths=f"{run.paths:,}",
                volatility=f"{run.volatility * 100:.3g}",
                planned=pct(first_growth, 0),
                low=pct(max(first_growth - 1.96 * run.volatility, floor), 0),
                high=pct(first_growth + 1.96 * run.volatility, 0),
                table=table_html(firing_table(run), "firing-table"),
            )
        )
        parts += [probability, render("fans_heading.html.j2"), *fans]
        parts.append(
            render(
                "sensitivity.html.j2",
                delta=pct(run.sensitivity_delta, 0),
                table=table_html(sensitivity_top(run), "sensitivity-table"),
            )
        )
        parts.append(tornado)
    return parts


def monthly_close_parts(pack: BoardPack) -> list:
    """With actuals: plan vs actual by plan year for each scenario; with a version compared
    to: what changed since it, each scenario's bridge (chart, steps, upgrades that moved)."""
    parts = []
    labels = pack.labels
    if pack.actuals is not None:
        span = closed_span(pack.projections[0])
        parts.append(
            section_heading(
                "Plan vs actual",
                f"The closed months ({span}) carry the actual users, MRR and security cash "
                "spend; the months after are re-forecast from the last of them. The flexible "
                "budget is the roadmap's rules applied to the actual growth: the volume "
                "variance (flexible budget less plan) is spend that moved because growth did, "
                "the spending variance (actual less flexible budget) spend over or under the "
                "roadmap's own rules. Cash, USD.",
            )
        )
        for scenario, pva in pack.plan_vs_actual.items():
            parts.append(
                render(
                    "close_table.html.j2",
                    scenario=labels[scenario],
                    table=table_html(plan_year_variances(pva), "close-table"),
                    moves="",
                )
            )
    if pack.comparisons:
        parts.append(
            section_heading(
                "What changed since the last version",
                f"From the cumulative spend of the version compared with ({pack.compared_to}) "
                "to this one's over the horizon, one group of inputs at a time in a fixed "
                "order: revenue drivers, trigger rules, prices, scope, actuals. The steps add "
                "up to the cent; a group left alone changes nothing.",
            )
        )
        for scenario, comparison in pack.comparisons.items():
            (chart,) = _charts(pack, f"changes {scenario}")
            moves = trigger_moves_table(comparison)
            parts += [
                render(
                    "close_table.html.j2",
                    scenario=labels[scenario],
                    table="",
                    moves="",
                ),
                chart,
                render(
                    "close_table.html.j2",
                    scenario="",
                    table=table_html(bridge_steps_table(comparison.table), "bridge-table"),
                    moves=table_html(moves, "moves-table") if len(moves) else "",
                ),
            ]
    return parts


def _audit_rows(a: pd.DataFrame) -> tuple[list[str], list[dict]]:
    """The audit's displayed columns and rows (each with its status, for its shading); a
    figure that holds by construction says so in its status."""
    status = [
        f"{s} (by construction)" if b == "by construction" else s
        for s, b in zip(a["status"], a["basis"], strict=True)
    ]
    shown = pd.DataFrame(
        {
            "Seed's claim": a["claim"],
            "Computed as": [
                f"{m} ({n})" if n else m for m, n in zip(a["measure"], a["note"], strict=True)
            ],
            **formatted_columns(a),
            "Status": status,
        }
    )
    rows = [
        {"status": s.replace(" ", "-"), "cells": list(row)}
        for row, s in zip(shown.itertuples(index=False), a["status"], strict=True)
    ]
    return list(shown.columns), rows


def audit_section(pack: BoardPack) -> HTML:
    """Every claim of the seed beside what its catalog, stages and timeline give: the claims
    tested (those the model could have contradicted, and those it holds by construction),
    then the transcription checks (inputs copied from the seed, checked against it)."""
    a = pack.audit
    copied = a["basis"] == "transcription"
    columns, tested = _audit_rows(a[~copied])
    _, transcription = _audit_rows(a[copied])
    market = market_check(pack.inputs).rename(columns=MARKET_HEADINGS)[[*MARKET_HEADINGS.values()]]
    return render(
        "audit.html.j2",
        columns=columns,
        tested=tested,
        transcription=transcription,
        counts=audit_counts(a),
        market=table_html(market, "market-table", index=False) if len(market) else "",
    )


MARKET_HEADINGS = {
    "line": "Catalog line",
    "catalog": "Catalog amount (USD)",
    "published": "Published figure",
    "source": "Source",
    "reading": "What it says",
}


def _used_rows(pack: BoardPack, name: str):
    """The rows of an input file that the report used (scenario rows: only those covered)."""
    table = pack.inputs.tables[name]
    covered = {s.scenario for s in pack.scenarios}
    rows = table.rows
    if name in ("scenarios", "growth", "uncertainty"):
        rows = [r for r in rows if r.raw("scenario") in covered]
    return table.header, rows


def appendix(pack: BoardPack) -> HTML:
    """Appendix A: every row of every input file the report used, as typed (fractions as
    percentages, as the body shows rates)."""
    files = []
    for name, title in APPENDIX_FILES:
        header, rows = _used_rows(pack, name)
        columns = [c for c in header if c]
        frame = pd.DataFrame(
            [[r.line] + [_appendix_cell(name, c, r.raw(c)) for c in columns] for r in rows],
            columns=["line", *columns],
        )
        files.append(
            {"title": title, "file": f"{name}.csv", "table": _wide(frame, f"assumptions {name}")}
        )
    claims = pd.DataFrame(
        [(c.line, c.claim_id, c.section, c.claim, c.check) for c in pack.inputs.claims],
        columns=["line", "claim_id", "section", "claim", "check"],
    )
    bench = pd.DataFrame(
        [
            (b.benchmark_id, b.figure, b.value_text(), b.year, b.source, b.grade)
            for b in pack.inputs.benchmarks
        ],
        columns=["id", "figure", "value", "year", "source", "grade"],
    )
    return render(
        "appendix.html.j2",
        files=files,
        claims=_wide(claims, "assumptions claims"),
        benchmarks=_wide(bench, "assumptions benchmarks"),
    )


def _appendix_cell(name: str, column: str, typed: str) -> str:
    """A cell of input file ``name`` as the appendix shows it: as typed, but a fraction as its
    percentage and a trigger's condition unbroken inside its comparisons."""
    if column in FRACTION_COLUMNS.get(name, ()):
        return _as_percent(typed)
    if (name, column) == ("triggers", "condition"):
        return _unbroken_comparisons(typed)
    return typed


def _unbroken_comparisons(condition: str) -> str:
    """A trigger's condition that wraps between its clauses, never inside one: no-break spaces
    around each comparison ("mrr >= 10_000" stays whole; "and", "or" may start a line)."""
    return re.sub(r"\s*(>=|<=|==|!=|>|<)\s*", "\u00a0\\1\u00a0", condition)


def _as_percent(typed: str) -> str:
    """A fraction as typed (0.136 or 13.6%) as the percentage it is, to its own precision."""
    if not typed:  # a blank optional cell
        return typed
    return pct_tick(parse_number(typed, percent=True))  # read once already: it parses


def _wide(frame: pd.DataFrame, css_class: str):
    return table_html(frame, css_class, index=False)


def checks_section(pack: BoardPack) -> HTML:
    """Appendix B: every model check (rows) for every scenario (columns)."""
    total = [r for results in pack.checks.values() for r in results]
    names = [r.name for r in next(iter(pack.checks.values()))]
    frame = pd.DataFrame(
        {
            scenario: ["pass" if r.passed else f"FAIL: {r.detail}" for r in results]
            for scenario, results in pack.checks.items()
        },
        index=pd.Index(names, name="Check"),
    )
    return render(
        "checks.html.j2", line=summary_line(total), table=table_html(frame, "checks-table")
    )


# ---------------------------------------------------------------------------------------------
# The pages in the template's order


def pages(pack: BoardPack, as_of: str | None, company: str) -> Pages:
    """Every section and chart of the report, by the template cell that shows them."""
    comparison = []
    if len(pack.projections) > 1:  # one scenario has nothing to compare: no section
        comparison = [
            section_heading(
                "Scenarios compared",
                "Cumulative security spend and its share of revenue in every scenario.",
            ),
            *comparison_charts(pack),
        ]
    scenarios = []
    for projection in pack.projections:
        scenarios += [scenario_heading(projection), *scenario_charts(pack, projection)]
    return Pages(
        {
            "title_page": [title_page(pack, as_of, company)],
            "executive_summary": [executive_summary(pack), tiers_section(pack)],
            "monthly_close": monthly_close_parts(pack),
            "comparison": comparison,
            "scenarios": scenarios,
            "uncertainty": uncertainty_parts(pack),
            "audit": [audit_section(pack)],
            "appendix": [appendix(pack)],
            "checks": [checks_section(pack)],
        }
    )
