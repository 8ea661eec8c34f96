"""The workbook as a live model: its formulas, recalculated by a real spreadsheet (LibreOffice,
from scratch), give the Python model's numbers; editing an input cell moves the projection as
``secmodel project`` says the same change should.

The comparisons are within 1e-9 relative (of each column's largest value, so that a figure
that cancels to zero, such as a budget gap, compares on the column's scale): a spreadsheet adds
in its own order and stores 15 significant digits.
"""

import itertools
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from secmodel import load_inputs, project_scenario
from secmodel.inputs.actuals import read_actuals
from secmodel.inputs.condition import Compare, Metric, Number
from secmodel.report.board import build_pack
from secmodel.report.workbook import workbook_bytes
from tests.conftest import PROJECTION_COLUMNS
from tests.libreoffice import needs_libreoffice, recalculate, strip_cached_values
from tests.test_actuals import ACTUALS
from tests.test_bad_input import read_rows, set_cell, set_cell_at, write_rows
from tests.test_engine_oracle import model_files

SEED = Path(__file__).parent / "fixtures" / "seed"
# What a reader of the sheet needs in each header: a unit where the column has one.
HEADER_UNITS = {"arpu": "USD", "mrr": "USD", "arr": "USD", "budget": "USD",
                "spend_accrual": "USD", "spend_cash": "USD", "budget_gap": "USD",
                "cumulative_accrual": "USD", "cumulative_cash": "USD",
                "pct_of_revenue": "%", "pct_of_revenue_ttm": "%"}  # fmt: skip
PORTABLE = {"IF", "AND", "OR", "NOT", "INDEX", "MATCH", "LOOKUP", "SUM", "MAX", "MIN", "ABS",
            "MOD", "DATE", "YEAR", "MONTH", "COUNTIF"}  # fmt: skip
FUNCTION = re.compile(r"([A-Z][A-Z0-9._]*)\(")


@pytest.fixture(scope="module")
def seed_book(tmp_path_factory):
    pack = build_pack(load_inputs(SEED))
    path = tmp_path_factory.mktemp("book") / "security-roadmap.xlsx"
    path.write_bytes(workbook_bytes(pack))
    return pack, path


def projection_sheets(
    path: Path, data_only: bool = True, columns: list[str] = PROJECTION_COLUMNS
) -> dict[str, pd.DataFrame]:
    """Each Projection sheet's table by the scenario id in its B1 cell, read by the layout
    contract: "Scenario" in A1, headers in row 5, month 0 in row 6, projection.csv's columns
    first (``columns``). Empty results ('' or no value) read as NaN."""
    book = openpyxl.load_workbook(path, data_only=data_only)
    frames = {}
    for sheet in book.worksheets:
        if sheet["A1"].value != "Scenario":
            continue
        rows = list(sheet.iter_rows(min_row=6, max_col=len(columns), values_only=True))
        frame = pd.DataFrame(rows, columns=columns).replace({"": np.nan, None: np.nan})
        frames[sheet["B1"].value] = frame
    return frames


def assert_same_projection(
    sheet: pd.DataFrame, table: pd.DataFrame, what: str, columns: list[str] = PROJECTION_COLUMNS
) -> None:
    """A Projection sheet's values against a projection table (projection.csv's columns)."""
    assert len(sheet) == len(table), what
    assert sheet["stage"].fillna("").tolist() == table["stage"].fillna("").tolist(), what
    dates = sheet["date"]  # openpyxl reads a date-formatted cell as a date
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = pd.to_datetime(dates, unit="D", origin="1899-12-30")
    assert dates.dt.strftime("%Y-%m").tolist() == table["date"].tolist(), what
    for column in columns:
        if column in ("date", "stage"):
            continue
        got = pd.to_numeric(sheet[column]).to_numpy(float)
        want = table[column].to_numpy(float)
        scale = np.nanmax(np.abs(want), initial=0.0)
        close = np.isclose(got, want, rtol=1e-9, atol=1e-9 * scale, equal_nan=True)
        months = np.nonzero(~close)[0]
        assert close.all(), (
            f"{what}: {column} differs in months {months[:5].tolist()}: "
            f"{got[months[:3]].tolist()} vs {want[months[:3]].tolist()}"
        )


def error_cells(path: Path) -> list[tuple[str, str, str]]:
    """Cells whose (recalculated) value is a spreadsheet error such as #VALUE! or #N/A."""
    book = openpyxl.load_workbook(path, data_only=True)
    return [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and re.fullmatch(r"#[A-Z/0!?]+[!?A]?", cell.value)
    ]


# ---------------------------------------------------------------------------------------------
# The file as written


def test_projection_sheets_follow_the_layout_contract(seed_book):
    pack, path = seed_book
    book = openpyxl.load_workbook(path)
    for p in pack.projections:
        sheet = book[f"Projection {p.scenario.scenario}"]
        assert (sheet["A1"].value, sheet["B1"].value) == ("Scenario", p.scenario.scenario)
        headers = [c.value for c in sheet[5]][: len(PROJECTION_COLUMNS)]
        for column, header in zip(PROJECTION_COLUMNS, headers, strict=True):
            assert "_" not in header, header  # a reader's words, not the CSV's
            assert HEADER_UNITS.get(column, "") in header, (column, header)
        assert sheet["A6"].value == 0 and sheet.freeze_panes == "C6"
        assert sheet.max_row == 5 + p.horizon_months + 1


def test_every_calculated_cell_is_a_formula(seed_book):
    _, path = seed_book
    book = openpyxl.load_workbook(path)
    for name in [n for n in book.sheetnames if n.startswith("Projection")]:
        sheet = book[name]
        for row in sheet.iter_rows(min_row=6):
            for cell in row:
                if cell.coordinate == "A6":  # month 0: the one number
                    assert cell.value == 0
                    continue
                assert isinstance(cell.value, str) and cell.value.startswith("="), (
                    name,
                    cell.coordinate,
                    cell.value,
                )


def test_only_portable_formulas(seed_book):
    """Functions Excel, LibreOffice and Google Sheets compute alike; no links, no macros."""
    _, path = seed_book
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        formulas = [
            f
            for n in names
            if n.startswith("xl/worksheets/sheet")
            for f in re.findall(r"<f>([^<]*)</f>", z.read(n).decode())
        ]
    assert not [n for n in names if "externalLink" in n or "vbaProject" in n]
    assert len(formulas) > 10_000
    used = {name for f in formulas for name in FUNCTION.findall(f)}
    assert used <= PORTABLE, used - PORTABLE
    assert not [f for f in formulas if "[" in f or "_xlfn" in f]


def test_inputs_look_like_inputs(seed_book):
    """One input style: the yellow fill on every driver cell and on nothing calculated."""
    _, path = seed_book
    book = openpyxl.load_workbook(path)
    fill = lambda cell: cell.fill.fgColor.rgb if cell.fill.fill_type else None  # noqa: E731
    catalog = book["Catalog"]
    header = [c.value for c in catalog[1]]
    amount = header.index("Amount (USD per cadence; per user; or % of MRR)") + 1
    item_id = catalog.cell(row=2, column=1)
    assert fill(catalog.cell(row=2, column=amount)) == "FFFFF2CC"
    assert fill(item_id) != "FFFFF2CC"  # an id is structure, not an input
    projection = book["Projection base"]
    assert not [c.coordinate for row in projection.iter_rows(min_row=6) for c in row
                if fill(c) == "FFFFF2CC"]  # fmt: skip


def test_cached_values_are_the_python_results(seed_book):
    """A viewer that does not recalculate (pandas here) shows the model's numbers exactly."""
    pack, path = seed_book
    sheets = projection_sheets(path)
    for p in pack.projections:
        sheet = sheets[p.scenario.scenario]
        for column in PROJECTION_COLUMNS[2:]:
            if column == "stage":
                continue
            np.testing.assert_array_equal(
                pd.to_numeric(sheet[column]).to_numpy(float), p.table[column].to_numpy(float)
            )
    checks = openpyxl.load_workbook(path, data_only=True)["Checks"]
    assert checks["B1"].value is True and checks["B2"].value == "checks: 36/36 pass"


# ---------------------------------------------------------------------------------------------
# Recalculated by LibreOffice


@needs_libreoffice
def test_libreoffice_recalculates_the_default_data(seed_book, tmp_path):
    pack, path = seed_book
    assert strip_cached_values(path, tmp_path / "stripped.xlsx") > 40_000
    (recalculated,) = recalculate([path], tmp_path)
    sheets = projection_sheets(recalculated)
    assert set(sheets) == {p.scenario.scenario for p in pack.projections}
    for p in pack.projections:
        assert_same_projection(sheets[p.scenario.scenario], p.table, p.scenario.scenario)
    assert error_cells(recalculated) == []
    checks = openpyxl.load_workbook(recalculated, data_only=True)["Checks"]
    assert checks["B1"].value is True and checks["B2"].value == "checks: 36/36 pass"


ACTUAL_COLUMNS = [*PROJECTION_COLUMNS, "is_actual", "spend_actual_cash",
                  "cumulative_actual_then_forecast_cash"]  # fmt: skip


@needs_libreoffice
def test_a_close_recalculates_and_its_actuals_are_inputs(tmp_path):
    """With actuals: an Actuals input sheet; the Projection sheets take users, MRR and spend
    of the closed months from it and re-forecast after; recalculated, they equal
    projection.csv with actuals (its three columns more), and editing an actual month's MRR
    on the sheet moves the re-forecast as the CSV edit does."""
    actuals = read_actuals(ACTUALS)
    pack = build_pack(load_inputs(SEED), actuals=actuals)
    path = tmp_path / "close.xlsx"
    path.write_bytes(workbook_bytes(pack))
    book = openpyxl.load_workbook(path)
    sheet = book["Actuals"]
    assert [c.value for c in sheet[1]][:4] == [
        "Month (closed)", "Users (users)", "MRR (USD/month)",
        "Security cash spend (USD/month)",
    ]  # fmt: skip
    sheet.cell(row=14, column=3).value = 20_000  # Jan 2028's MRR: $13,800 -> $20,000
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    recalculated, moved = recalculate([path, edited], tmp_path)
    sheets = projection_sheets(recalculated, columns=ACTUAL_COLUMNS)
    for p in pack.projections:
        assert_same_projection(sheets[p.scenario.scenario], p.table, p.scenario.scenario,
                               ACTUAL_COLUMNS)  # fmt: skip
    assert error_cells(recalculated) == []
    csv = tmp_path / "actuals.csv"
    csv.write_text(ACTUALS.read_text().replace('2028-01,1320,"$13,800.00"', "2028-01,1320,20000"))
    expected = project_scenario(load_inputs(SEED), "base", actuals=read_actuals(csv)).table
    assert_same_projection(projection_sheets(moved, columns=ACTUAL_COLUMNS)["base"], expected,
                           "edited actual", ACTUAL_COLUMNS)  # fmt: skip


def near_ties(data: Path) -> bool:
    """Whether a metric of the generated scenario comes within 1e-12 (relative) of a number it
    is compared with without equalling it: a spreadsheet treats such numbers as equal, numpy
    does not (the README's "What spreadsheets do differently")."""
    inputs = load_inputs(data)
    p = project_scenario(inputs, "sc")
    metrics = {"month": p.table["month"], "users": p.table["users"], "mrr": p.table["mrr"],
               "arr": p.table["arr"]}  # fmt: skip

    def pairs(tree):
        if isinstance(tree, Compare):
            operands = (tree.left, *tree.rights)
            for a, b in itertools.pairwise(operands):
                if isinstance(a, Metric) and isinstance(b, Number):
                    yield a.name, b.value
                elif isinstance(b, Metric) and isinstance(a, Number):
                    yield b.name, a.value
        for part in getattr(tree, "parts", ()):
            yield from pairs(part)
        if hasattr(tree, "part"):
            yield from pairs(tree.part)

    for trigger in inputs.triggers.values():
        for metric, number in pairs(trigger.condition.tree):
            values = metrics[metric].to_numpy(float)
            gap = np.abs(values - number)
            if ((gap > 0) & (gap <= 1e-12 * max(abs(number), 1e-300))).any():
                return True
    return False


def write_files(files: dict[str, str], target: Path) -> Path:
    target.mkdir(parents=True)
    for name, text in files.items():
        (target / f"{name}.csv").write_text(text)
    return target


@needs_libreoffice
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(model_files(), min_size=4, max_size=4))
def test_libreoffice_recalculates_generated_models(generated):
    """Catalogs and scenarios that use every rule (sustain, lead, non-latching triggers,
    replacements, annual and one-off items, per-user and percent-of-revenue bases, shrinking
    users) recalculate to the Python model, four workbooks per LibreOffice run."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        books, packs = [], []
        for n, files in enumerate(generated):
            data = write_files(files, work / f"data{n}")
            assume(not near_ties(data))
            pack = build_pack(load_inputs(data))
            book = work / f"book{n}.xlsx"
            book.write_bytes(workbook_bytes(pack))
            books.append(book)
            packs.append(pack)
        for pack, recalculated in zip(packs, recalculate(books, work), strict=True):
            (p,) = pack.projections
            assert_same_projection(projection_sheets(recalculated)["sc"], p.table, "generated")
            assert error_cells(recalculated) == []


@needs_libreoffice
def test_editing_an_input_moves_the_projection(seed_book, data_dir, tmp_path):
    """An analyst changes hosting's price and escalation, an annual and a later item's
    escalation and the base case's first growth rate on the input sheets; recalculated, the
    Projection sheets equal ``secmodel project`` on the CSV files with the same changes."""
    _, path = seed_book
    book = openpyxl.load_workbook(path)
    catalog, growth = book["Catalog"], book["Growth"]
    header = [c.value for c in catalog[1]]
    amount = header.index("Amount (USD per cadence; per user; or % of MRR)")
    escalation = header.index("Escalation (% a year, from each plan year; not for pct_revenue)")
    row_of = {r[0].value: r for r in catalog.iter_rows(min_row=2)}
    escalated = {"hosting": "0.11", "security_audit": "0.035", "splunk_monitoring": "0.2"}
    row_of["hosting"][amount].value = 650
    for item_id, rate in escalated.items():
        row_of[item_id][escalation].value = float(rate)
    base_first = next(r for r in growth.iter_rows(min_row=2) if r[0].value == "base")
    base_first[2].value = 0.2
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    (recalculated,) = recalculate([edited], tmp_path)

    set_cell(data_dir, "catalog.csv", "hosting", "amount", "650")
    rows = read_rows(data_dir / "catalog.csv")
    write_rows(
        data_dir / "catalog.csv",
        [[*rows[0], "escalation_annual"]] + [[*r, escalated.get(r[0], "")] for r in rows[1:]],
    )
    line = next(s.line for s in load_inputs(data_dir).scenarios["base"].growth)
    set_cell_at(data_dir, "growth.csv", line, "user_growth_monthly", "0.2")
    inputs = load_inputs(data_dir)
    sheets = projection_sheets(recalculated)
    before = projection_sheets(path)
    for scenario in ("seed_roadmap", "base", "bull", "bear"):
        table = project_scenario(inputs, scenario).table
        assert_same_projection(sheets[scenario], table, f"edited {scenario}")
        # and it moved: hosting costs $150 a month more from month 0 in every scenario
        assert sheets[scenario]["spend_accrual"][0] == before[scenario]["spend_accrual"][0] + 150
    assert not np.allclose(sheets["base"]["users"], before["base"]["users"])


def test_a_scenario_too_large_for_formulas_gets_values(monkeypatch, tmp_path):
    """Past the live model's size (LIVE_CELLS, lowered here to the seed's size), a Projection
    sheet holds the run's values in the same layout, and the Read me names the scenario."""
    import secmodel.report.livemodel as livemodel

    pack = build_pack(load_inputs(SEED), ["base", "bear"])
    monkeypatch.setattr(livemodel, "LIVE_CELLS", livemodel.live_cells(pack.projections[0]) - 1)
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook_bytes(pack))
    sheets = projection_sheets(path)
    for p in pack.projections:
        assert_same_projection(sheets[p.scenario.scenario], p.table, p.scenario.scenario)
    book = openpyxl.load_workbook(path)
    assert not any(
        isinstance(c.value, str) and c.value.startswith("=")
        for row in book["Projection base"].iter_rows()
        for c in row
    )
    text = " ".join(str(c.value) for row in book["Read me"].iter_rows() for c in row if c.value)
    assert "Values only (too large to hold as formulas): Base case, Bear case." in text
