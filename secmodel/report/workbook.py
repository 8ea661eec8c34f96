"""The Excel workbook behind the board report: every number, with real formats.

Sheets: Summary, Assumptions (every input row with its source), one Projection sheet per
scenario, Events, Spend by item, Roadmap audit. Money as currency, shares as percent, months as
real dates, a frozen header row and column widths that fit. Read back with pandas, a Projection
sheet equals that scenario's projection.csv (with the date column as dates).
"""

import io
import re
from datetime import date, datetime, time

import pandas as pd
import xlsxwriter

from secmodel.analysis.figures import ScenarioFigures
from secmodel.inputs.csvtable import parse_number
from secmodel.inputs.loader import FILES
from secmodel.report.board import TITLE, BoardPack

# Negatives in parentheses, as finance reads them; the positive part leaves the parenthesis's
# width so that figures line up.
USD = '"$"#,##0.00_);("$"#,##0.00)'
USD_WHOLE = '"$"#,##0_);("$"#,##0)'
PCT = "0.0%_);(0.0%)"
COUNT = "#,##0.0"
MONTH = "yyyy-mm"
FORMATS = {  # column name -> number format, on every sheet
    "users": COUNT,
    "arpu": USD,
    "mrr": USD,
    "arr": USD,
    "budget": USD,
    "spend_accrual": USD,
    "spend_cash": USD,
    "budget_gap": USD,
    "cumulative_accrual": USD,
    "cumulative_cash": USD,
    "pct_of_revenue": PCT,
    "pct_of_revenue_ttm": PCT,
    "accrual": USD,
    "cash": USD,
    "date": MONTH,
}
UNIT_FORMATS = {"usd_month": USD, "fraction": "0.00%_);(0.00%)", "month": "0", "score": "0.0"}


EXCEL_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # Excel refuses these in sheet names


def sheet_name(prefix: str, scenario: str, taken: set[str]) -> str:
    """'Projection bull' as Excel allows it: none of []:*?/\\, no leading or trailing
    apostrophe, at most 31 characters, unique ignoring case (``taken``: the names so far, lower
    case). The scenario's own name stays in the Summary sheet's scenario column."""
    full = EXCEL_FORBIDDEN.sub("_", f"{prefix} {scenario}").strip("'")
    name, n = full[:31].strip("'"), 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = full[: 31 - len(suffix)].strip("'") + suffix
        n += 1
    taken.add(name.lower())
    return name


def with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The YYYY-MM date column as real dates (the first of the month)."""
    out = frame.copy()
    if "date" in out:
        out["date"] = pd.PeriodIndex(out["date"], freq="M").to_timestamp()
    return out


def summary_frame(figures: list[ScenarioFigures]) -> pd.DataFrame:
    """One row per scenario: trigger months and the figures at the milestone months, as the
    board report's summary shows them (:mod:`secmodel.analysis.figures`)."""
    rows = []
    for f in figures:
        row = {"scenario": f.scenario, "horizon_months": f.horizon_months}
        for trigger_id, fired in f.fired.items():
            row[f"month {trigger_id} fires"] = fired
        for y in f.years.itertuples():
            row[f"spend_accrual year {y.plan_year}"] = y.spend_accrual
        for y in f.years.itertuples():
            row[f"share_of_revenue year {y.plan_year}"] = y.share_of_revenue
        row[f"spend_accrual months 0-{f.plan_months - 1}"] = f.total_spend
        row[f"revenue months 0-{f.plan_months - 1}"] = f.total_revenue
        row[f"share_of_revenue months 0-{f.plan_months - 1}"] = f.total_share
        row["months over budget"] = f.months_over_budget
        row[f"budget_gap {f.last_date}"] = f.gap_at_end
        rows.append(row)
    return pd.DataFrame(rows)


def assumptions_frame(inputs) -> pd.DataFrame:
    """Every input row, long form: file, line, id, column, value (numbers as numbers), source."""
    records = []
    for name in FILES:
        table = inputs.tables[name]
        id_column = table.header[0] if table.header else ""
        for row in table.rows:
            source = row.raw("source")
            for column in table.header:
                if not column or column in ("source", id_column):
                    continue
                text = row.raw(column)
                try:
                    value = parse_number(text, currency=True, percent=True) if text else None
                except ValueError:
                    value = text
                records.append(
                    {
                        "file": f"{name}.csv",
                        "line": row.line,
                        "id": row.raw(id_column),
                        "column": column,
                        "value": value,
                        "as typed": text,
                        "source": source,
                    }
                )
    return pd.DataFrame(records)


def workbook_bytes(pack: BoardPack, as_of: date | None = None) -> bytes:
    """The workbook of a board pack as .xlsx bytes. ``as_of`` is written as the file's creation
    date, so the same inputs and date give the same bytes."""
    inputs, projections, audit = pack.inputs, pack.projections, pack.audit

    def tagged(attr: str) -> pd.DataFrame:
        frames = [
            getattr(p, attr).assign(scenario=p.scenario.scenario)[
                ["scenario", *getattr(p, attr).columns]
            ]
            for p in projections
        ]
        return with_dates(pd.concat(frames, ignore_index=True))

    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Summary", summary_frame(pack.figures)),
        ("Assumptions", assumptions_frame(inputs)),
    ]
    taken = {"summary", "assumptions", "events", "spend by item", "roadmap audit"}
    for p in projections:
        sheets.append((sheet_name("Projection", p.scenario.scenario, taken), with_dates(p.table)))
    sheets += [
        ("Events", tagged("events")),
        ("Spend by item", tagged("spend_by_item")),
        ("Roadmap audit", audit),
    ]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    created = datetime.combine(as_of or date(2000, 1, 1), time())
    book.set_properties({"author": "secmodel", "created": created})
    formats = _Formats(book)
    for name, frame in sheets:
        _write_sheet(book.add_worksheet(name), name, frame, formats)
    book.close()
    return buffer.getvalue()


class _Formats:
    """One XlsxWriter format per number format (a workbook keeps a list of them)."""

    def __init__(self, book):
        self._book = book
        self._made: dict[str, object] = {}
        self.header = book.add_format({"bold": True, "bottom": 1, "text_wrap": False})

    def __call__(self, number_format: str | None):
        if not number_format or number_format == "General":
            return None
        if number_format not in self._made:
            self._made[number_format] = self._book.add_format({"num_format": number_format})
        return self._made[number_format]


def _column_formats(name: str, frame: pd.DataFrame) -> list[list[str | None]]:
    """The number format of every data cell, column by column."""
    columns = []
    for column in frame.columns:
        fmt = _summary_format(column) if name == "Summary" else FORMATS.get(column)
        columns.append([fmt] * len(frame))
    if name == "Assumptions":  # values take the format they were typed in
        columns[list(frame.columns).index("value")] = [
            (USD if "$" in typed else "0.00%" if "%" in typed else None)
            if isinstance(value, float)
            else None
            for value, typed in zip(frame["value"], frame["as typed"].fillna(""), strict=True)
        ]
    if name == "Roadmap audit":  # stated, computed and difference take their row's unit's
        unit_formats = [UNIT_FORMATS.get(unit, "General") for unit in frame["unit"]]
        for column in ("stated", "computed", "difference"):
            columns[list(frame.columns).index(column)] = unit_formats
    return columns


def _print_setup(sheet, columns: int, rows: int) -> None:
    """How a sheet prints: landscape, one page wide (as many pages down as it takes), the
    header row on every page, the report's title and the sheet's name at the top, page
    numbers at the bottom; a filter on the table's header row."""
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_header(f"&L{TITLE.replace('&', '&&')}&R&A")  # &A: the sheet's name
    sheet.set_footer("&CPage &P of &N")
    sheet.autofilter(0, 0, max(rows, 1), max(columns - 1, 0))


def _write_sheet(sheet, name: str, frame: pd.DataFrame, formats: _Formats) -> None:
    """Header row, then every cell by type (numbers, text, dates, blanks for missing),
    with its number format; frozen header, column widths that fit, print setup."""
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, len(frame.columns), len(frame))
    for col, (column, cell_formats) in enumerate(
        zip(frame.columns, _column_formats(name, frame), strict=True)
    ):
        sheet.write_string(0, col, str(column), formats.header)
        for row, (value, fmt) in enumerate(
            zip(frame[column].tolist(), cell_formats, strict=True), start=1
        ):
            _write_cell(sheet, row, col, value, formats(fmt))
        width = max([len(str(column))] + [len(_shown(v)) for v in frame[column][:200]])
        sheet.set_column(col, col, min(max(width + 2, 8), 60))


def _write_cell(sheet, row: int, col: int, value, fmt) -> None:
    if pd.isna(value):  # None, NaN, NaT: an empty cell, as pandas writes a missing value
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):  # pandas Timestamps are datetimes
        sheet.write_datetime(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _summary_format(column: str) -> str | None:
    if column.startswith(("spend_accrual", "cumulative_accrual", "budget_gap")):
        return USD_WHOLE
    if "pct_of_revenue" in column or "revenue" in column:
        return PCT
    return None


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return "2027-01"
    return str(value)
