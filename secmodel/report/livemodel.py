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

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from secmodel.inputs.actuals import month_text
from secmodel.inputs.condition import AllOf, AnyOf, Compare, Metric, Negation, Number
from secmodel.inputs.loader import BASES, CADENCES
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

# projection.csv's columns when run with actuals
ACTUAL_HEADERS = {
    "is_actual": "Closed month (1 = actuals)",
    "spend_actual_cash": "Actual security spend, cash (USD/month)",
    "cumulative_actual_then_forecast_cash": "Cumulative spend, actual then forecast, cash (USD)",
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
    actuals: list[dict[str, str]] = field(default_factory=list)  # by closed month, in order


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


def write_table(sheet, rows: list[list[Column]], formats, note: str) -> list[int]:
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


def write_inputs(book, inputs, formats, actuals=None) -> InputRefs:
    """The Scenarios, Growth, Triggers, Catalog and Stages sheets (and Actuals, with
    ``actuals``); where their cells are."""
    refs = InputRefs()
    _scenarios_sheet(book.add_worksheet("Scenarios"), inputs, formats, refs)
    _growth_sheet(book.add_worksheet("Growth"), inputs, formats, refs)
    _triggers_sheet(book.add_worksheet("Triggers"), inputs, formats, refs)
    _catalog_sheet(book.add_worksheet("Catalog"), inputs, formats, refs)
    _stages_sheet(book.add_worksheet("Stages"), inputs, formats, refs)
    if actuals is not None:
        _actuals_sheet(book.add_worksheet("Actuals"), actuals, formats, refs)
    return refs


def _actuals_sheet(sheet, actuals, formats, refs: InputRefs) -> None:
    rows = [
        [
            Column("Month (closed)", serial(month_text(month)), formats.MONTH, structure=True,
                   width=14),
            Column("Users (users)", users, formats.COUNT_INPUT, live=True, width=14),
            Column("MRR (USD/month)", mrr, formats.USD_WHOLE, live=True, width=16),
            Column("Security cash spend (USD/month)",
                   "" if math.isnan(spend) else spend, formats.USD, live=True, width=30),
        ]
        for month, users, mrr, spend in zip(
            actuals.months, actuals.users, actuals.mrr, actuals.spend_cash, strict=True
        )
    ]  # fmt: skip
    note = (f"{INPUT_NOTE} A blank spend is not known yet. Which months are closed is "
            "structure: add a month in actuals.csv and rebuild.")  # fmt: skip
    for r in write_table(sheet, rows, formats, note):
        refs.actuals.append(
            {key: absolute("Actuals", r, col) for key, col in (("users", 1), ("mrr", 2),
                                                              ("spend", 3))}
        )  # fmt: skip


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
    placed = write_table(sheet, rows, formats, INPUT_NOTE)
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
    write_table(sheet, rows, formats, note)
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
    placed = write_table(sheet, rows, formats, note)
    if placed:
        for col, least in ((4, 1), (5, 0)):  # sustain and lead: whole months
            whole = {"validate": "integer", "criteria": ">=", "value": least}
            sheet.data_validation(placed[0], col, placed[-1], col, whole)
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
            Column(
                "Escalation (% a year, from each plan year; not for pct_revenue)",
                i.escalation_annual,
                formats.PCT_INPUT,
                live=True,
                width=13,
            ),
            Column("Trigger (id)", i.trigger, live=True, width=12),
            Column("Replaces (ids)", ";".join(i.replaces), width=14, structure=True),
            Column("Vendor", i.vendor, width=16),
            Column("Source", i.source, width=60),
        ]
        for i in items
    ]
    placed = write_table(sheet, rows, formats, INPUT_NOTE)
    if placed:  # drop-downs: a typing slip would otherwise silently match no rule
        first, last = placed[0], placed[-1]
        for col, choices in ((5, list(CADENCES)), (6, list(BASES))):
            sheet.data_validation(first, col, last, col, {"validate": "list", "source": choices})
        sheet.data_validation(
            first, 7, last, 7, {"validate": "decimal", "criteria": ">", "value": -1}
        )
        sheet.data_validation(
            first, 8, last, 8, {"validate": "list", "source": f"={refs.trigger_ids}"}
        )
    columns = {"amount": 4, "cadence": 5, "basis": 6, "escalation": 7, "trigger": 8}
    for r in placed:
        refs.item.append({key: absolute("Catalog", r, col) for key, col in columns.items()})


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
    placed = write_table(sheet, rows, formats, note)
    if placed:
        sheet.data_validation(
            placed[0], 3, placed[-1], 3, {"validate": "list", "source": f"={refs.trigger_ids}"}
        )
    for r in placed:
        refs.stage.append({"trigger": absolute("Stages", r, 3)})
    last = max(len(stages), 1)
    refs.stage_ids = column_range("Stages", 0, 1, last)
    refs.stage_names = column_range("Stages", 1, 1, last)
    refs.stage_scores = column_range("Stages", 4, 1, last)
    refs.stage_budgets = column_range("Stages", 5, 1, last)


# ---------------------------------------------------------------------------------------------
# A Projection sheet


def projection_headers(projection: Projection) -> dict[str, str]:
    """The Projection sheet's first columns: projection.csv's, in its order (with actuals,
    its three columns more)."""
    if projection.actuals is None:
        return PROJECTION_HEADERS
    return {**PROJECTION_HEADERS, **ACTUAL_HEADERS}


def live_cells(projection: Projection) -> int:
    """Formula cells a live Projection sheet of ``projection`` would hold."""
    return len(projection.arrays.months) * projection_width(projection)


def projection_width(projection: Projection) -> int:
    """Columns of a live Projection sheet."""
    model = projection.model
    triggers, items, stages = len(model.triggers), len(model.items), len(model.stages)
    fixed = len(projection_headers(projection)) + 2 + len(CHECK_WORDS)
    return fixed + 5 * triggers + stages + 5 * items


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
    (one per check, months 0 to the horizon) for the Checks sheet."""
    return ProjectionSheet(sheet, projection, refs, formats).write()


def blank_if_missing(value):
    """A cached result: '' where the model has no value (NaN), as the formula shows it."""
    return "" if isinstance(value, float) and np.isnan(value) else value


class ProjectionSheet:
    """One scenario's Projection sheet, written step by step: the layout and headings, then
    for each month its revenue drivers, trigger flags, stage, items, totals and checks. Every
    formula is written with the Python model's value as its cached result."""

    def __init__(self, sheet, projection: Projection, refs: InputRefs, formats):
        self.sheet, self.p, self.refs, self.formats = sheet, projection, refs, formats
        self.a, self.model = projection.arrays, projection.model
        self.scenario = projection.scenario
        self.inputs = refs.scenario[self.scenario.scenario]
        self.last_row = FIRST_ROW + len(self.a.months) - 1
        self.closed = projection.actuals
        self.headers = projection_headers(projection)
        self.col = {name: n for n, name in enumerate(self.headers)}
        self.blocks = self._blocks()
        self.width = max(b.first + len(b.headers) for b in self.blocks.values())
        self.position_ref: dict[int, str] = {}
        self._cache_values()

    # layout --------------------------------------------------------------------------------

    def _blocks(self) -> dict[str, Block]:
        """The working columns, left to right after projection.csv's, in groups."""
        m = self.model
        triggers = [t.label for t in m.triggers]
        items = [i.name for i in m.items]
        blocks, first = {}, len(self.headers)
        for key, title, headers in (
            ("growth", "Drivers", ["User growth (%/month)"]),
            ("stage_name", "Stage", ["Stage (name)"]),
            ("condition", "Condition holds (1 = yes)", triggers),
            ("run", "Months the condition has held", triggers),
            ("sustained", "Held for its sustain months (1 = yes)", triggers),
            ("fired", "Fired by this month (1 = yes)", triggers),
            ("active", "Trigger on, after any lead (1 = on)", triggers),
            ("stage_chain", "Stage in force so far (position in Stages)",
             [s.label for s in m.stages]),
            ("bought", "Item bought (1 = yes)", items),
            ("rate", "Price per cadence period (USD)", items),
            ("start", "Run starts (1 = first month bought)", items),
            ("into", "Months into the run", items),
            ("accrual", "Accrual (USD/month)", items),
            ("cash", "Cash (USD/month)", items),
            ("checks", "Checks (TRUE = pass)", list(CHECK_WORDS.values())),
        ):  # fmt: skip
            blocks[key] = Block(title, first, headers)
            first += len(headers)
        return blocks

    def _cache_values(self) -> None:
        """The Python model's value of every working column (the engine's own steps)."""
        a, m = self.a, self.model
        self.growth = user_growth_by_month(self.scenario.growth, self.p.horizon_months)
        self.rates = item_rate(m.items, a.users[None, :], a.mrr[None, :])[0]
        self.run = run_length(a.condition)
        self.fired = np.logical_or.accumulate(a.sustained, axis=-1)
        self.into = np.where(a.item_active, months_into_run(a.item_active), 0)
        self.chain = np.zeros((len(m.stages), len(a.months)), dtype=np.int64)
        for s in range(len(m.stages)):
            on = a.trigger_active[m.stage_trigger[s]]
            self.chain[s] = np.where(on, s + 1, self.chain[s - 1] if s else 0)
        self.dates = [serial(d) for d in self.p.table["date"]]

    def cell(self, column: str | int, row: int) -> str:
        """A cell of this sheet by projection column name or column number (relative, so the
        formula reads as in a hand-built model)."""
        return xl_rowcol_to_cell(row, self.col[column] if isinstance(column, str) else column)

    def at(self, block: str, n: int, row: int) -> str:
        """The cell of column n of a working block in a row."""
        return xl_rowcol_to_cell(row, self.blocks[block].col(n))

    def span(self, block: str, n: int) -> str:
        """Column n of a block over every month (absolute), for INDEX and the checks."""
        letter = self.blocks[block].letter(n)
        return f"${letter}${FIRST_ROW + 1}:${letter}${self.last_row + 1}"

    def put(self, row: int, column: str | int, formula: str, number_format, value) -> None:
        """One formula with its cached value."""
        c = self.col[column] if isinstance(column, str) else column
        self.sheet.write_formula(row, c, formula, self.formats(number_format), value)

    def write(self) -> list[str]:
        """Every cell of the sheet; the check columns' ranges."""
        self.headings()
        self.trigger_positions()
        for m in range(len(self.a.months)):
            row = FIRST_ROW + m
            self.revenue(row, m)
            self.triggers(row, m)
            self.stage(row, m)
            self.items(row, m)
            self.totals(row, m)
            _write_check_cells(self, row, m)
        return [self.span("checks", n) for n in range(len(CHECK_WORDS))]

    def headings(self) -> None:
        """Rows 1-5: the scenario, a note, block titles, headers; widths, panes, printing."""
        sheet, fmt, s = self.sheet, self.formats, self.scenario
        sheet.write_string(0, 0, "Scenario", fmt.header)
        sheet.write_string(0, 1, s.scenario)
        sheet.write_string(1, 0, "Name", fmt.header)
        sheet.write_string(1, 1, s.label)
        sheet.write_string(0, 3, "Every figure is a formula on the input sheets (yellow cells) "
                           "and earlier months; columns A-P are projection.csv's columns, "
                           "working columns follow to the right.", fmt.note)  # fmt: skip
        sheet.write_string(2, len(self.headers), "Row 3: the position of each item's "
                           "and stage's trigger in the Triggers sheet", fmt.note)  # fmt: skip
        sheet.write_string(3, 0, "Projection", fmt.block)
        for name, header in self.headers.items():
            sheet.write_string(HEADER_ROW, self.col[name], header, fmt.wrapped_header)
        for b in self.blocks.values():
            sheet.write_string(3, b.first, b.title, fmt.block)
            for n, header in enumerate(b.headers):
                sheet.write_string(HEADER_ROW, b.col(n), header, fmt.wrapped_header)
        sheet.set_row(HEADER_ROW, 64)
        sheet.set_column(0, 1, 10)
        sheet.set_column(2, len(self.headers) - 1, 14)
        sheet.set_column(self.col["stage"], self.col["stage"], 11)
        sheet.set_column(self.col["arr"], self.col["arr"], 16)
        sheet.set_column(len(self.headers), self.width - 1, 12)
        sheet.freeze_panes(FIRST_ROW, 2)
        fmt.print_setup(sheet, title_rows=(3, HEADER_ROW))
        # the printout is the projection itself; the working columns are for the screen
        sheet.print_area(0, 0, self.last_row, len(self.headers) - 1)
        sheet.autofilter(HEADER_ROW, 0, self.last_row, self.width - 1)

    def trigger_positions(self) -> None:
        """Row 3: each item's and stage's trigger, found once per sheet (MATCH on its id in
        the Catalog or Stages sheet), as its position among the Triggers sheet's rows."""
        m = self.model
        position = {t.trigger_id: k + 1 for k, t in enumerate(m.triggers)}
        for block, targets, ids in (
            ("bought", self.refs.item, [i.trigger for i in m.items]),
            ("stage_chain", self.refs.stage, [s.trigger for s in m.stages]),
        ):
            for n, (target, trigger_id) in enumerate(zip(targets, ids, strict=True)):
                c = self.blocks[block].col(n)
                formula = f"MATCH({target['trigger']},{self.refs.trigger_ids},0)"
                self.put(2, c, formula, "0", position[trigger_id])
                self.position_ref[c] = f"{xl_col_to_name(c)}$3"

    # one month's steps -----------------------------------------------------------------------

    def revenue(self, row: int, m: int) -> None:
        """Month, date, user growth (fraction/month), users, ARPU (USD/user/month), MRR
        (USD/month), ARR (USD/year)."""
        a, f, inputs, cell = self.a, self.formats, self.inputs, self.cell
        if m == 0:
            self.sheet.write_number(row, self.col["month"], 0, f("0"))
        else:
            self.put(row, "month", f"{cell('month', row - 1)}+1", "0", m)
        month, start = cell("month", row), inputs["start"]
        date = f"DATE(YEAR({start}),MONTH({start})+{month},1)"
        self.put(row, "date", date, f.MONTH, self.dates[m])
        growth_from, growth_rate, first_from, first_rate = self.refs.growth[self.scenario.scenario]
        growth_col = self.blocks["growth"].col(0)
        growth = (f"IF({month}=0,0,IF({month}<{first_from},{first_rate},"
                  f"LOOKUP({month},{growth_from},{growth_rate})))")  # fmt: skip
        self.put(row, growth_col, growth, f.PCT_INPUT, float(self.growth[m]))
        g = cell(growth_col, row)
        users = inputs["users"] if m == 0 else f"{cell('users', row - 1)}*(1+{g})"
        arpu = f"{inputs['arpu']}*(1+{inputs['arpu_growth']})^({month}/12)"
        mrr = f"{cell('users', row)}*{cell('arpu', row)}"
        closed = self.closed
        if closed is not None and closed.first <= m <= closed.last:  # a closed month
            actual = self.refs.actuals[m - closed.first]
            users, mrr = actual["users"], actual["mrr"]
            arpu = f"IF({users}>0,{mrr}/{users},{arpu})"
        elif closed is not None and m > closed.last:  # re-forecast from the last closed month
            last = FIRST_ROW + closed.last
            arpu = (f"{cell('arpu', last)}*(1+{inputs['arpu_growth']})"
                    f"^(({month}-{cell('month', last)})/12)")  # fmt: skip
        self.put(row, "users", users, f.COUNT, float(a.users[m]))
        self.put(row, "arpu", arpu, f.USD, float(a.arpu[m]))
        self.put(row, "mrr", mrr, f.USD_WHOLE, float(a.mrr[m]))
        self.put(row, "arr", f"12*{cell('mrr', row)}", f.USD_WHOLE, float(a.arr[m]))

    def metric_refs(self, row: int) -> dict[str, str]:
        """The cells a trigger condition reads in a row, by metric name."""
        return {name: self.cell(name, row) for name in ("month", "users", "mrr", "arr")}

    def triggers(self, row: int, m: int) -> None:
        """Each trigger's flags (0/1): condition, months held, sustained, fired by this month,
        and active (latched or not, after its lead)."""
        a, at, first = self.a, self.at, m == 0
        month = self.cell("month", row)
        for k, t in enumerate(self.model.triggers):
            refs = self.refs.trigger[k]
            condition = condition_formula(t.condition.tree, self.metric_refs(row),
                                          self.refs.thresholds[k])  # fmt: skip
            self.put(row, self.blocks["condition"].col(k), f"IF({condition},1,0)", "0",
                     int(a.condition[k, m]))  # fmt: skip
            held = at("condition", k, row)
            if not first:
                held = f"IF({held}=1,{at('run', k, row - 1)}+1,0)"
            self.put(row, self.blocks["run"].col(k), held, "0", int(self.run[k, m]))
            sustained = f"IF({at('run', k, row)}>={refs['sustain']},1,0)"
            self.put(row, self.blocks["sustained"].col(k), sustained, "0",
                     int(a.sustained[k, m]))  # fmt: skip
            fired = at("sustained", k, row)
            if not first:
                fired = f"MAX({at('fired', k, row - 1)},{fired})"
            self.put(row, self.blocks["fired"].col(k), fired, "0", int(self.fired[k, m]))
            lead, back = refs["lead"], f"{month}-{refs['lead']}+1"
            active = (f"IF({month}<{lead},0,IF({refs['latch']},"
                      f"INDEX({self.span('fired', k)},{back}),"
                      f"INDEX({self.span('sustained', k)},{back})))")  # fmt: skip
            self.put(row, self.blocks["active"].col(k), active, "0", int(a.trigger_active[k, m]))

    def trigger_on(self, row: int, column: int) -> str:
        """Whether the trigger at row 3 of ``column`` is on in this row (1/0)."""
        return f"INDEX({self.blocks['active'].row_span(row)},{self.position_ref[column]})"

    def stage_position(self, row: int) -> str:
        """The cell holding the stage in force (its position in Stages; 0: none)."""
        stages = len(self.model.stages)
        return self.at("stage_chain", stages - 1, row) if stages else "0"

    def stage(self, row: int, m: int) -> None:
        """The stage in force: the highest-ranked stage whose trigger is on; its id, name,
        score (of 10) and budget (USD/month)."""
        chain, refs, f = self.blocks["stage_chain"], self.refs, self.formats
        for s in range(len(self.model.stages)):
            earlier = self.at("stage_chain", s - 1, row) if s else "0"
            on = self.trigger_on(row, chain.col(s))
            self.put(row, chain.col(s), f"IF({on}=1,{s + 1},{earlier})", "0",
                     int(self.chain[s, m]))  # fmt: skip
        position = self.stage_position(row)
        values = self.p.table.iloc[m]
        name = self.model.stages[int(self.a.stage[m])].label if self.a.stage[m] >= 0 else ""
        for column, source, number_format, value in (
            (self.blocks["stage_name"].col(0), refs.stage_names, None, name),
            ("stage", refs.stage_ids, None, values["stage"] or ""),
            ("security_score", refs.stage_scores, "0.0", float(values["security_score"])),
            ("budget", refs.stage_budgets, f.USD, float(values["budget"])),
        ):
            formula = f'IF({position}=0,"",INDEX({source},{position}))'
            self.put(row, column, formula, number_format, blank_if_missing(value))

    def items(self, row: int, m: int) -> None:
        """Each item: bought (its trigger on, no replacing item's on), price for its period
        (USD: the amount, stepped up by its escalation at each plan year, per user; or a
        share of MRR), run start, months into the run,
        accrual and cash (USD/month; annual items paid at the start of every 12 months)."""
        a, at, f, first = self.a, self.at, self.formats, m == 0
        bought_block = self.blocks["bought"]
        for i in range(len(self.model.items)):
            own = self.trigger_on(row, bought_block.col(i))
            replacers = [
                f"{self.trigger_on(row, bought_block.col(j))}=0" for j in self.model.replaced_by[i]
            ]
            bought = f"IF(AND({own}=1,{','.join(replacers)}),1,0)" if replacers else own
            self.put(row, bought_block.col(i), bought, "0", int(a.item_active[i, m]))
            inputs, users, mrr = self.refs.item[i], self.cell("users", row), self.cell("mrr", row)
            amount, basis, cadence = inputs["amount"], inputs["basis"], inputs["cadence"]
            month = self.cell("month", row)
            price = f"{amount}*(1+{inputs['escalation']})^(({month}-MOD({month},12))/12)"
            rate = (f'IF({basis}="pct_revenue",{amount}*{mrr},'
                    f'IF({basis}="per_user",{price}*{users},{price}))')  # fmt: skip
            self.put(row, self.blocks["rate"].col(i), rate, f.USD, float(self.rates[i, m]))
            on, price = at("bought", i, row), at("rate", i, row)
            start = on if first else f"IF(AND({on}=1,{at('bought', i, row - 1)}=0),1,0)"
            self.put(row, self.blocks["start"].col(i), start, "0", int(a.item_starts[i, m]))
            began = at("start", i, row)
            into = "0" if first else f"IF({on}=1,IF({began}=1,0,{at('into', i, row - 1)}+1),0)"
            self.put(row, self.blocks["into"].col(i), into, "0", int(self.into[i, m]))
            due = f"IF(MOD({at('into', i, row)},12)=0,1,0)"
            for block, annual, values in (
                ("accrual", f"{price}/12*{on}", a.accrual),
                ("cash", f"{price}*{on}*{due}", a.cash),
            ):
                formula = (f'IF({cadence}="monthly",{price}*{on},IF({cadence}="annual",'
                           f"{annual},{price}*{began}))")  # fmt: skip
                self.put(row, self.blocks[block].col(i), formula, f.USD, float(values[i, m]))

    def totals(self, row: int, m: int) -> None:
        """Spend (USD/month), budget gap, cumulative spend (USD), share of MRR and trailing
        12-month share of revenue (fractions; empty without revenue)."""
        a, f, cell, values = self.a, self.formats, self.cell, self.p.table.iloc[m]
        has_items = bool(self.model.items)
        for name, block, spend in (
            ("spend_accrual", "accrual", a.spend_accrual),
            ("spend_cash", "cash", a.spend_cash),
        ):
            total = f"SUM({self.blocks[block].row_span(row)})" if has_items else "0"
            self.put(row, name, total, f.USD, float(spend[m]))
        spend, cash = cell("spend_accrual", row), cell("spend_cash", row)
        gap = f'IF({self.stage_position(row)}=0,"",{cell("budget", row)}-{spend})'
        self.put(row, "budget_gap", gap, f.USD, blank_if_missing(float(values["budget_gap"])))
        for name, flow in (("cumulative_accrual", spend), ("cumulative_cash", cash)):
            formula = flow if m == 0 else f"{cell(name, row - 1)}+{flow}"
            self.put(row, name, formula, f.USD_WHOLE, float(values[name]))
        mrr = cell("mrr", row)
        share = f'IF({mrr}>0,{spend}/{mrr},"")'
        self.put(row, "pct_of_revenue", share, f.PCT,
                 blank_if_missing(float(values["pct_of_revenue"])))  # fmt: skip
        top = max(row - 11, FIRST_ROW) + 1  # the trailing 12 months (fewer at the start)
        mrr_col, spend_col = (
            xl_col_to_name(self.col["mrr"]),
            xl_col_to_name(self.col["spend_accrual"]),
        )
        window_mrr = f"SUM({mrr_col}{top}:{mrr_col}{row + 1})"
        window_spend = f"SUM({spend_col}{top}:{spend_col}{row + 1})"
        ttm = f'IF({window_mrr}>0,{window_spend}/{window_mrr},"")'
        self.put(row, "pct_of_revenue_ttm", ttm, f.PCT,
                 blank_if_missing(float(values["pct_of_revenue_ttm"])))  # fmt: skip
        if self.closed is not None:
            self.actual_spend(row, m)

    def actual_spend(self, row: int, m: int) -> None:
        """With actuals: whether the month is closed (structure: the actuals' rows), its actual
        cash spend (USD/month; blank where not known) and the cumulative spend taking it
        where known, the model's cash elsewhere (USD)."""
        f, cell, values, closed = self.formats, self.cell, self.p.table.iloc[m], self.closed
        is_closed = closed.first <= m <= closed.last
        self.sheet.write_number(row, self.col["is_actual"], int(is_closed), f("0"))
        spent = cell("spend_actual_cash", row)
        if is_closed:
            entered = self.refs.actuals[m - closed.first]["spend"]
            self.put(row, "spend_actual_cash", f'IF({entered}="","",{entered})', f.USD,
                     blank_if_missing(float(values["spend_actual_cash"])))  # fmt: skip
            flow = f'IF({spent}="",{cell("spend_cash", row)},{spent})'
        else:
            flow = cell("spend_cash", row)
        name = "cumulative_actual_then_forecast_cash"
        formula = flow if m == 0 else f"{cell(name, row - 1)}+{flow}"
        self.put(row, name, formula, f.USD_WHOLE, float(values[name]))


def _close(a: str, b: str) -> str:
    """a and b equal within the model checks' tolerance (checks.py's RTOL and ATOL)."""
    return f"ABS({a}-({b}))<={ATOL!r}+{RTOL!r}*ABS({b})"


def _write_check_cells(s: ProjectionSheet, row: int, m: int) -> None:
    """One month's check cells: each check of :data:`CHECK_WORDS` as a TRUE/FALSE formula,
    with the same check on the Python model's values as its cached result."""
    a, cell, first = s.a, s.cell, m == 0
    spend, cash = cell("spend_accrual", row), cell("spend_cash", row)
    accrual_span, cash_span = s.blocks["accrual"].row_span(row), s.blocks["cash"].row_span(row)
    has_items = bool(s.model.items)
    mrr, users, arpu, arr = (cell(n, row) for n in ("mrr", "users", "arpu", "arr"))
    share = cell("pct_of_revenue", row)

    def close(x: float, y: float) -> bool:
        return bool(abs(x - y) <= ATOL + RTOL * abs(y))

    checks = [
        (_close(spend, f"SUM({accrual_span})" if has_items else "0"),
         close(float(a.spend_accrual[m]), float(a.accrual[:, m].sum()))),
        (_close(cash, f"SUM({cash_span})" if has_items else "0"),
         close(float(a.spend_cash[m]), float(a.cash[:, m].sum()))),
    ]  # fmt: skip
    for name, flow, values, flows in (
        ("cumulative_accrual", spend, a.cumulative_accrual, a.spend_accrual),
        ("cumulative_cash", cash, a.cumulative_cash, a.spend_cash),
    ):
        previous = "0" if first else cell(name, row - 1)
        before = 0.0 if first else float(values[m - 1])
        checks.append((_close(cell(name, row), f"{previous}+{flow}"),
                       close(float(values[m]), before + float(flows[m]))))  # fmt: skip
    revenue = float(a.mrr[m])
    checks += [
        (f'IF({mrr}>0,{_close(share, f"{spend}/{mrr}")},{share}="")',
         close(float(a.pct_of_revenue[m]), float(a.spend_accrual[m]) / revenue)
         if revenue > 0 else True),
        (_close(mrr, f"{users}*{arpu}"), close(revenue, float(a.users[m] * a.arpu[m]))),
        (_close(arr, f"12*{mrr}"), close(float(a.arr[m]), 12 * revenue)),
        (f"AND({spend}>=0,{cash}>=0)", bool(a.spend_accrual[m] >= 0 and a.spend_cash[m] >= 0)),
        (f"MIN({accrual_span},{cash_span})>=0" if has_items else "TRUE",
         bool(not has_items or min(a.accrual[:, m].min(), a.cash[:, m].min()) >= 0)),
    ]  # fmt: skip
    for n, (formula, value) in enumerate(checks):
        s.put(row, s.blocks["checks"].col(n), formula, None, value)


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
