"""The workbook's styles: number formats with negatives in parentheses, one input style (as the
FAST standard asks), headers, notes, print setup, and writing a value by its type."""

from datetime import datetime

import pandas as pd

TITLE_TEXT = "Security investment roadmap"


class Formats:
    """One XlsxWriter format per (style, number format): a workbook keeps a list of them."""

    # Negatives in parentheses, as finance reads them; the positive part leaves the
    # parenthesis's width so that figures line up.
    USD = '"$"#,##0.00_);("$"#,##0.00)'
    USD_WHOLE = '"$"#,##0_);("$"#,##0)'
    PCT = "0.0%_);(0.0%)"
    PCT_INPUT = "0.00%_);(0.00%)"  # inputs such as 13.6%/month need the second decimal
    COUNT = "#,##0.0"
    COUNT_INPUT = "#,##0"
    INTEGER = "0"
    GENERAL = None
    MONTH = "mmm yyyy"

    INPUT_FILL = "#FFF2CC"  # pale yellow, blue figures: inputs, as FAST asks
    INPUT_FONT = "#0000FF"

    def __init__(self, book, title: str = TITLE_TEXT):
        self._book = book
        self._made: dict[tuple[str, str | None], object] = {}
        self.title = title
        self.header = book.add_format({"bold": True, "bottom": 1, "valign": "top"})
        self.wrapped_header = book.add_format(
            {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.figure_header = book.add_format(
            {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top", "align": "right"}
        )
        self.block = book.add_format({"bold": True, "italic": True})
        self.right = book.add_format({"align": "right"})
        self.wrapped = book.add_format({"text_wrap": True, "valign": "top"})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        self.good = book.add_format({"bold": True, "font_color": "#006100", "bg_color": "#C6EFCE"})
        self.bad = book.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})

    def _format(self, style: str, number_format: str | None):
        key = (style, number_format)
        if key not in self._made:
            spec: dict[str, object] = {}
            if number_format and number_format != "General":
                spec["num_format"] = number_format
            if style == "input":
                spec |= {"bg_color": self.INPUT_FILL, "font_color": self.INPUT_FONT, "border": 1,
                         "border_color": "#BFBFBF"}  # fmt: skip
            elif style == "structure":
                spec |= {"font_color": "#7F7F7F"}
            self._made[key] = self._book.add_format(spec) if spec else None
        return self._made[key]

    def __call__(self, number_format: str | None):
        """A value's or a calculated cell's format (None: General)."""
        return self._format("value", number_format)

    def input(self, number_format: str | None):
        """An input cell's format: the one input style."""
        return self._format("input", number_format)

    def structure(self, number_format: str | None):
        """A cell that is structure, not an input (ids, rows): grey."""
        return self._format("structure", number_format)

    def write_value(self, sheet, row: int, col: int, value, fmt) -> None:
        """A value by its type; None, NaN and NaT as an empty cell (as pandas writes one)."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            if fmt is not None:
                sheet.write_blank(row, col, None, fmt)
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, fmt)
        elif isinstance(value, datetime):  # pandas Timestamps are datetimes
            sheet.write_datetime(row, col, value, fmt)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def print_setup(self, sheet, title_rows=(0, 0)) -> None:
        """How a sheet prints: landscape, one page wide (as many pages down as it takes), the
        header rows on every page, the report's title and the sheet's name at the top, page
        numbers at the bottom."""
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(*title_rows)
        sheet.set_header(f"&L{self.title.replace('&', '&&')}&R&A")  # &A: the sheet's name
        sheet.set_footer("&CPage &P of &N")
