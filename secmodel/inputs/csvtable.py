"""Reading hand-edited CSV files: header checks, line numbers, and typed fields with clear problems.

Analysts edit these files in a spreadsheet, so a file may carry a UTF-8 BOM, Windows line endings,
columns in any order, extra columns, blank rows and money written as ``$1,500.00``. Every parse
failure becomes a :class:`~secmodel.errors.Problem` naming the file, line and column; parsing
goes on so that one run reports every problem.
"""

import csv
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from secmodel.errors import Problem
from secmodel.limits import INPUT_FILE_BYTES, INPUT_ROWS, size_text
from secmodel.paths import display_path

# Digits with optional thousands separators (1,500 or 10_000), decimals and an exponent.
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+(?:_\d+)*)?(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def parse_number(text: str, *, currency: bool = False, percent: bool = False) -> float:
    """A number from spreadsheet text: ``1,500``, ``-2.5``, ``(300)``, ``$1,500.00`` (if
    ``currency``), ``8%`` = 0.08 (if ``percent``). Raises ``ValueError`` with the reason."""
    s = text.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):  # accounting style for negatives
        negative, s = True, s[1:-1].strip()
    percentage = percent and s.endswith("%")
    if percentage:
        s = s[:-1].strip()
    if s[:1] in "+-":
        negative ^= s[0] == "-"
        s = s[1:].strip()
    if currency and s.startswith("$"):
        s = s[1:].strip()
        if s[:1] in "+-":
            negative ^= s[0] == "-"
            s = s[1:].strip()
    if not s or s in {".", "_"} or not _NUMBER.match(s) or not any(ch.isdigit() for ch in s):
        raise ValueError("not a number")
    digits = s.replace(",", "")
    # Decimal so that 0.9% is the float nearest 0.009, as if typed 0.009 (0.9 / 100 is not)
    value = float(Decimal(digits.replace("_", "")) / 100) if percentage else float(digits)
    return -value if negative else value


@dataclass
class Row:
    """One data row: its first physical line in the file and its cells by column name."""

    table: "Table"
    line: int
    cells: dict[str, str]

    def raw(self, column: str) -> str:
        """The cell's text, stripped ('' when the column or cell is absent)."""
        return self.cells.get(column, "").strip()

    def problem(self, column: str, message: str, value: str | None = None) -> None:
        """Record a problem at this row and column."""
        self.table.problems.append(Problem(self.table.name, self.line, column, message, value))

    def text(self, column: str, *, required: bool = True) -> str | None:
        """A text cell; a blank required cell is a problem."""
        value = self.raw(column)
        if not value and required:
            self.problem(column, "is empty")
            return None
        return value

    def unique_id(self, column: str, seen: dict[str, int]) -> str | None:
        """A required id, recorded in ``seen`` (id -> line); a repeat is a problem naming the
        line that first defined it."""
        value = self.text(column)
        if value is None:
            return None
        if value in seen:
            self.problem(column, f"duplicate id; first defined on line {seen[value]}", value)
            return None
        seen[value] = self.line
        return value

    def number(
        self,
        column: str,
        *,
        currency: bool = False,
        percent: bool = False,
        default: float | None = None,
        optional: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        above: float | None = None,
        integer: bool = False,
        what: str = "a number",
    ) -> float | None:
        """A numeric cell, with optional bounds; blank means ``default``, or None for an
        ``optional`` cell (a problem if neither)."""
        value = self.raw(column)
        if not value:
            if default is None and not optional:
                self.problem(column, f"is empty; expected {what}")
            return default
        try:
            number = parse_number(value, currency=currency, percent=percent)
        except ValueError:
            self.problem(column, f"is not {what}", value)
            return None
        if not math.isfinite(number):
            self.problem(column, f"is too large; expected {what}", value)
            return None
        if maximum is not None and number > maximum:
            self.problem(column, f"must not be more than {maximum:,g}", value)
            return None
        if integer and number != int(number):
            self.problem(column, "must be a whole number", value)
            return None
        if minimum is not None and number < minimum:
            bound = "negative" if minimum == 0 else f"less than {minimum:g}"
            self.problem(column, f"must not be {bound}", value)
            return None
        if above is not None and number <= above:
            self.problem(column, f"must be greater than {above:g}", value)
            return None
        return int(number) if integer else number

    def fraction(
        self,
        column: str,
        *,
        per: str,
        above: float | None = None,
        minimum: float | None = None,
        default: float | None = None,
    ) -> float | None:
        """A rate as a fraction (0.15 or 15%) per ``per``, with the bounds of :meth:`number`
        and at most 1 (100%): a larger one is almost always a percentage typed without its
        sign. Blank means ``default`` (a problem without one)."""
        value = self.number(
            column,
            percent=True,
            above=above,
            minimum=minimum,
            default=default,
            what=f"a fraction per {per}",
        )
        if value is not None and value > 1:
            self.problem(
                column, f"is more than 100% a {per}; write 0.15 or 15% for 15%", self.raw(column)
            )
            return None
        return value

    def money(self, column: str, *, percent: bool = False) -> float | None:
        """A non-negative amount in USD (``$1,500.00`` accepted)."""
        return self.number(
            column, currency=True, percent=percent, minimum=0, what="an amount in USD"
        )

    def boolean(self, column: str, *, default: bool) -> bool | None:
        """true/false, yes/no, 1/0; blank means ``default``."""
        value = self.raw(column).lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.problem(column, "must be true or false", self.raw(column))
        return None

    def choice(self, column: str, allowed: tuple[str, ...], *, default: str | None = None):
        """One of ``allowed`` (case-insensitive); blank means ``default``."""
        value = self.raw(column).lower()
        if not value and default is not None:
            return default
        if value in allowed:
            return value
        self.problem(column, f"must be one of {', '.join(allowed)}", self.raw(column))
        return None


@dataclass
class Table:
    """A CSV file read as rows of text, with the problems found so far."""

    path: Path
    name: str
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # False when the file itself cannot be used (missing, not CSV, a required column missing)
    readable: bool = True
    # why the file could not be opened at all (missing, a folder, a broken link, no permission):
    # a file failure, reported apart from the problems in files that could be read
    file_error: str | None = None
    # rows with more cells than the header: not read, but their ids still count as defined,
    # so a reference to one is not also reported as unknown
    misaligned: list[Row] = field(default_factory=list)

    def ids(self, column: str) -> set[str] | None:
        """Every value of ``column`` in the file, valid row or not; None when the file has no
        such column (references to it cannot be checked)."""
        if column not in self.header:
            return None
        return {row.raw(column) for row in (*self.rows, *self.misaligned)}

    def valid_rows(self):
        """Each row with a function telling whether reading it has added no problem: the
        readers' one rule for keeping a row."""
        for row in self.rows:
            before = len(self.problems)
            yield row, lambda before=before: len(self.problems) == before


def read_table(path: Path, required: tuple[str, ...], allow_empty: bool = False) -> Table:
    """Read ``path``; check the header has every ``required`` column (names are matched
    case-insensitively, order is free, extra columns are kept but not used). A file with a
    header and no rows is a problem unless ``allow_empty``."""
    path = Path(path)
    table = Table(path=path, name=display_path(path))

    def problem(line: int, column: str, message: str, value: str | None = None) -> None:
        table.problems.append(Problem(table.name, line, column, message, value))
        table.readable = table.readable and column == "(row)"

    table.file_error = file_error(path)
    if table.file_error:
        table.readable = False
        return table
    size = path.stat().st_size
    if size > INPUT_FILE_BYTES:  # before reading it
        problem(
            1,
            "(file)",
            f"is {size_text(size)}; an input file may be at most {size_text(INPUT_FILE_BYTES)} "
            f"(README: Size limits)",
        )
        return table
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            records = _records(csv.reader(f))
    except OSError as exc:  # unreadable: no permission, a disk error
        table.file_error, table.readable = (exc.strerror or str(exc)).lower(), False
        return table
    except UnicodeDecodeError as exc:
        problem(1, "(file)", f"is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'")
        return table
    except csv.Error as exc:
        problem(1, "(file)", f"is not valid CSV: {exc}")
        return table
    if not records:
        problem(1, "(header)", "file is empty; expected a header row")
        return table
    if len(records) - 1 > INPUT_ROWS:
        problem(
            1,
            "(file)",
            f"has {len(records) - 1:,} data rows; an input file may have at most "
            f"{INPUT_ROWS:,} (README: Size limits)",
        )
        return table
    header_line, header_cells = records[0]
    table.header = [h.strip().lower() for h in header_cells]
    seen: set[str] = set()
    for name in table.header:
        if name and name in seen:
            problem(header_line, name, "column appears twice in the header")
        seen.add(name)
    got = ",".join(header_cells)
    for name in required:
        if name not in seen:
            problem(header_line, name, "required column is missing", got)
    for line, cells in records[1:]:
        if len(cells) > len(table.header) and any(c.strip() for c in cells[len(table.header) :]):
            problem(line, "(row)", f"has {len(cells)} cells but the header has {len(table.header)}")
            table.misaligned.append(Row(table, line, dict(zip(table.header, cells, strict=False))))
            continue
        table.rows.append(Row(table, line, dict(zip(table.header, cells, strict=False))))
    if not table.rows and not table.misaligned and not table.problems and not allow_empty:
        problem(header_line, "(header)", "file has a header but no data rows")
    return table


def file_error(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, in a few words; None when it can be tried."""
    try:
        if path.is_file():
            path.stat()  # a link loop or a permission problem shows here
            return None
        if path.is_dir():
            return "a folder, not a file"
        if path.is_symlink():
            return "a link that leads nowhere or to itself"
        return "no such file"
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()


def _records(reader) -> list[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on (a quoted cell may span lines)."""
    records, next_line = [], 1
    for cells in reader:
        if any(c.strip() for c in cells):
            records.append((next_line, cells))
        next_line = reader.line_num + 1
    return records
