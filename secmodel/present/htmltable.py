"""A table as a notebook shows it: every cell whole, text left and numbers right, long text
wrapped to the output's width, and the same table as aligned plain text.

pandas' own notebook display cuts cells at 50 characters ("..."), right-aligns text, and keeps
its styles in a <style> block that JupyterLab drops from untrusted (committed) output. Here every
style is an attribute of its cell, which JupyterLab keeps. JupyterLab runs MathJax over HTML
output, and two dollar amounts in one cell would be typeset as math between them: the table's
class asks MathJax (versions 2 and 3) to leave it alone. The plain-text form is what nbval
compares (notebooks/nbval_sanitize.cfg blanks the HTML), so a moved figure shows with its row
label, under its column's header.
"""

import html
import re

import pandas as pd

from secmodel.present.images import NO_MATH

# The wrapper's classes: the first is this module's (nbval's sanitizer finds the table by it),
# then MathJax 2's and MathJax 3's ignore classes.
TABLE_CLASS = f"secmodel-table {NO_MATH}"
# A cell of a number as secmodel formats it: $1,234 / ($33,455) / +12.5 pp / 13.6% / 2.2x / 60,
# or the marks for none ('-', 'n/a', blank).
NUMBER = re.compile(r"^[+(−-]?\$?\d[\d,]*(\.\d+)?( ?[kMB%x]| pp)?\)?$")
NONE_MARKS = {"", "-", "n/a"}
# Text up to SHORT characters stays on one line ("Jan 2027", "item started"); longer text wraps
# in a column at least NARROWEST characters wide (LONG text: at least NARROWEST_LONG, so a note
# does not become a tall strip) and at most WIDEST. The minima add up to less than JupyterLab's
# output width for the widest table (the audit's, nine columns).
SHORT = 20
NARROWEST, NARROWEST_LONG, LONG = 10, 16, 48
WIDEST = 48


def is_number_column(values) -> bool:
    """True when most cells shown are numbers: a column of figures, right-aligned, even with
    a word among them (the 'Stage' row of a transposed table)."""
    texts = [str(v).strip() for v in values]
    shown = [t for t in texts if t not in NONE_MARKS]
    return bool(shown) and 2 * sum(bool(NUMBER.match(t)) for t in shown) > len(shown)


def _cell(tag: str, text, align: str, extra: str = "", header: bool = False) -> str:
    """One cell; a column header wraps between its words (a narrow column of figures under
    'Cumulative (accrual)')."""
    text = str(text)
    style = f"text-align: {align}; vertical-align: top;"
    if header:
        style += " white-space: normal;"
    elif align == "right" or len(text) <= SHORT:
        style += " white-space: nowrap;"
    else:
        narrowest = NARROWEST_LONG if len(text) > LONG else NARROWEST
        style += f" white-space: normal; min-width: {narrowest}ch;"
        style += f" max-width: {WIDEST}ch;"
    return f'<{tag} style="{style}{extra}">{html.escape(text)}</{tag}>'


class Table:
    """A DataFrame of display text for a notebook: ``shade`` maps a column's words to row
    colours (the word stays in the table, so the meaning survives where colours are lost)."""

    def __init__(self, frame: pd.DataFrame, shade: tuple[str, dict[str, str]] | None = None):
        self.frame = frame
        self.shade = shade

    def _row_colour(self, row: pd.Series) -> str:
        if self.shade is None:
            return ""
        column, colours = self.shade
        colour = colours.get(str(row[column]), "")
        return f" background-color: {colour};" if colour else ""

    def _repr_html_(self) -> str:
        frame = self.frame
        index = frame.index.to_frame(index=False) if self._has_index() else None
        aligns = ["right" if is_number_column(frame[c]) else "left" for c in frame.columns]
        index_aligns = (
            ["right" if is_number_column(index[c]) else "left" for c in index.columns]
            if index is not None
            else []
        )
        names = ["" if n is None else n for n in frame.index.names] if index is not None else []
        header = [_cell("th", n, a, header=True) for n, a in zip(names, index_aligns, strict=True)]
        header += [
            _cell("th", c, a, header=True) for c, a in zip(frame.columns, aligns, strict=True)
        ]
        rows = []
        for i, (_, row) in enumerate(frame.iterrows()):
            extra = self._row_colour(row)
            cells = []
            if index is not None:
                cells += [
                    _cell("th", index.iat[i, j], a, extra) for j, a in enumerate(index_aligns)
                ]
            cells += [_cell("td", v, a, extra) for v, a in zip(row, aligns, strict=True)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return (
            f'<div class="{TABLE_CLASS}"><table style="max-width: 100%;">'
            f"<thead><tr>{''.join(header)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

    def _has_index(self) -> bool:
        index = self.frame.index
        return not (isinstance(index, pd.RangeIndex) and index.name is None)

    def __repr__(self) -> str:
        """Aligned plain text, every row and every character."""
        return self.frame.to_string(index=self._has_index(), max_colwidth=None)
