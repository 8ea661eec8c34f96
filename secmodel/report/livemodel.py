"""The workbook's live model: input sheets, one formula Projection sheet per scenario, Checks.

Every calculated cell of a Projection sheet is a spreadsheet formula on the input sheets and on
earlier months, following the engine's steps (:mod:`secmodel.model.engine`) column by column:
users, ARPU, MRR and ARR; each trigger's condition, run, sustained, fired and active flags; the
stage in force; each item's bought flag, run start, months into its run, accrual and cash; the
totals. Each formula carries the Python model's result as its cached value, so viewers that do
not recalculate show the same numbers.

Only functions that Excel, LibreOffice and Google Sheets compute alike (IF, AND, OR, NOT, INDEX,
MATCH, LOOKUP, SUM, MAX, MIN, ABS, MOD, DATE, YEAR, MONTH, COUNTIF): no dynamic arrays, no LET,
LAMBDA, OFFSET or INDIRECT, nothing volatile, no links to other files.

Layout of a Projection sheet (other tools read it): "Scenario" in A1 with the id in B1, the
table's headers in row 5 (``HEADER_ROW``), month 0 in row 6; columns A to P are projection.csv's
columns in its order; working columns follow to the right.
"""

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from secmodel.inputs.condition import AllOf, AnyOf, Compare, Metric, Negation, Number
from secmodel.model.checks import ATOL, RTOL, run_checks
from secmodel.model.engine import item_rate, months_into_run, run_length, user_growth_by_month
from secmodel.model.projection import Projection

HEADER_ROW = 4  # zero-based: row 5 holds the headers, month 0 is row 6
FIRST_ROW = HEADER_ROW + 1
EXCEL_COLUMNS = 16_384
EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of the spreadsheet date serial numbers
# A Projection sheet is written as formulas up to this many cells; a larger catalog or horizon
# gets values only (a workbook of millions of formulas is too slow to open to be useful).
LIVE_CELLS = 1_000_000

# projection.csv's columns, in its order, under the headers a reader sees.
PROJECTION_HEADERS = {
    "month": "Month (from launch)",
    "date": "Month",
    "users": "Users",
    "arpu": "ARPU (USD/user/month)",
    "mrr": "MRR (USD/month)",
    "arr": "ARR (USD/year)",
    "stage": "Stage (id)",
    "security_score": "Security score target (of 10)",
    "budget": "Stage budget (USD/month)",
    "spend_accrual": "Security spend, accrual (USD/month)",
    "spend_cash": "Security spend, cash (USD/month)",
    "budget_gap": "Budget less spend (USD/month)",
    "cumulative_accrual": "Cumulative spend, accrual (USD)",
    "cumulative_cash": "Cumulative spend, cash (USD)",
    "pct_of_revenue": "Spend share of MRR (%)",
    "pct_of_revenue_ttm": "Spend share of revenue, trailing 12 months (%)",
}

# The workbook's checks: checks.py's names (so the two lists can be compared) in words.
CHECK_WORDS = {
    "sum of items' accrual = spend_accrual": "Items' accrual adds up to spend (accrual)",
    "sum of items' cash = spend_cash": "Items' cash adds up to spend (cash)",
    "cumulative_accrual = previous + spend_accrual": "Cumulative accrual = previous + spend",
    "cumulative_cash = previous + spend_cash": "Cumulative cash = previous + spend",
    "pct_of_revenue = spend_accrual / mrr": "Share of MRR = spend / MRR",
    "mrr = users x arpu": "MRR = users x ARPU",
    "arr = 12 x mrr": "ARR = 12 x MRR",
    "no negative spend": "No negative spend",
    "no negative item cost": "No negative item cost",
}


def absolute(sheet: str, row: int, col: int) -> str:
    """'Catalog'!$F$3 from zero-based row and column."""
    return f"{quoted(sheet)}!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def quoted(sheet: str) -> str:
    """A sheet name as a formula writes it: quoted when it holds anything but letters and
    digits (an apostrophe doubled)."""
    if sheet.replace("_", "").isalnum():
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


def column_range(sheet: str, col: int, first: int, last: int) -> str:
    """'Triggers'!$A$2:$A$5 (zero-based rows, inclusive)."""
    start = xl_rowcol_to_cell(first, col, row_abs=True, col_abs=True)
    end = xl_rowcol_to_cell(last, col, row_abs=True, col_abs=True)
    return f"{quoted(sheet)}!{start}:{end}"


def serial(date_text: str) -> int:
    """A spreadsheet date serial number for the first day of a YYYY-MM month."""
    year, month = (int(part) for part in date_text.split("-")[:2])
    return (datetime(year, month, 1) - EXCEL_EPOCH).days


# ---------------------------------------------------------------------------------------------
# Trigger conditions as formulas


def numbers_of(tree) -> list[Number]:
    """The numbers of a condition tree, in reading order (each becomes a threshold cell)."""
    if isinstance(tree, Number):
        return [tree]
    if isinstance(tree, Compare):
        return [n for part in (tree.left, *tree.rights) for n in numbers_of(part)]
    if isinstance(tree, (AllOf, AnyOf)):
        return [n for part in tree.parts for n in numbers_of(part)]
    if isinstance(tree, Negation):
        return numbers_of(tree.part)
    return []


def threshold_metrics(tree) -> list[str | None]:
    """For each number of :func:`numbers_of`, the metric it is compared with (its format)."""
    if isinstance(tree, Compare):
        operands = (tree.left, *tree.rights)
        found = []
        for i, part in enumerate(operands):
            if isinstance(part, Number):
                near = [o for o in operands[max(i - 1, 0) : i + 2] if isinstance(o, Metric)]
                found.append(near[0].name if near else None)
        return found
    if isinstance(tree, (AllOf, AnyOf)):
        return [m for part in tree.parts for m in threshold_metrics(part)]
    if isinstance(tree, Negation):
        return threshold_metrics(tree.part)
    return []


def condition_formula(tree, metric_refs: dict[str, str], thresholds: list[str]) -> str:
    """The condition as a spreadsheet expression (TRUE/FALSE): comparisons, AND, OR, NOT.
    ``metric_refs``: each metric's cell in this row; ``thresholds``: the cells holding the
    condition's numbers, in :func:`numbers_of` order (consumed as they are used)."""
    pending = iter(thresholds)

    def operand(node) -> str:
        return metric_refs[node.name] if isinstance(node, Metric) else next(pending)

    def walk(node) -> str:
        if isinstance(node, Compare):
            left = operand(node.left)
            parts = []
            for op, right_node in zip(node.ops, node.rights, strict=True):
                right = operand(right_node)
                parts.append(f"{left}{'=' if op == '==' else op}{right}")
                left = right
            return parts[0] if len(parts) == 1 else f"AND({','.join(parts)})"
        if isinstance(node, AllOf):
            return f"AND({','.join(walk(p) for p in node.parts)})"
        if isinstance(node, AnyOf):
            return f"OR({','.join(walk(p) for p in node.parts)})"
        return f"NOT({walk(node.part)})"

    return walk(tree)


def condition_words(tree, names: list[str]) -> str:
    """The condition with its numbers named (T1, T2, ...) as the Triggers sheet shows them."""
    pending = iter(names)

    def operand(node) -> str:
        return node.name if isinstance(node, Metric) else next(pending)

    def walk(node, nested: bool) -> str:
        if isinstance(node, Compare):
            text = operand(node.left)
            for op, right in zip(node.ops, node.rights, strict=True):
                text += f" {op} {operand(right)}"
            return text
        if isinstance(node, Negation):
            return f"not {walk(node.part, True)}"
        joined = (" and " if isinstance(node, AllOf) else " or ").join(
            walk(p, True) for p in node.parts
        )
        return f"({joined})" if nested else joined

    return walk(tree, False)


# ---------------------------------------------------------------------------------------------
# Input sheets


@dataclass
class InputRefs:
    """Where each input lives on the input sheets (absolute cell references)."""

    scenario: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> column -> cell
    growth: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    # growth: scenario -> (from-month range, rate range, first from-month, first rate)
    trigger: list[dict[str, str]] = field(default_factory=list)  # by trigger order
    thresholds: list[list[str]] = field(default_factory=list)  # by trigger order
    trigger_ids: str = ""  # the range of trigger ids, for MATCH
    item: list[dict[str, str]] = field(default_factory=list)  # by catalog order
    stage: list[dict[str, str]] = field(default_factory=list)  # by rank
    stage_ids: str = ""
    stage_scores: str = ""
    stage_budgets: str = ""
    stage_names: str = ""


@dataclass(frozen=True)
class Column:
    """One column of an input sheet: header (with unit), the row's value, its number format,
    whether it is a live input (input style) and its width."""

    header: str
    value: object
    number_format: str | None = None
    live: bool = False
    width: float = 12
    structure: bool = False  # ids, rows and links: changed in the CSV files, not here


def write_table(sheet, name: str, rows: list[list[Column]], formats, note: str) -> list[int]:
    """An input table: headers in row 1, one row per input row; input cells in the input
    style. Returns the zero-based row of each input row. ``note`` goes below the table."""
    headers = rows[0] if rows else []
    for col, c in enumerate(headers):
        sheet.write_string(0, col, c.header, formats.header)
        sheet.set_column(col, col, c.width)
    placed = []
    for r, row in enumerate(rows, start=1):
        for col, c in enumerate(row):
            if c.live:
                fmt = formats.input(c.number_format)
            elif c.structure:
                fmt = formats.structure(c.number_format)
            else:
                fmt = formats(c.number_format)
            formats.write_value(sheet, r, col, c.value, fmt)
        placed.append(r)
    sheet.write_string(len(rows) + 2, 0, note, formats.note)
    formats.print_setup(sheet)
    sheet.autofilter(0, 0, max(len(rows), 1), max(len(headers) - 1, 0))
    sheet.freeze_panes(1, 1)
    return placed


INPUT_NOTE = (
    "Yellow cells are inputs: change one and the Projection sheets and the Checks recalculate. "
    "Grey text is structure (rows, ids, replacements): change it in the CSV files and rebuild."
)


def write_inputs(book, inputs, formats) -> InputRefs:
    """The Scenarios, Growth, Triggers, Catalog and Stages sheets; where their cells are."""
    refs = InputRefs()
    _scenarios_sheet(book.add_worksheet("Scenarios"), inputs, formats, refs)
    _growth_sheet(book.add_worksheet("Growth"), inputs, formats, refs)
    _triggers_sheet(book.add_worksheet("Triggers"), inputs, formats, refs)
    _catalog_sheet(book.add_worksheet("Catalog"), inputs, formats, refs)
    _stages_sheet(book.add_worksheet("Stages"), inputs, formats, refs)
    return refs


def _scenarios_sheet(sheet, inputs, formats, refs: InputRefs) -> None:
    rows = [
        [
            Column("Scenario (id)", s.scenario, width=16, structure=True),
            Column("Name", s.label, width=18),
            Column("Start month", serial(s.start_date), formats.MONTH, live=True),
            Column("Users at launch (users)", s.start_users, formats.COUNT, live=True),
            Column("ARPU at launch (USD/user/month)", s.arpu_monthly, formats.USD, live=True),
            Column("ARPU growth (%/year)", s.arpu_growth_annual, formats.PCT_INPUT, live=True),
            Column("Horizon (months; the sheet's rows)", s.horizon_months, "0", structure=True),
            Column("Description", s.description, width=80),
        ]
        for s in inputs.scenarios.values()
    ]
    placed = write_table(sheet, "Scenarios", rows, formats, INPUT_NOTE)
    for s, r in zip(inputs.scenarios.values(), placed, strict=True):
        refs.scenario[s.scenario] = {
            key: absolute("Scenarios", r, col)
            for key, col in (("start", 2), ("users", 3), ("arpu", 4), ("arpu_growth", 5))
        }


def _growth_sheet(sheet, inputs, formats, refs: InputRefs) -> None:
    rows, spans = [], {}
    for s in inputs.scenarios.values():
        first = len(rows) + 1
        for segment in s.growth:  # sorted by from_month: LOOKUP needs it
            rows.append(
                [
                    Column("Scenario (id)", s.scenario, width=16, structure=True),
                    Column("From month (from launch)", segment.from_month, "0", live=True),
                    Column(
                        "User growth (%/month)",
                        segment.user_growth_monthly,
                        formats.PCT_INPUT,
                        live=True,
                    ),
                ]
            )
        spans[s.scenario] = (first, len(rows))
    note = (
        INPUT_NOTE + " A scenario's rows must stay in order of their from month: a month takes "
        "the rate of the last row that starts at or before it."
    )
    write_table(sheet, "Growth", rows, formats, note)
    for scenario, (first, last) in spans.items():
        refs.growth[scenario] = (
            column_range("Growth", 1, first, last),
            column_range("Growth", 2, first, last),
            absolute("Growth", first, 1),
            absolute("Growth", first, 2),
        )


THRESHOLD_FORMATS = {"users": "COUNT_INPUT", "mrr": "USD", "arr": "USD", "month": "INTEGER"}


def _triggers_sheet(sheet, inputs, formats, refs: InputRefs) -> None:
    triggers = list(inputs.triggers.values())
    most = max((len(numbers_of(t.condition.tree)) for t in triggers), default=0)
    rows = []
    for t in triggers:
        numbers = numbers_of(t.condition.tree)
        metrics = threshold_metrics(t.condition.tree)
        names = [f"T{n + 1}" for n in range(len(numbers))]
        row = [
            Column("Trigger (id)", t.trigger_id, width=14, structure=True),
            Column("Name", t.label, width=20),
            Column("Condition (triggers.csv)", t.condition.text, width=28),
            Column(
                "Condition, thresholds named", condition_words(t.condition.tree, names), width=28
            ),
            Column("Sustain (months)", t.sustain_months, "0", live=True, width=10),
            Column("Lead (months)", t.lead_months, "0", live=True, width=10),
            Column("Latch (TRUE stays on)", bool(t.latch), None, live=True, width=10),
        ]
        for n in range(most):
            if n < len(numbers):
                fmt = getattr(formats, THRESHOLD_FORMATS.get(metrics[n] or "", "GENERAL"))
                row.append(Column(f"T{n + 1}", numbers[n].value, fmt, live=True))
            else:
                row.append(Column(f"T{n + 1}", None))
        rows.append(row)
    note = INPUT_NOTE + " T1, T2, ... are the numbers of each condition, in order."
    placed = write_table(sheet, "Triggers", rows, formats, note)
    for t, r in zip(triggers, placed, strict=True):
        refs.trigger.append(
            {
                key: absolute("Triggers", r, col)
                for key, col in (("sustain", 4), ("lead", 5), ("latch", 6))
            }
        )
        count = len(numbers_of(t.condition.tree))
        refs.thresholds.append([absolute("Triggers", r, 7 + n) for n in range(count)])
    refs.trigger_ids = column_range("Triggers", 0, 1, max(len(triggers), 1))


def _catalog_sheet(sheet, inputs, formats, refs: InputRefs) -> None:
    items = list(inputs.catalog.values())
    rows = [
        [
            Column("Item (id)", i.item_id, width=16, structure=True),
            Column("Name", i.name, width=30),
            Column("Tier", i.tier, width=10),
            Column("Category", i.category, width=12),
            Column(
                "Amount (USD per cadence; per user; or % of MRR)",
                i.amount,
                formats.PCT_INPUT if i.basis == "pct_revenue" else formats.USD,
                live=True,
                width=14,
            ),
            Column("Cadence (monthly, annual, one_off)", i.cadence, live=True, width=12),
            Column("Basis (fixed, per_user, pct_revenue)", i.basis, live=True, width=12),
            Column("Trigger (id)", i.trigger, live=True, width=12),
            Column("Replaces (ids)", ";".join(i.replaces), width=14, structure=True),
            Column("Vendor", i.vendor, width=16),
            Column("Source", i.source, width=60),
        ]
        for i in items
    ]
    placed = write_table(sheet, "Catalog", rows, formats, INPUT_NOTE)
    for r in placed:
        refs.item.append(
            {
                key: absolute("Catalog", r, col)
                for key, col in (("amount", 4), ("cadence", 5), ("basis", 6), ("trigger", 7))
            }
        )


def _stages_sheet(sheet, inputs, formats, refs: InputRefs) -> None:
    stages = list(inputs.stages)
    rows = [
        [
            Column("Stage (id)", s.stage, width=14, structure=True),
            Column("Name", s.label, width=16),
            Column("Rank (order)", s.rank, "0", width=8, structure=True),
            Column("Trigger (id)", s.trigger, live=True, width=12),
            Column("Security score target (of 10)", s.target_score, "0.0", live=True),
            Column("Budget (USD/month)", s.budget_monthly, formats.USD, live=True),
            Column("Focus", s.focus, width=40),
        ]
        for s in stages
    ]
    note = (
        INPUT_NOTE + " Stages are listed by rank: the highest one whose trigger is on is in force."
    )
    placed = write_table(sheet, "Stages", rows, formats, note)
    for r in placed:
        refs.stage.append({"trigger": absolute("Stages", r, 3)})
    last = max(len(stages), 1)
    refs.stage_ids = column_range("Stages", 0, 1, last)
    refs.stage_names = column_range("Stages", 1, 1, last)
    refs.stage_scores = column_range("Stages", 4, 1, last)
    refs.stage_budgets = column_range("Stages", 5, 1, last)


# ---------------------------------------------------------------------------------------------
# A Projection sheet


def live_cells(projection: Projection) -> int:
    """Formula cells a live Projection sheet of ``projection`` would hold."""
    return len(projection.arrays.months) * projection_width(projection)


def projection_width(projection: Projection) -> int:
    """Columns of a live Projection sheet."""
    model = projection.model
    triggers, items, stages = len(model.triggers), len(model.items), len(model.stages)
    return len(PROJECTION_HEADERS) + 2 + 5 * triggers + stages + 5 * items + len(CHECK_WORDS)


def can_be_live(projection: Projection) -> bool:
    """Whether the scenario's Projection sheet can be written as formulas."""
    return projection_width(projection) <= EXCEL_COLUMNS and live_cells(projection) <= LIVE_CELLS


@dataclass
class Block:
    """A group of working columns: its title (row 4), first column and one header per column."""

    title: str
    first: int
    headers: list[str]

    def col(self, n: int) -> int:
        return self.first + n

    def letter(self, n: int) -> str:
        return xl_col_to_name(self.first + n)

    def row_span(self, row: int) -> str:
        """This block's cells in one row: $X6:$AB6."""
        last = self.first + max(len(self.headers), 1) - 1
        return f"{xl_col_to_name(self.first)}{row + 1}:{xl_col_to_name(last)}{row + 1}"


def write_projection(sheet, projection: Projection, refs: InputRefs, formats) -> list[str]:
    """The live Projection sheet of one scenario; returns the check columns' cell ranges
    (one per check, rows month 0 to the horizon) for the Checks sheet."""
    p, a, model = projection, projection.arrays, projection.model
    scenario = p.scenario
    s_refs = refs.scenario[scenario.scenario]
    months = a.months
    rows = FIRST_ROW + months  # the zero-based sheet row of each month
    last_row = int(rows[-1])
    triggers, items, stages = model.triggers, model.items, model.stages
    n_items, n_stages = len(items), len(stages)
    col = {name: n for n, name in enumerate(PROJECTION_HEADERS)}
    L = {name: xl_col_to_name(n) for name, n in col.items()}

    # working columns, left to right
    nxt = len(PROJECTION_HEADERS)
    blocks = {}
    for key, title, headers in (
        ("growth", "Drivers", ["User growth (%/month)"]),
        ("stage_name", "Stage", ["Stage (name)"]),
        ("condition", "Condition holds (1 = yes)", [t.label for t in triggers]),
        ("run", "Months the condition has held", [t.label for t in triggers]),
        ("sustained", "Held for its sustain months (1 = yes)", [t.label for t in triggers]),
        ("fired", "Fired by this month (1 = yes)", [t.label for t in triggers]),
        ("active", "Trigger on, after any lead (1 = on)", [t.label for t in triggers]),
        ("stage_chain", "Stage in force so far (position in Stages)", [s.label for s in stages]),
        ("bought", "Item bought (1 = yes)", [i.name for i in items]),
        ("rate", "Price per cadence period (USD)", [i.name for i in items]),
        ("start", "Run starts (1 = first month bought)", [i.name for i in items]),
        ("into", "Months into the run", [i.name for i in items]),
        ("accrual", "Accrual (USD/month)", [i.name for i in items]),
        ("cash", "Cash (USD/month)", [i.name for i in items]),
        ("checks", "Checks (TRUE = pass)", list(CHECK_WORDS.values())),
    ):
        blocks[key] = Block(title, nxt, headers)
        nxt += len(headers)
    B = blocks

    # the Python model's values, for the cached results
    growth = user_growth_by_month(scenario.growth, p.horizon_months)
    rates = item_rate(items, a.users[None, :], a.mrr[None, :])[0]
    run = run_length(a.condition)
    fired = np.logical_or.accumulate(a.sustained, axis=-1)
    into = np.where(a.item_active, months_into_run(a.item_active), 0)
    chain = np.zeros((n_stages, len(months)), dtype=np.int64)
    for s in range(n_stages):
        on = a.trigger_active[model.stage_trigger[s]]
        chain[s] = np.where(on, s + 1, chain[s - 1] if s else 0)
    table = p.table
    dates = [serial(d) for d in table["date"]]

    # headers
    sheet.write_string(0, 0, "Scenario", formats.header)
    sheet.write_string(0, 1, scenario.scenario)
    sheet.write_string(1, 0, "Name", formats.header)
    sheet.write_string(1, 1, scenario.label)
    sheet.write_string(
        0,
        3,
        "Every figure is a formula on the input sheets (yellow cells) and earlier months; "
        "columns A-P are projection.csv's columns, working columns follow to the right.",
        formats.note,
    )
    sheet.write_string(
        2, len(PROJECTION_HEADERS), "Row 3: the position of each item's and stage's trigger in "
        "the Triggers sheet", formats.note,
    )  # fmt: skip
    # each item's and stage's trigger, found once per sheet (its position in Triggers)
    position_ref = {}
    trigger_pos = {t.trigger_id: k for k, t in enumerate(triggers)}
    for key, targets, ids in (
        ("bought", refs.item, [i.trigger for i in items]),
        ("stage_chain", refs.stage, [s.trigger for s in stages]),
    ):
        for n, (target, trigger_id) in enumerate(zip(targets, ids, strict=True)):
            c = B[key].col(n)
            write_formula = sheet.write_formula
            write_formula(
                2, c, f"MATCH({target['trigger']},{refs.trigger_ids},0)", formats.calc("0"),
                trigger_pos[trigger_id] + 1,
            )  # fmt: skip
            position_ref[c] = f"{xl_col_to_name(c)}$3"
    sheet.write_string(3, 0, "Projection", formats.block)
    for name, header in PROJECTION_HEADERS.items():
        sheet.write_string(HEADER_ROW, col[name], header, formats.wrapped_header)
    for b in B.values():
        sheet.write_string(3, b.first, b.title, formats.block)
        for n, header in enumerate(b.headers):
            sheet.write_string(HEADER_ROW, b.col(n), header, formats.wrapped_header)
    sheet.set_row(HEADER_ROW, 64)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, len(PROJECTION_HEADERS) - 1, 14)
    sheet.set_column(col["stage"], col["stage"], 11)
    sheet.set_column(col["arr"], col["arr"], 16)
    sheet.set_column(len(PROJECTION_HEADERS), nxt - 1, 12)
    sheet.freeze_panes(FIRST_ROW, 2)
    formats.print_setup(sheet, title_rows=(3, HEADER_ROW))
    # the printout is the projection itself; the working columns are for the screen
    sheet.print_area(0, 0, last_row, len(PROJECTION_HEADERS) - 1)
    sheet.autofilter(HEADER_ROW, 0, last_row, nxt - 1)

    write = sheet.write_formula
    f = formats.calc
    flag = f("0")
    growth_col = B["growth"].col(0)
    growth_from, growth_rate, first_from, first_rate = refs.growth[scenario.scenario]

    def cell(name_or_col, r):
        c = col[name_or_col] if isinstance(name_or_col, str) else name_or_col
        return xl_rowcol_to_cell(r, c)

    def here(c: int, r: int) -> str:
        """A cell of this sheet, relative (the formula reads as in a hand-built model)."""
        return xl_rowcol_to_cell(r, c)

    def span(c: int) -> str:
        """The whole column c, months 0 to the horizon (absolute), for INDEX and checks."""
        return f"${xl_col_to_name(c)}${FIRST_ROW + 1}:${xl_col_to_name(c)}${last_row + 1}"

    for m, r in zip(months, rows, strict=True):
        m, r = int(m), int(r)
        prev = r - 1
        first = m == 0
        # month, date, growth, users, ARPU, MRR, ARR
        if first:
            sheet.write_number(r, col["month"], 0, f("0"))
        else:
            write(r, col["month"], f"{cell('month', prev)}+1", f("0"), m)
        month = cell("month", r)
        start = s_refs["start"]
        write(
            r, col["date"], f"DATE(YEAR({start}),MONTH({start})+{month},1)", f(formats.MONTH),
            dates[m],
        )  # fmt: skip
        g = xl_rowcol_to_cell(r, growth_col, col_abs=True)
        write(
            r,
            growth_col,
            f"IF({month}=0,0,IF({month}<{first_from},{first_rate},"
            f"LOOKUP({month},{growth_from},{growth_rate})))",
            f(formats.PCT_INPUT),
            float(growth[m]),
        )
        users = s_refs["users"] if first else f"{cell('users', prev)}*(1+{g})"
        write(r, col["users"], users, f(formats.COUNT), float(a.users[m]))
        arpu = f"{s_refs['arpu']}*(1+{s_refs['arpu_growth']})^({month}/12)"
        write(r, col["arpu"], arpu, f(formats.USD), float(a.arpu[m]))
        write(
            r,
            col["mrr"],
            f"{cell('users', r)}*{cell('arpu', r)}",
            f(formats.USD_WHOLE),
            float(a.mrr[m]),
        )
        write(r, col["arr"], f"12*{cell('mrr', r)}", f(formats.USD_WHOLE), float(a.arr[m]))
        metric_ref = {
            "month": month,
            "users": cell("users", r),
            "mrr": cell("mrr", r),
            "arr": cell("arr", r),
        }
        # triggers
        for k, t in enumerate(triggers):
            tr = refs.trigger[k]
            cond = condition_formula(t.condition.tree, metric_ref, refs.thresholds[k])
            c_cell = cell(B["condition"].col(k), r)
            write(r, B["condition"].col(k), f"IF({cond},1,0)", flag, int(a.condition[k, m]))
            run_formula = (
                f"{c_cell}" if first else f"IF({c_cell}=1,{cell(B['run'].col(k), prev)}+1,0)"
            )
            write(r, B["run"].col(k), run_formula, flag, int(run[k, m]))
            run_cell = cell(B["run"].col(k), r)
            write(
                r, B["sustained"].col(k), f"IF({run_cell}>={tr['sustain']},1,0)", flag,
                int(a.sustained[k, m]),
            )  # fmt: skip
            s_cell = cell(B["sustained"].col(k), r)
            fired_formula = s_cell if first else f"MAX({cell(B['fired'].col(k), prev)},{s_cell})"
            write(r, B["fired"].col(k), fired_formula, flag, int(fired[k, m]))
            lead = tr["lead"]
            back = f"{month}-{lead}+1"
            write(
                r,
                B["active"].col(k),
                f"IF({month}<{lead},0,IF({tr['latch']},INDEX({span(B['fired'].col(k))},{back}),"
                f"INDEX({span(B['sustained'].col(k))},{back})))",
                flag,
                int(a.trigger_active[k, m]),
            )
        on_row = B["active"].row_span(r)
        # stage in force
        for s in range(n_stages):
            earlier = here(B["stage_chain"].col(s - 1), r) if s else "0"
            on = f"INDEX({on_row},{position_ref[B['stage_chain'].col(s)]})"
            write(
                r, B["stage_chain"].col(s), f"IF({on}=1,{s + 1},{earlier})", flag,
                int(chain[s, m]),
            )  # fmt: skip
        position = cell(B["stage_chain"].col(n_stages - 1), r) if n_stages else "0"
        row_values = table.iloc[m]

        def text_or_blank(value):
            return "" if isinstance(value, float) and np.isnan(value) else value

        stage_name = model.stages[int(a.stage[m])].label if a.stage[m] >= 0 else ""
        write(
            r, B["stage_name"].col(0), f'IF({position}=0,"",INDEX({refs.stage_names},{position}))',
            None, stage_name,
        )  # fmt: skip
        write(
            r, col["stage"], f'IF({position}=0,"",INDEX({refs.stage_ids},{position}))', None,
            row_values["stage"] or "",
        )  # fmt: skip
        write(
            r, col["security_score"], f'IF({position}=0,"",INDEX({refs.stage_scores},{position}))',
            f("0.0"), text_or_blank(float(row_values["security_score"])),
        )  # fmt: skip
        write(
            r, col["budget"], f'IF({position}=0,"",INDEX({refs.stage_budgets},{position}))',
            f(formats.USD), text_or_blank(float(row_values["budget"])),
        )  # fmt: skip
        # items
        for i in range(n_items):
            own = f"INDEX({on_row},{position_ref[B['bought'].col(i)]})"
            replacers = [
                f"INDEX({on_row},{position_ref[B['bought'].col(j)]})=0"
                for j in model.replaced_by[i]
            ]
            bought = f"IF(AND({own}=1,{','.join(replacers)}),1,0)" if replacers else own
            write(r, B["bought"].col(i), bought, flag, int(a.item_active[i, m]))
            b_cell = here(B["bought"].col(i), r)
            ir = refs.item[i]
            amount, basis = ir["amount"], ir["basis"]
            rate = (
                f'IF({basis}="per_user",{amount}*{metric_ref["users"]},'
                f'IF({basis}="pct_revenue",{amount}*{metric_ref["mrr"]},{amount}))'
            )
            write(r, B["rate"].col(i), rate, f(formats.USD), float(rates[i, m]))
            rate_cell = here(B["rate"].col(i), r)
            start_formula = (
                b_cell if first else f"IF(AND({b_cell}=1,{here(B['bought'].col(i), prev)}=0),1,0)"
            )
            write(r, B["start"].col(i), start_formula, flag, int(a.item_starts[i, m]))
            st_cell = here(B["start"].col(i), r)
            into_formula = (
                "0"
                if first
                else f"IF({b_cell}=1,IF({st_cell}=1,0,{here(B['into'].col(i), prev)}+1),0)"
            )
            write(r, B["into"].col(i), into_formula, flag, int(into[i, m]))
            cadence = ir["cadence"]
            write(
                r,
                B["accrual"].col(i),
                f'IF({cadence}="monthly",{rate_cell}*{b_cell},IF({cadence}="annual",'
                f"{rate_cell}/12*{b_cell},{rate_cell}*{st_cell}))",
                f(formats.USD),
                float(a.accrual[i, m]),
            )
            due = f"IF(MOD({here(B['into'].col(i), r)},12)=0,1,0)"
            write(
                r,
                B["cash"].col(i),
                f'IF({cadence}="monthly",{rate_cell}*{b_cell},IF({cadence}="annual",'
                f"{rate_cell}*{b_cell}*{due},{rate_cell}*{st_cell}))",
                f(formats.USD),
                float(a.cash[i, m]),
            )
        # totals
        accrual_sum = f"SUM({B['accrual'].row_span(r)})" if n_items else "0"
        cash_sum = f"SUM({B['cash'].row_span(r)})" if n_items else "0"
        write(r, col["spend_accrual"], accrual_sum, f(formats.USD), float(a.spend_accrual[m]))
        write(r, col["spend_cash"], cash_sum, f(formats.USD), float(a.spend_cash[m]))
        spend, cash_spend = cell("spend_accrual", r), cell("spend_cash", r)
        write(
            r, col["budget_gap"], f'IF({position}=0,"",{cell("budget", r)}-{spend})',
            f(formats.USD), text_or_blank(float(row_values["budget_gap"])),
        )  # fmt: skip
        for name, flow in (("cumulative_accrual", spend), ("cumulative_cash", cash_spend)):
            formula = flow if first else f"{cell(name, prev)}+{flow}"
            write(r, col[name], formula, f(formats.USD_WHOLE), float(row_values[name]))
        mrr = metric_ref["mrr"]
        write(
            r, col["pct_of_revenue"], f'IF({mrr}>0,{spend}/{mrr},"")', f(formats.PCT),
            text_or_blank(float(row_values["pct_of_revenue"])),
        )  # fmt: skip
        top = int(max(r - 11, FIRST_ROW)) + 1
        window_mrr = f"SUM({L['mrr']}${top}:{L['mrr']}{r + 1})"
        window_spend = f"SUM({L['spend_accrual']}${top}:{L['spend_accrual']}{r + 1})"
        write(
            r, col["pct_of_revenue_ttm"], f'IF({window_mrr}>0,{window_spend}/{window_mrr},"")',
            f(formats.PCT), text_or_blank(float(row_values["pct_of_revenue_ttm"])),
        )  # fmt: skip
        _write_check_cells(sheet, r, prev, first, B, cell, formats, a, m, row_values)

    return [span(B["checks"].col(n)) for n in range(len(CHECK_WORDS))]


def _close(a: str, b: str) -> str:
    """a and b equal within the model checks' tolerance (checks.py's RTOL and ATOL)."""
    return f"ABS({a}-({b}))<={ATOL!r}+{RTOL!r}*ABS({b})"


def _write_check_cells(sheet, r, prev, first, B, cell, formats, a, m, row_values):
    """One month's check cells: each check of :data:`CHECK_WORDS` as a TRUE/FALSE formula,
    with the Python check's result on the same values as its cached value."""
    spend, cash = cell("spend_accrual", r), cell("spend_cash", r)
    accrual_span, cash_span = B["accrual"].row_span(r), B["cash"].row_span(r)
    items = len(B["accrual"].headers)
    mrr, users, arpu, arr = cell("mrr", r), cell("users", r), cell("arpu", r), cell("arr", r)
    share = cell("pct_of_revenue", r)

    def close(x: float, y: float) -> bool:
        return bool(abs(x - y) <= ATOL + RTOL * abs(y))

    item_accrual = float(a.accrual[:, m].sum())
    item_cash = float(a.cash[:, m].sum())
    checks = [
        (
            _close(spend, f"SUM({accrual_span})" if items else "0"),
            close(float(a.spend_accrual[m]), item_accrual),
        ),
        (
            _close(cash, f"SUM({cash_span})" if items else "0"),
            close(float(a.spend_cash[m]), item_cash),
        ),
    ]
    for name, flow, values, flows in (
        ("cumulative_accrual", spend, a.cumulative_accrual, a.spend_accrual),
        ("cumulative_cash", cash, a.cumulative_cash, a.spend_cash),
    ):
        previous = "0" if first else cell(name, prev)
        before = 0.0 if first else float(values[m - 1])
        checks.append(
            (
                _close(cell(name, r), f"{previous}+{flow}"),
                close(float(values[m]), before + float(flows[m])),
            )
        )
    has_revenue = float(a.mrr[m]) > 0
    checks += [
        (
            f'IF({mrr}>0,{_close(share, f"{spend}/{mrr}")},{share}="")',
            close(float(a.pct_of_revenue[m]), float(a.spend_accrual[m]) / float(a.mrr[m]))
            if has_revenue
            else True,
        ),
        (_close(mrr, f"{users}*{arpu}"), close(float(a.mrr[m]), float(a.users[m] * a.arpu[m]))),
        (_close(arr, f"12*{mrr}"), close(float(a.arr[m]), 12 * float(a.mrr[m]))),
        (
            f"AND({spend}>=0,{cash}>=0)",
            bool(a.spend_accrual[m] >= 0 and a.spend_cash[m] >= 0),
        ),
        (
            f"MIN({accrual_span},{cash_span})>=0" if items else "TRUE",
            bool(items == 0 or min(a.accrual[:, m].min(), a.cash[:, m].min()) >= 0),
        ),
    ]
    for n, (formula, value) in enumerate(checks):
        sheet.write_formula(r, B["checks"].col(n), formula, formats.calc(None), value)


# ---------------------------------------------------------------------------------------------
# The Checks sheet


@dataclass(frozen=True)
class ScenarioChecks:
    """One scenario's check columns on its Projection sheet, with the Python results."""

    label: str
    sheet: str
    ranges: list[str]  # one range per check of CHECK_WORDS (months 0 to the horizon)
    failing: list[int]  # months each check fails in the Python model


def python_failing(projection: Projection) -> list[int]:
    """For each check of :data:`CHECK_WORDS`, the months it fails in the Python model
    (:func:`secmodel.model.checks.run_checks`, the checks every run prints)."""
    results = run_checks(projection.table, projection.spend_by_item)
    assert [r.name for r in results] == list(CHECK_WORDS)
    return [r.months_failing for r in results]


def write_checks(sheet, scenarios: list[ScenarioChecks], formats) -> None:
    """A check per scenario and line of :data:`CHECK_WORDS`: how many months fail (COUNTIF
    of FALSE over the Projection sheet's check column) and whether it passes; above them one
    master cell, TRUE when every check passes, and 'checks: N/N pass'."""
    first = 4  # zero-based row of the first check
    total = sum(len(s.ranges) for s in scenarios)
    last = first + total - 1
    pass_range = f"$D${first + 1}:$D${last + 1}"
    passing = sum(f == 0 for s in scenarios for f in s.failing)
    sheet.write_string(0, 0, "All checks pass", formats.header)
    sheet.write_formula(0, 1, f"AND({pass_range})" if total else "TRUE", formats.header,
                        passing == total)  # fmt: skip
    sheet.write_string(1, 0, "Checks passing", formats.header)
    sheet.write_formula(
        1, 1, f'"checks: "&COUNTIF({pass_range},TRUE)&"/"&{total}&" pass"', None,
        f"checks: {passing}/{total} pass",
    )  # fmt: skip
    sheet.write_string(
        2, 0, "Live: each check counts the months its column on a Projection sheet shows FALSE; "
        "the same checks as every secmodel run prints.", formats.note,
    )  # fmt: skip
    for col, header in enumerate(("Scenario", "Check", "Months failing (months)", "Pass")):
        sheet.write_string(3, col, header, formats.wrapped_header)
    row = first
    for s in scenarios:
        for words, cells, failing in zip(CHECK_WORDS.values(), s.ranges, s.failing, strict=True):
            sheet.write_string(row, 0, s.label)
            sheet.write_string(row, 1, words)
            source = f"{quoted(s.sheet)}!{cells}"
            sheet.write_formula(row, 2, f"COUNTIF({source},FALSE)", formats("0"), failing)
            sheet.write_formula(row, 3, f"C{row + 1}=0", None, failing == 0)
            row += 1
    for target in ("$B$1", pass_range):
        sheet.conditional_format(target, {"type": "cell", "criteria": "==", "value": "TRUE",
                                          "format": formats.good})  # fmt: skip
        sheet.conditional_format(target, {"type": "cell", "criteria": "==", "value": "FALSE",
                                          "format": formats.bad})  # fmt: skip
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 44)
    sheet.set_column(2, 3, 12)
    sheet.freeze_panes(4, 0)
    formats.print_setup(sheet, title_rows=(3, 3))
    sheet.autofilter(3, 0, max(last, 4), 3)
