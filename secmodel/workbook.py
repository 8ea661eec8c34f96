"""The Excel workbook behind the board report: every number, with real formats.

Sheets: Summary, Assumptions (every input row with its source), one Projection sheet per
scenario, Events, Spend by item, Roadmap audit. Money as currency, shares as percent, months as
real dates, a frozen header row and column widths that fit. Read back with pandas, a Projection
sheet equals that scenario's projection.csv (with the date column as dates).
"""

import io
from pathlib import Path

import pandas as pd

from secmodel.audit import load_claims, run_audit
from secmodel.csvtable import parse_number
from secmodel.engine import compile_model
from secmodel.inputs import load_inputs
from secmodel.projection import Projection, project_scenario, resolve_scenarios

USD = '"$"#,##0.00'
USD_WHOLE = '"$"#,##0'
PCT = "0.0%"
COUNT = "#,##0.0"
MONTH = "yyyy-mm"
INPUT_FILES = (
    "scenarios",
    "growth",
    "triggers",
    "catalog",
    "stages",
    "roadmap_claims",
    "benchmarks",
)
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
UNIT_FORMATS = {"usd_month": USD, "fraction": "0.00%", "month": "0", "score": "0.0"}


def sheet_name(prefix: str, scenario: str, taken: set[str]) -> str:
    """'Projection bull', cut to Excel's 31 characters and made unique."""
    name = f"{prefix} {scenario}"[:31]
    n = 2
    while name in taken:
        suffix = f" ({n})"
        name = f"{prefix} {scenario}"[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name)
    return name


def with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The YYYY-MM date column as real dates (the first of the month)."""
    out = frame.copy()
    if "date" in out:
        out["date"] = pd.PeriodIndex(out["date"], freq="M").to_timestamp()
    return out


def summary_frame(projections: list[Projection]) -> pd.DataFrame:
    """One row per scenario: trigger months and the figures at 12/24/36/60 months."""
    rows = []
    for p in projections:
        t = p.table
        row = {"scenario": p.scenario.scenario, "horizon_months": p.horizon_months}
        for k, trigger in enumerate(p.model.triggers):
            fired = int(p.arrays.fired_month[0, k])
            row[f"month {trigger.trigger_id} fires"] = fired if fired >= 0 else None
        for m in (12, 24, 36, 60):
            if m <= p.horizon_months:
                row[f"spend_accrual month {m}"] = t.loc[m, "spend_accrual"]
                row[f"cumulative_accrual month {m}"] = t.loc[m, "cumulative_accrual"]
        row["peak pct_of_revenue"] = t["pct_of_revenue"].max()
        row["total spend / total revenue"] = t["spend_accrual"].sum() / t["mrr"].sum()
        row["months over budget"] = int((t["budget_gap"] < 0).sum())
        row["budget_gap last month"] = t["budget_gap"].iloc[-1]
        rows.append(row)
    return pd.DataFrame(rows)


def assumptions_frame(inputs, claims_table) -> pd.DataFrame:
    """Every input row, long form: file, line, id, column, value (numbers as numbers), source."""
    records = []
    tables = dict(inputs.tables)
    tables["roadmap_claims"] = claims_table
    from secmodel.csvtable import read_table

    tables["benchmarks"] = read_table(inputs.data_dir / "benchmarks.csv", ())
    for name in INPUT_FILES:
        table = tables[name]
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


def workbook_bytes(data_dir: Path, scenarios: list[str] | None = None) -> bytes:
    """The workbook for ``scenarios`` (default all) as .xlsx bytes."""
    from openpyxl.utils import get_column_letter

    inputs = load_inputs(data_dir)
    chosen = resolve_scenarios(inputs, scenarios)
    model = compile_model(inputs)
    projections = [project_scenario(inputs, s, model=model) for s in chosen]
    claims = load_claims(inputs.data_dir, inputs)
    audit = run_audit(inputs, claims)
    from secmodel.csvtable import read_table

    claims_table = read_table(inputs.data_dir / "roadmap_claims.csv", ())

    def tagged(attr: str) -> pd.DataFrame:
        frames = [
            getattr(p, attr).assign(scenario=p.scenario.scenario)[
                ["scenario", *getattr(p, attr).columns]
            ]
            for p in projections
        ]
        return with_dates(pd.concat(frames, ignore_index=True))

    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Summary", summary_frame(projections)),
        ("Assumptions", assumptions_frame(inputs, claims_table)),
    ]
    taken = {"Summary", "Assumptions", "Events", "Spend by item", "Roadmap audit"}
    for p in projections:
        sheets.append((sheet_name("Projection", p.scenario.scenario, taken), with_dates(p.table)))
    sheets += [
        ("Events", tagged("events")),
        ("Spend by item", tagged("spend_by_item")),
        ("Roadmap audit", audit),
    ]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets:
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for col, column in enumerate(frame.columns, start=1):
                letter = get_column_letter(col)
                fmt = FORMATS.get(column)
                if name == "Summary":
                    fmt = _summary_format(column)
                if fmt:
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt
                width = max([len(str(column))] + [len(_shown(v)) for v in frame[column][:200]])
                sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
            if name == "Roadmap audit":
                _audit_formats(sheet, frame)
            if name == "Assumptions":
                for cell in sheet["E"][1:]:
                    typed = sheet.cell(row=cell.row, column=6).value or ""
                    if isinstance(cell.value, float):
                        cell.number_format = (
                            USD if "$" in typed else "0.00%" if "%" in typed else "General"
                        )
        writer.book.properties.creator = "secmodel"
    return buffer.getvalue()


def _summary_format(column: str) -> str | None:
    if column.startswith(("spend_accrual", "cumulative_accrual", "budget_gap")):
        return USD_WHOLE
    if "pct_of_revenue" in column or "revenue" in column:
        return PCT
    return None


def _audit_formats(sheet, frame: pd.DataFrame) -> None:
    """Stated, computed and difference take the format of their row's unit."""
    columns = {name: i + 1 for i, name in enumerate(frame.columns)}
    for r, unit in enumerate(frame["unit"], start=2):
        for name in ("stated", "computed", "difference"):
            sheet.cell(row=r, column=columns[name]).number_format = UNIT_FORMATS.get(
                unit, "General"
            )


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return "2027-01"
    return str(value)
