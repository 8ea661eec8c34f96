"""The board report's sections as HTML, for ``notebooks/board_report.ipynb``.

Every number is formatted here from the model's tables ($1.2M, $83,455, 4.1%); every sentence of
the executive summary is generated from those numbers. The notebook only displays the sections;
:mod:`secmodel.report.build` turns the executed notebook into the PDF.
"""

import html
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from IPython.display import HTML

from secmodel.analysis.audit import formatted_columns, run_audit, stage_pct_targets
from secmodel.inputs.loader import load_inputs
from secmodel.model.checks import run_checks, summary_line
from secmodel.model.engine import compile_model
from secmodel.model.projection import Projection, project_scenario, resolve_scenarios
from secmodel.paths import DEFAULT_DATA_DIR
from secmodel.present import charts
from secmodel.present.formatting import pct, usd
from secmodel.present.tables import UncertaintyRun, firing_table, sensitivity_top, uncertainty_run
from secmodel.report.build import TITLE, landscape_text_width_pt
from secmodel.report.chartpool import ChartPool
from secmodel.report.tablelayout import colgroup

SUMMARY_MONTHS = (12, 24, 36, 60)


def esc(value) -> str:
    return html.escape(str(value))


def table_html(frame: pd.DataFrame, css_class: str = "", index: bool = True) -> str:
    """A plain HTML table (strings already formatted), escaped."""
    return frame.to_html(index=index, escape=True, border=0, classes=css_class or None)


# Type sizes of the long tables (points): their column widths are worked out from their text at
# this size (secmodel.report.tablelayout), so the size is set here, not in report.css.
AUDIT_FONT_PT = 7.5
ASSUMPTIONS_FONT_PT = 6.8


def fixed_table_html(frame: pd.DataFrame, css_class: str, font_pt: float, table_pt: float) -> str:
    """A table (strings already formatted, escaped) ``table_pt`` points wide laid out in one
    pass: column widths from its text, in type of ``font_pt`` points."""
    table = table_html(frame, f"{css_class} fixed", index=False)
    opening, rest = table.split(">", 1)  # <table border="0" class="...">
    widths = colgroup(frame, font_pt, table_pt)
    return f'{opening} style="font-size: {font_pt}pt">{widths}{rest}'


def month_text(projection: Projection, month: int) -> str:
    """'month 6 (Jul 2027)'."""
    when = pd.Period(projection.table.loc[month, "date"], freq="M").strftime("%b %Y")
    return f"month {month} ({when})"


@dataclass
class ScenarioFigures:
    """The summary figures of one scenario (USD, fractions, months)."""

    projection: Projection
    total_spend: float  # USD, accrual, months 0..horizon
    total_revenue: float  # USD
    peak_pct: float
    peak_month: int
    months_over_budget: int
    gap_at_end: float  # USD/month, budget - spend; negative = over budget

    @property
    def name(self) -> str:
        return self.projection.scenario.scenario

    @property
    def average_pct(self) -> float:
        """Total spend / total revenue over the horizon (fraction)."""
        return self.total_spend / self.total_revenue if self.total_revenue > 0 else np.nan


@dataclass(frozen=True)
class UncertaintyCharts:
    """A scenario's Monte Carlo and sensitivity run, with its charts being drawn."""

    run: UncertaintyRun
    outcome: list[Future]  # ChartImage: trigger probability, then MRR, cash and share fans
    tornado: Future  # ChartImage


def scenario_figures(projection: Projection) -> ScenarioFigures:
    t = projection.table
    pct_month = t["pct_of_revenue"]
    peak = int(pct_month.idxmax()) if pct_month.notna().any() else 0
    return ScenarioFigures(
        projection=projection,
        total_spend=float(t["spend_accrual"].sum()),
        total_revenue=float(t["mrr"].sum()),
        peak_pct=float(pct_month.max()),
        peak_month=peak,
        months_over_budget=int((t["budget_gap"] < 0).sum()),
        gap_at_end=float(t["budget_gap"].iloc[-1]),
    )


class BoardReport:
    """The report's model runs and its sections as HTML."""

    def __init__(
        self,
        data_dir=None,
        scenarios: list[str] | None = None,
        as_of: str | None = None,
        company: str = "",
        paper: str = "A4",
    ):
        self.inputs = load_inputs(data_dir or DEFAULT_DATA_DIR)
        self.scenarios = resolve_scenarios(self.inputs, scenarios)
        self.as_of = date.fromisoformat(as_of) if as_of else None
        self.company = company
        self.wide_table_pt = landscape_text_width_pt(paper)  # the audit's and appendix's
        model = compile_model(self.inputs)
        self.projections = [project_scenario(self.inputs, s, model=model) for s in self.scenarios]
        self.figures = [scenario_figures(p) for p in self.projections]
        self.checks = {
            p.scenario.scenario: run_checks(p.table, p.spend_by_item) for p in self.projections
        }
        self.claims = self.inputs.claims
        self.benchmarks = self.inputs.benchmarks
        self.audit = run_audit(self.inputs)
        self._draw_charts_ahead()

    def _draw_charts_ahead(self) -> None:
        """Start every chart of the report, and the Monte Carlo runs behind the uncertainty
        section, in worker processes now; the sections collect them in order."""
        pool = ChartPool()
        self.uncertainty_settings = self.inputs.uncertainty
        # the simulations first: their charts can be queued only once they are done
        runs = {
            s.scenario: pool.call(uncertainty_run, self.inputs.data_dir, s.scenario)
            for s in self.scenarios
            if s.scenario in self.uncertainty_settings
        }
        self._comparison = [
            pool.chart(charts.comparison_chart, self.projections, column)
            for column in ("cumulative_accrual", "pct_of_revenue_ttm")
        ]
        targets = stage_pct_targets(self.claims)
        self._scenario = {
            p.scenario.scenario: [
                pool.chart(charts.users_and_mrr_chart, p),
                pool.chart(charts.spend_by_category_chart, p),
                pool.chart(charts.cumulative_spend_chart, p),
                pool.chart(charts.pct_of_revenue_chart, p, targets, self.benchmarks),
            ]
            for p in self.projections
        }
        self._uncertainty = {}
        for scenario, future in runs.items():
            run = future.result()
            result = run.montecarlo
            outcome = [
                pool.chart(
                    charts.trigger_probability_chart,
                    result.trigger_probability,
                    scenario,
                    run.paths,
                )
            ]
            outcome += [
                pool.chart(charts.fan_chart, result.quantiles, metric, scenario, run.paths)
                for metric in ("mrr", "cumulative_cash", "pct_of_revenue")
            ]
            tornado = pool.chart(charts.tornado_chart, run.sensitivity, scenario)
            self._uncertainty[scenario] = UncertaintyCharts(run, outcome, tornado)
        pool.close()

    # -----------------------------------------------------------------------------------------
    def title_page(self) -> HTML:
        covered = "".join(
            f"<li><strong>{esc(s.scenario)}</strong>: {esc(s.description)}</li>"
            for s in self.scenarios
        )
        as_of = self.as_of.strftime("%d %B %Y") if self.as_of else "Draft"
        company = f'<p class="company">{esc(self.company)}</p>' if self.company else ""
        return HTML(
            f'<section class="title-page">{company}<h1 class="doc-title">{TITLE}</h1>'
            '<p class="subtitle">When each security upgrade switches on, what it costs, and '
            "what share of revenue that is, under each growth scenario.</p>"
            f'<p class="as-of">As of {esc(as_of)}</p>'
            f'<h2>Scenarios covered</h2><ul class="scenarios">{covered}</ul></section>'
        )

    # -----------------------------------------------------------------------------------------
    def summary_table(self) -> pd.DataFrame:
        """The executive summary's figures, one column per scenario, formatted, with rows
        grouped under a heading."""
        rows: dict[tuple[str, str], list[str]] = {}
        for trigger in self.projections[0].model.triggers:
            cells = []
            for p in self.projections:
                fired = p.fired_month(trigger.trigger_id)
                cells.append(
                    month_text(p, fired) if fired >= 0 else f"not in {p.horizon_months} months"
                )
            rows[("Fires in", trigger.description)] = cells
        for m in SUMMARY_MONTHS:
            rows[("Monthly spend", f"month {m}")] = [
                usd(p.table.loc[m, "spend_accrual"]) if m <= p.horizon_months else "-"
                for p in self.projections
            ]
        for m in SUMMARY_MONTHS:
            rows[("Cumulative spend", f"by month {m}")] = [
                usd(p.table.loc[m, "cumulative_accrual"]) if m <= p.horizon_months else "-"
                for p in self.projections
            ]
        rows[("Share of revenue", "peak month")] = [
            f"{pct(f.peak_pct)} (month {f.peak_month})" for f in self.figures
        ]
        rows[("Share of revenue", "total spend / total revenue")] = [
            pct(f.average_pct) for f in self.figures
        ]
        rows[("Stage budget", "months over budget")] = [
            f"{f.months_over_budget} of {len(f.projection.table)}" for f in self.figures
        ]
        rows[("Stage budget", "budget less spend, last month")] = [
            usd(f.gap_at_end) for f in self.figures
        ]
        frame = pd.DataFrame(list(rows.values()), columns=[f.name for f in self.figures])
        frame.index = pd.MultiIndex.from_tuples(list(rows))
        return frame

    def key_sentences(self) -> list[str]:
        """Three sentences, generated from the numbers, that say what matters."""
        figures = self.figures
        # 1. timing: the trigger whose items cost most over all scenarios
        spend_by_trigger: dict[str, float] = {}
        for f in figures:
            for i, item in enumerate(f.projection.model.items):
                spend = float(f.projection.arrays.accrual[0, i].sum())
                spend_by_trigger[item.trigger] = spend_by_trigger.get(item.trigger, 0.0) + spend
        trigger_id = max(spend_by_trigger, key=spend_by_trigger.get)
        trigger = next(
            t for t in figures[0].projection.model.triggers if t.trigger_id == trigger_id
        )
        timing = []
        for f in figures:
            p = f.projection
            fired = p.fired_month(trigger_id)
            timing.append(
                f"{f.name} in {month_text(p, fired)}"
                if fired >= 0
                else f"{f.name} not within {p.horizon_months} months"
            )
        monthly = sum(
            item.amount / (12 if item.cadence == "annual" else 1)
            for item in figures[0].projection.model.items
            if item.trigger == trigger_id and item.basis == "fixed" and item.cadence != "one_off"
        )
        first = (
            f"The costliest upgrade, triggered when {trigger.description[0].lower()}"
            f"{trigger.description[1:]} ({usd(monthly)} a month of new items), is needed: "
            f"{'; '.join(timing)}."
        )
        # 2. money: cumulative spend range and the budget gap
        by_total = sorted(figures, key=lambda f: f.projection.table["cumulative_accrual"].iloc[-1])
        low, high = by_total[0], by_total[-1]
        over = [f for f in figures if f.gap_at_end < 0]
        gap_text = (
            f"in {len(over)} of {len(figures)} scenarios the last month's spend is above the "
            f"stage budget, by up to {usd(-min(f.gap_at_end for f in over))} a month"
            if over
            else "every scenario ends within its stage budget"
        )
        second = (
            f"Cumulative security spend over the horizon ranges from "
            f"{usd(low.projection.table['cumulative_accrual'].iloc[-1])} ({low.name}) to "
            f"{usd(high.projection.table['cumulative_accrual'].iloc[-1])} ({high.name}); "
            f"{gap_text}."
        )
        # 3. share of revenue against the published benchmark
        bench = next(
            (
                b
                for b in sorted(self.benchmarks, key=lambda b: (b.grade, -b.year))
                if b.metric == "security_pct_of_revenue" and b.value is not None
            ),
            None,
        )
        averages = sorted(figures, key=lambda f: f.average_pct)
        peak = max(figures, key=lambda f: f.peak_pct)
        peak_when = month_text(peak.projection, peak.peak_month)
        third = (
            f"Security costs {pct(averages[0].average_pct)} ({averages[0].name}) to "
            f"{pct(averages[-1].average_pct)} ({averages[-1].name}) of revenue over the horizon, "
            f"peaking at {pct(peak.peak_pct)} ({peak.name}, {peak_when})"
        )
        if bench is not None:
            ratio = averages[0].average_pct / bench.value
            third += (
                f"; even the lowest is {ratio:.0f} times the {pct(bench.value, 2)} of revenue "
                f"that {bench.source.split(',')[0]} report for {bench.year} (grade {bench.grade})"
            )
        return [first, second, third + "."]

    def executive_summary(self) -> HTML:
        sentences = "".join(f"<li>{esc(s)}</li>" for s in self.key_sentences())
        return HTML(
            '<section class="summary"><h1>Executive summary</h1>'
            f'<ol class="key-points">{sentences}</ol>'
            + table_html(self.summary_table(), "summary-table")
            + '<p class="note">Spend is the accrual view: annual items spread over 12 months. '
            "Budgets are the seed roadmap's stage budgets; months are counted from launch "
            "(month 0).</p></section>"
        )

    # -----------------------------------------------------------------------------------------
    def section_heading(self, title: str, text: str = "") -> HTML:
        intro = f"<p>{esc(text)}</p>" if text else ""
        return HTML(f'<h1 class="section">{esc(title)}</h1>{intro}')

    def comparison_charts(self) -> list[charts.ChartImage]:
        return [future.result() for future in self._comparison]

    def scenario_charts(self, projection: Projection) -> list[charts.ChartImage]:
        return [future.result() for future in self._scenario[projection.scenario.scenario]]

    def scenario_heading(self, projection: Projection) -> HTML:
        s = projection.scenario
        return HTML(
            f'<h2 class="scenario">Scenario {esc(s.scenario)}</h2><p>{esc(s.description)}</p>'
        )

    # -----------------------------------------------------------------------------------------
    def uncertainty_parts(self) -> list:
        """For each covered scenario with a row in uncertainty.csv: when the upgrades are
        likely to be needed, the range of outcomes, and which assumption matters most."""
        parts = []
        for scenario, drawn in self._uncertainty.items():
            s = self.uncertainty_settings[scenario]
            parts.append(
                HTML(
                    f'<h1 class="section">Growth uncertainty: {esc(scenario)}</h1>'
                    f"<p>{drawn.run.paths:,} simulated growth paths: each month's user growth "
                    f"varies around the plan with a standard deviation of {pct(s.volatility)} "
                    "(uncertainty.csv). When the upgrades are needed:</p>"
                    + table_html(firing_table(drawn.run), "firing-table")
                )
            )
            parts.extend(future.result() for future in drawn.outcome)
            parts.append(
                HTML(
                    "<h2>Which assumption matters most</h2>"
                    f"<p>Each assumption moved {pct(s.sensitivity_delta, 0)} down and up alone "
                    "(months by at least one); effect on cumulative spend at the horizon.</p>"
                    + table_html(sensitivity_top(drawn.run), "sensitivity-table")
                )
            )
            parts.append(drawn.tornado.result())
        return parts

    # -----------------------------------------------------------------------------------------
    def audit_section(self) -> HTML:
        a = self.audit
        counts = a["status"].value_counts()
        shown = pd.DataFrame(
            {
                "Seed's claim": a["claim"],
                "Computed as": [
                    f"{m} ({n})" if n else m for m, n in zip(a["measure"], a["note"], strict=True)
                ],
                **formatted_columns(a),
                "Status": a["status"],
            }
        )
        body = []
        for (_, row), status in zip(shown.iterrows(), a["status"], strict=True):
            cells = "".join(f"<td>{esc(v)}</td>" for v in row)
            body.append(f'<tr class="status-{status.replace(" ", "-")}">{cells}</tr>')
        head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
        # the figures (never wrapped, report.css) and the status keep their width
        widths = colgroup(shown, AUDIT_FONT_PT, self.wide_table_pt, unbroken=shown.columns[2:])
        table = (
            f'<table class="audit-table fixed" style="font-size: {AUDIT_FONT_PT}pt">{widths}'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
        intro = (
            f"Every numeric claim of the seed roadmap set beside what its own cost catalog, stage "
            f"table and phase timeline give: {counts.get('match', 0)} figures match, "
            f"{counts.get('differs', 0)} differ and {counts.get('not reached', 0)} are not "
            "reached within the horizon. The seed is not corrected; the differences are its own."
        )
        return HTML(
            f'<section class="audit"><h1>Roadmap audit</h1><p>{esc(intro)}</p>{table}</section>'
        )

    def wide_table(self, frame: pd.DataFrame, css_class: str) -> str:
        """An appendix table across a landscape page."""
        return fixed_table_html(frame, css_class, ASSUMPTIONS_FONT_PT, self.wide_table_pt)

    # -----------------------------------------------------------------------------------------
    def used_rows(self, name: str):
        """The rows of an input file that the report used (scenario rows: only those covered)."""
        table = self.inputs.tables[name]
        covered = {s.scenario for s in self.scenarios}
        rows = table.rows
        if name in ("scenarios", "growth"):
            rows = [r for r in rows if r.raw("scenario") in covered]
        return table.header, rows

    def appendix(self) -> HTML:
        parts = [
            '<section class="appendix"><h1>Appendix A: assumptions</h1>'
            "<p>Every row of every input file the report used, as typed, with its line number "
            "and its source.</p>"
        ]
        files = [
            ("scenarios", "Scenarios"),
            ("growth", "User growth segments"),
            ("triggers", "Triggers"),
            ("catalog", "Cost catalog"),
            ("stages", "Stages"),
        ]
        for name, title in files:
            header, rows = self.used_rows(name)
            columns = [c for c in header if c]
            frame = pd.DataFrame(
                [[r.line] + [r.cells.get(c, "").strip() for c in columns] for r in rows],
                columns=["line", *columns],
            )
            parts.append(f"<h2>{esc(title)} ({esc(name)}.csv)</h2>")
            parts.append(self.wide_table(frame, f"assumptions {name}"))
        claims = pd.DataFrame(
            [(c.line, c.claim_id, c.section, c.claim, c.check) for c in self.claims],
            columns=["line", "claim_id", "section", "claim", "check"],
        )
        parts.append("<h2>The seed's claims (roadmap_claims.csv)</h2>")
        parts.append(self.wide_table(claims, "assumptions claims"))
        bench = pd.DataFrame(
            [
                (b.benchmark_id, b.figure, _bench_value(b), b.year, b.source, b.grade)
                for b in self.benchmarks
            ],
            columns=["id", "figure", "value", "year", "source", "grade"],
        )
        parts.append("<h2>Published benchmarks (benchmarks.csv)</h2>")
        parts.append(
            "<p>Reference figures shown beside the model's results, never used in them. "
            "Grade P: the publisher's own page; S: reported by a third party; L: vendor "
            "estimate.</p>"
        )
        parts.append(self.wide_table(bench, "assumptions benchmarks"))
        parts.append("</section>")
        return HTML("".join(parts))

    def checks_section(self) -> HTML:
        """Every model check (rows) for every scenario (columns): pass, or where it fails."""
        total = [r for results in self.checks.values() for r in results]
        names = [r.name for r in next(iter(self.checks.values()))]
        frame = pd.DataFrame(
            {
                scenario: ["pass" if r.passed else f"FAIL: {r.detail}" for r in results]
                for scenario, results in self.checks.items()
            },
            index=pd.Index(names, name="Check"),
        )
        return HTML(
            '<section class="checks"><h1>Appendix B: model checks</h1>'
            f'<p class="checks-line">{esc(summary_line(total))}</p>'
            + table_html(frame, "checks-table")
            + "</section>"
        )


def _bench_value(b) -> str:
    fmt = {
        "fraction": lambda v: pct(v, 2),
        "usd_month": lambda v: f"{usd(v)}/month",
        "usd_year": lambda v: f"{usd(v)}/year",
        "usd": usd,
    }.get(b.unit, lambda v: f"{v:g}")
    if b.value is not None and b.low is None:
        return fmt(b.value)
    text = f"{fmt(b.low)} to {fmt(b.high)}"
    return f"{fmt(b.value)} ({text})" if b.value is not None else text
