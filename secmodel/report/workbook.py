"""The Excel workbook behind the board report: a live model, and the rest of the report's numbers.

Sheets, in order: Read me; Summary (the PDF's executive summary as numbers); the inputs
(Scenarios, Growth, Triggers, Catalog, Stages), whose yellow cells drive one formula Projection
sheet per scenario (:mod:`secmodel.report.livemodel`); Checks (live); then values: Events,
Spend by item, Roadmap audit, Monte Carlo, Trigger probability, Upgrade timing, Sensitivity.
Human headers with units, negatives in parentheses, real dates, frozen headers, filters and a
print setup on every sheet.
"""

import io
import re
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import xlsxwriter

from secmodel.formatting import long_date
from secmodel.present.summary import key_sentences, needed_in_text, summary_rows
from secmodel.present.tables import trigger_moves_table, trigger_timeline
from secmodel.report.board import TITLE, BoardPack
from secmodel.report.livemodel import (
    FIRST_ROW,
    HEADER_ROW,
    PROJECTION_HEADERS,
    ScenarioChecks,
    can_be_live,
    projection_headers,
    python_failing,
    serial,
    write_checks,
    write_inputs,
    write_projection,
)
from secmodel.report.sheetstyle import Formats

F = Formats
# projection.csv's columns (and the Monte Carlo metrics) -> number format
FORMATS = {
    "month": F.INTEGER,
    "date": F.MONTH,
    "users": F.COUNT,
    "arpu": F.USD,
    "mrr": F.USD_WHOLE,  # revenue in whole dollars: cents would be false precision
    "arr": F.USD_WHOLE,
    "security_score": "0.0",
    "budget": F.USD,
    "spend_accrual": F.USD,
    "spend_cash": F.USD,
    "budget_gap": F.USD,
    "cumulative_accrual": F.USD_WHOLE,
    "cumulative_cash": F.USD_WHOLE,
    "pct_of_revenue": F.PCT,
    "pct_of_revenue_ttm": F.PCT,
    "is_actual": F.INTEGER,
    "spend_actual_cash": F.USD,
    "cumulative_actual_then_forecast_cash": F.USD_WHOLE,
}
UNIT_FORMATS = {"usd_month": F.USD, "fraction": F.PCT_INPUT, "month": "0", "score": "0.0"}
EXCEL_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # Excel refuses these in sheet names
FIXED_SHEETS = (
    "Read me", "Summary", "Scenarios", "Growth", "Triggers", "Catalog", "Stages", "Checks",
    "Events", "Spend by item", "Roadmap audit", "Monte Carlo", "Trigger probability",
    "Upgrade timing", "Sensitivity", "Actuals", "Plan vs actual", "Bridge", "Upgrades moved",
)  # fmt: skip


def sheet_name(prefix: str, scenario: str, taken: set[str]) -> str:
    """'Projection bull' as Excel allows it: none of []:*?/\\, no leading or trailing
    apostrophe, at most 31 characters, unique ignoring case (``taken``: the names so far, lower
    case). The scenario's own name stays in the sheet's B1 cell."""
    full = EXCEL_FORBIDDEN.sub("_", f"{prefix} {scenario}").strip("'")
    name, n = full[:31].strip("'"), 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = full[: 31 - len(suffix)].strip("'") + suffix
        n += 1
    taken.add(name.lower())
    return name


def workbook_bytes(pack: BoardPack, as_of: date | None = None) -> bytes:
    """The workbook of a board pack as .xlsx bytes. ``as_of`` is written as the file's creation
    date, so the same inputs and date give the same bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    created = datetime.combine(as_of or date(2000, 1, 1), time())
    book.set_properties({"title": TITLE, "author": "secmodel", "created": created})
    formats = Formats(book, TITLE)
    read_me = book.add_worksheet("Read me")
    _summary_sheet(book.add_worksheet("Summary"), pack, formats)
    refs = write_inputs(book, pack.inputs, formats, pack.actuals)
    taken = {name.lower() for name in FIXED_SHEETS}
    checks, values_only = [], []
    for p in pack.projections:
        name = sheet_name("Projection", p.scenario.scenario, taken)
        sheet = book.add_worksheet(name)
        if can_be_live(p):
            ranges = write_projection(sheet, p, refs, formats)
            checks.append(ScenarioChecks(p.scenario.label, name, ranges, python_failing(p)))
        else:
            _projection_values(sheet, p, formats)
            values_only.append(p.scenario.label)
    write_checks(book.add_worksheet("Checks"), checks, formats)
    for name, frame, column_formats in _value_sheets(pack):
        _write_frame(book.add_worksheet(name), frame, formats, column_formats)
    _read_me(read_me, formats, as_of, values_only)
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Read me and Summary


def _read_me(sheet, formats: Formats, as_of: date | None, values_only) -> None:
    """What the workbook holds and how to use it."""
    lines = [
        (TITLE, formats.header),
        (f"As of {long_date(as_of)}" if as_of else "Draft", None),
        ("", None),
        ("How to use it", formats.block),
        ("Yellow cells with blue figures are inputs (Scenarios, Growth, Triggers, Catalog, "
         "Stages). Change one and every Projection sheet and the Checks sheet recalculate.", None),
        ("Grey cells are structure (ids, rows, replacements): change them in the CSV files and "
         "run secmodel report again.", None),
        ("Projection sheets: columns A-P are projection.csv's, as formulas; the working columns "
         "to their right show each trigger's flags and each item's costs month by month.", None),
        ("Checks: 'All checks pass' is TRUE when the totals reconcile in every month.", None),
        ("Summary, Events, Spend by item, Roadmap audit, Monte Carlo, Trigger probability, "
         "Upgrade timing and Sensitivity are values from the secmodel run: they do not change "
         "when an input does.", None),
        ("Spreadsheets compare numbers to about 15 significant digits: a figure that lands "
         "within that of a trigger's threshold can fire a month apart from secmodel's.", None),
    ]  # fmt: skip
    if values_only:
        lines.append(
            (f"Values only (too large to hold as formulas): {', '.join(values_only)}.", None)
        )
    lines += [("", None), ("Input style", formats.block)]
    for row, (text, fmt) in enumerate(lines):
        sheet.write_string(row, 0, text, fmt) if text else None
    sheet.write_number(len(lines), 0, 1500, formats.input(Formats.USD))
    sheet.write_string(len(lines), 1, "an input: type over it")
    sheet.write_number(len(lines) + 1, 0, 1500, formats(Formats.USD))
    sheet.write_string(len(lines) + 1, 1, "a formula or a value: do not type over it")
    sheet.write_string(len(lines) + 2, 0, "id", formats.structure(None))
    sheet.write_string(len(lines) + 2, 1, "structure: change it in the CSV files")
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 1, 110)
    formats.print_setup(sheet)


def _summary_sheet(sheet, pack: BoardPack, formats: Formats) -> None:
    """The executive summary as the PDF shows it: its sentences, then the table with a column
    per scenario (:func:`secmodel.present.summary.summary_rows`, the PDF's own rows)."""
    sentences = key_sentences(pack.projections, pack.figures, pack.inputs.benchmarks)
    headers = ["Figure", "Period or upgrade", *[p.scenario.label for p in pack.projections]]
    for col, header in enumerate(headers):
        fmt = formats.wrapped_header if col < 2 else formats.figure_header
        sheet.write_string(0, col, header, fmt)
    row = 1
    last_group = None
    for r in summary_rows(pack.projections, pack.figures):
        if r.group != last_group:
            sheet.write_string(row, 0, r.group, formats.block)
            last_group = r.group
        sheet.write_string(row, 1, r.label)
        for col, (p, value) in enumerate(zip(pack.projections, r.values, strict=True), start=2):
            if r.kind == "month":
                sheet.write_string(row, col, needed_in_text(p, value), formats.right)
            elif value is None:
                sheet.write_string(row, col, "-", formats.right)
            elif r.kind == "months":
                sheet.write_number(row, col, value, formats(f'0" of {r.of}"'))
            elif pd.isna(value):
                sheet.write_string(row, col, "n/a", formats.right)
            else:
                money = r.kind == "usd"
                sheet.write_number(row, col, value, formats(F.USD_WHOLE if money else F.PCT))
        row += 1
    row += 1
    for sentence in sentences:
        sheet.merge_range(row, 0, row, len(headers) - 1, sentence, formats.wrapped)
        sheet.set_row(row, 45)
        row += 1
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, len(headers) - 1, 22)
    sheet.freeze_panes(1, 2)
    formats.print_setup(sheet)


# ---------------------------------------------------------------------------------------------
# Value sheets


def _projection_values(sheet, p, formats: Formats) -> None:
    """A Projection sheet too large for formulas: the same layout, values only."""
    sheet.write_string(0, 0, "Scenario", formats.header)
    sheet.write_string(0, 1, p.scenario.scenario)
    sheet.write_string(1, 0, "Name", formats.header)
    sheet.write_string(1, 1, p.scenario.label)
    sheet.write_string(2, 0, "Values from the secmodel run (too large to hold as formulas).",
                       formats.note)  # fmt: skip
    headers = projection_headers(p)
    table = p.table.copy()
    table["date"] = [serial(d) for d in table["date"]]
    for col, name in enumerate(headers):
        sheet.write_string(HEADER_ROW, col, headers[name], formats.wrapped_header)
        fmt = formats(FORMATS.get(name))
        for row, value in enumerate(table[name].tolist(), start=FIRST_ROW):
            formats.write_value(sheet, row, col, value, fmt)
    sheet.set_column(0, len(headers) - 1, 14)
    sheet.freeze_panes(FIRST_ROW, 2)
    formats.print_setup(sheet, title_rows=(HEADER_ROW, HEADER_ROW))
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(table), len(headers) - 1)


def _dates(frame: pd.DataFrame) -> pd.Series:
    """A frame's YYYY-MM date column as real dates (the first of the month)."""
    return pd.PeriodIndex(frame["date"], freq="M").to_timestamp()


def _month_dates(start_date: str, months) -> list:
    """Months since launch as real dates (the first of each month), month 0 at
    ``start_date`` (YYYY-MM)."""
    start = pd.Period(start_date, freq="M")
    return [(start + int(m)).to_timestamp() for m in months]


def _value_sheets(pack: BoardPack):
    """(sheet name, frame with human headers, column -> number format) of every value sheet."""
    events, spend = [], []
    for p in pack.projections:
        timeline = trigger_timeline(p).reset_index()
        events.append(
            pd.DataFrame(
                {
                    "Scenario (name)": p.scenario.label,
                    "Month (from launch)": timeline["Month"],
                    "Month": _dates(p.events),
                    "Event": timeline["Event"],
                    "What": timeline["What"],
                    "Detail": timeline["Detail"],
                }
            )
        )
        names = {i.item_id: i.name for i in p.model.items}
        s = p.spend_by_item
        spend.append(
            pd.DataFrame(
                {
                    "Scenario (name)": p.scenario.label,
                    "Month (from launch)": s["month"],
                    "Month": _dates(s),
                    "Item": s["item_id"].map(names),
                    "Tier": s["tier"],
                    "Category": s["category"],
                    "Accrual (USD/month)": s["accrual"],
                    "Cash (USD/month)": s["cash"],
                }
            )
        )
    dated = {"Month (from launch)": F.INTEGER, "Month": F.MONTH}
    money = {"Accrual (USD/month)": F.USD, "Cash (USD/month)": F.USD}
    yield "Events", pd.concat(events, ignore_index=True), dated
    yield "Spend by item", pd.concat(spend, ignore_index=True), dated | money
    audit = pack.audit
    audit_formats = [UNIT_FORMATS.get(unit) for unit in audit["unit"]]
    yield (
        "Roadmap audit",
        pd.DataFrame(
            {
                "Section": audit["section"],
                "Claim": audit["claim"],
                "Measure": audit["measure"],
                "Unit": audit["unit"],
                "Stated": audit["stated"],
                "Computed": audit["computed"],
                "Difference (computed less stated)": audit["difference"],
                "Status": audit["status"],
                "Note": audit["note"],
                "Basis": audit["basis"],
                "Claim (id)": audit["claim_id"],
            }
        ),
        {"Stated": audit_formats, "Computed": audit_formats,
         "Difference (computed less stated)": audit_formats},
    )  # fmt: skip
    yield from _close_sheets(pack)
    yield from _uncertainty_sheets(pack)


def _close_sheets(pack: BoardPack):
    """With actuals, plan vs actual by closed month; with a version compared to, each
    scenario's bridge and the upgrades that moved."""
    labels = pack.labels
    if pack.plan_vs_actual:
        frames = [
            pd.DataFrame(
                {
                    "Scenario (name)": labels[scenario],
                    "Month (from launch)": pva["month"],
                    "Month": _dates(pva),
                    "Plan year": pva["plan_year"],
                    "Closed (1 = actuals)": pva["is_actual"],
                    "Users, plan": pva["users_plan"],
                    "Users, actual": pva["users_actual"],
                    "MRR, plan (USD/month)": pva["mrr_plan"],
                    "MRR, actual (USD/month)": pva["mrr_actual"],
                    "Spend, plan (USD/month)": pva["spend_plan_cash"],
                    "Spend, flexible budget (USD/month)": pva["spend_flexible_cash"],
                    "Spend, actual (USD/month)": pva["spend_actual_cash"],
                    "Volume variance (USD/month)": pva["volume_variance_cash"],
                    "Spending variance (USD/month)": pva["spending_variance_cash"],
                    "Volume variance, plan year to date (USD)": pva["ytd_volume_variance_cash"],
                    "Spending variance, plan year to date (USD)": pva["ytd_spending_variance_cash"],
                }
            )
            for scenario, pva in pack.plan_vs_actual.items()
        ]
        frame = pd.concat(frames, ignore_index=True)
        money = {c: F.USD_WHOLE if c.startswith("MRR") else F.USD
                 for c in frame.columns if "USD" in c}  # fmt: skip
        counts = {"Users, plan": F.COUNT, "Users, actual": F.COUNT}
        yield "Plan vs actual", frame, {"Month (from launch)": F.INTEGER, "Month": F.MONTH,
                                        **money, **counts}  # fmt: skip
    if pack.comparisons:
        steps, moves = [], []
        for scenario, comparison in pack.comparisons.items():
            table = comparison.table
            steps.append(
                pd.DataFrame(
                    {
                        "Scenario (name)": labels[scenario],
                        "Step": table["description"],
                        "Change, cash (USD)": table["delta_cumulative_cash"],
                        "Change, accrual (USD)": table["delta_cumulative_accrual"],
                        "Cumulative cash (USD)": table["cumulative_cash"],
                        "Cumulative accrual (USD)": table["cumulative_accrual"],
                        "Step (id)": table["step"],
                    }
                )
            )
            shown = trigger_moves_table(comparison).reset_index()
            shown.insert(0, "Scenario (name)", labels[scenario])
            moves.append(shown)
        money = {c: F.USD for c in steps[0].columns if "USD" in c}
        yield "Bridge", pd.concat(steps, ignore_index=True), money
        yield "Upgrades moved", _concat(moves, ["Scenario (name)", "Upgrade"]), {}


def _uncertainty_sheets(pack: BoardPack):
    """Monte Carlo quantiles, trigger probabilities by month, upgrade timing and sensitivity
    of every simulated scenario (empty tables with their headers when none is)."""
    quantiles, probability, timing, sensitivity = [], [], [], []
    for p in pack.projections:
        run = pack.uncertainty.get(p.scenario.scenario)
        if run is None:
            continue
        result = run.montecarlo
        q = result.quantiles
        quantiles.append(
            pd.DataFrame(
                {
                    "Scenario (name)": run.label,
                    "Paths": run.paths,
                    "Month (from launch)": q["month"],
                    "Month": _month_dates(p.scenario.start_date, q["month"]),
                    "Figure": q["metric"].map(PROJECTION_HEADERS),
                    "P5": q["p5"],
                    "P10": q["p10"],
                    "Median": q["p50"],
                    "P90": q["p90"],
                    "P95": q["p95"],
                    "Mean": q["mean"],
                    "metric": q["metric"],
                }
            )
        )
        wide = result.trigger_probability.pivot(
            index="month", columns="trigger_id", values="probability"
        )[[t.trigger_id for t in p.model.triggers]]
        wide.columns = [f"{run.trigger_labels[c]} (% of paths)" for c in wide.columns]
        wide.insert(0, "Month", _month_dates(p.scenario.start_date, wide.index))
        wide.insert(0, "Month (from launch)", wide.index)
        wide.insert(0, "Scenario (name)", run.label)
        probability.append(wide.reset_index(drop=True))
        f = result.firing_quantiles
        timing.append(
            pd.DataFrame(
                {
                    "Scenario (name)": run.label,
                    "Upgrade": f["trigger_id"].map(run.trigger_labels),
                    "Paths that need it within the horizon (%)": f["probability_within_horizon"],
                    "10% of paths by (month from launch)": f["p10"],
                    "Half of paths by (month from launch)": f["p50"],
                    "90% of paths by (month from launch)": f["p90"],
                }
            )
        )
        t = run.sensitivity
        sensitivity.append(
            pd.DataFrame(
                {
                    "Scenario (name)": run.label,
                    "Driver": t["driver"],
                    "Input (file:line)": t["source"],
                    "Base value": t["base_value"],
                    "Low value": t["low_value"],
                    "High value": t["high_value"],
                    "Cumulative spend at base (USD)": t["cumulative_spend_base"],
                    "Cumulative spend, driver low (USD)": t["cumulative_spend_low"],
                    "Cumulative spend, driver high (USD)": t["cumulative_spend_high"],
                    "Swing (USD)": t["cumulative_spend_swing"],
                    "Peak share of revenue at base (%)": t["peak_pct_of_revenue_base"],
                    "Peak share, driver low (%)": t["peak_pct_of_revenue_low"],
                    "Peak share, driver high (%)": t["peak_pct_of_revenue_high"],
                }
            )
        )
    dated = {"Month (from launch)": F.INTEGER, "Month": F.MONTH}
    q = _concat(quantiles, ["Scenario (name)", "Paths", "Month (from launch)", "Month", "Figure",
                            "P5", "P10", "Median", "P90", "P95", "Mean", "metric"])  # fmt: skip
    row_formats = [FORMATS.get(m, F.USD) for m in q["metric"]]
    yield (
        "Monte Carlo",
        q.drop(columns="metric"),
        dated | {"Paths": "#,##0"} | {c: row_formats for c in ("P5", "P10", "Median", "P90",
                                                                 "P95", "Mean")},
    )  # fmt: skip
    probability_frame = _concat(probability, ["Scenario (name)", "Month (from launch)", "Month"])
    shares = {c: F.PCT for c in probability_frame.columns if c.endswith("(% of paths)")}
    yield "Trigger probability", probability_frame, dated | shares
    timing_frame = _concat(timing, ["Scenario (name)", "Upgrade"])
    yield (
        "Upgrade timing",
        timing_frame,
        {c: F.PCT if c.endswith("(%)") else F.INTEGER for c in timing_frame.columns[2:]},
    )
    s = _concat(sensitivity, ["Scenario (name)", "Driver", "Input (file:line)"])
    by_row = [driver_format(pack.inputs, d, source) for d, source in
              zip(s["Driver"], s["Input (file:line)"], strict=True)]  # fmt: skip
    yield (
        "Sensitivity",
        s,
        {c: F.USD_WHOLE for c in s.columns if "(USD)" in c}
        | {c: F.PCT for c in s.columns if "(%)" in c}
        | {c: by_row for c in ("Base value", "Low value", "High value")},
    )


def driver_format(inputs, driver: str, source: str) -> str:
    """The number format of a sensitivity driver's values: growth rates as percent, prices
    in dollars (a share-of-revenue price as percent), users and months as counts."""
    if driver.startswith("user growth"):
        return F.PCT_INPUT
    if driver == "ARPU":
        return F.USD
    if driver.startswith("price"):
        line = int(source.rpartition(":")[2]) if source.startswith("catalog.csv:") else None
        item = next((i for i in inputs.catalog.values() if i.line == line), None)
        return F.PCT_INPUT if item is not None and item.basis == "pct_revenue" else F.USD
    return "#,##0.0"


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The frames one after the other; an empty table with ``columns`` when there are none."""
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def _write_frame(sheet, frame: pd.DataFrame, formats: Formats, column_formats: dict) -> None:
    """A value table: headers in row 1, then every cell by type with its number format (one
    per column, or a list of one per row); frozen header, widths that fit, print setup and a
    filter."""
    sheet.freeze_panes(1, 1)
    lines = np.ones(len(frame), dtype=int)  # text lines in each row
    for col, column in enumerate(frame.columns):
        sheet.write_string(0, col, str(column), formats.wrapped_header)
        fmt = column_formats.get(column)
        per_row = fmt if isinstance(fmt, list) else [fmt] * len(frame)
        values = frame[column].tolist()
        width = max([min(len(str(column)), 24)] + [len(_shown(v)) for v in values[:200]])
        wrap = width > WRAP_WIDTH and all(isinstance(v, str) for v in values if v == v and v)
        for row, (value, cell_format) in enumerate(zip(values, per_row, strict=True), start=1):
            if isinstance(value, (np.integer, np.floating)):
                value = value.item()
            cell = formats.wrapped if wrap else formats(cell_format)
            formats.write_value(sheet, row, col, value, cell)
        if wrap:  # long text wraps in a column of WRAP_WIDTH characters
            sheet.set_column(col, col, WRAP_WIDTH)
            needed = [-(-len(v) // (WRAP_WIDTH - 4)) if isinstance(v, str) else 1 for v in values]
            lines = np.maximum(lines, needed)
        else:
            sheet.set_column(col, col, min(max(width + 2, 10), 60))
    sheet.set_row(0, 32)
    for row in np.nonzero(lines > 1)[0]:  # spreadsheets do not grow a row to fit on opening
        sheet.set_row(int(row) + 1, 12.75 * int(lines[row]))
    formats.print_setup(sheet)
    sheet.autofilter(0, 0, max(len(frame), 1), max(len(frame.columns) - 1, 0))


WRAP_WIDTH = 45  # characters: a wider text column wraps


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return "Jan 2027 "
    return str(value)
