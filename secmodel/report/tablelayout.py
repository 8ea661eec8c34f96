"""Column widths for the report's long tables, from the width of their text in the report's font.

WeasyPrint's automatic table layout measures every cell at its narrowest and its widest before
it lays a table out; for the appendix's hundreds of cells that was most of the time of the PDF's
second part. Here the same sums are done once from the font's advance widths (DejaVu Sans, the
report's font; matplotlib ships a copy), and the table gets fixed column widths
(``table-layout: fixed`` in report.css): one layout pass. The widths follow CSS 2.1's automatic
layout: every column its widest line if they all fit, else its longest word plus a share of the
room left in proportion to what it would need more.
"""

from collections.abc import Iterable
from functools import cache

import pandas as pd

CELL_PADDING_PT = 10.0  # report.css: 5pt either side of a cell's text
SAFETY = 1.01  # the copy of the font WeasyPrint finds may round differently
MISSING_EM = 1.0  # a character DejaVu Sans lacks: another font draws it, assume it wide


@cache
def advance_widths(bold: bool = False) -> dict[int, float]:
    """Each character's advance width in DejaVu Sans (regular or bold), in ems."""
    from fontTools.ttLib import TTFont
    from matplotlib.font_manager import FontProperties, findfont

    weight = "bold" if bold else "normal"
    path = findfont(FontProperties(family="DejaVu Sans", weight=weight), fallback_to_default=False)
    with TTFont(path, lazy=True) as font:  # reads only the tables asked for
        per_em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        return {char: metrics[glyph][0] / per_em for char, glyph in font.getBestCmap().items()}


def text_width(text: str, bold: bool = False) -> float:
    """The width of ``text`` set on one line, in ems (kerning aside)."""
    widths = advance_widths(bold)
    return sum(widths.get(ord(char), MISSING_EM) for char in text)


def _widest_and_longest_word(texts: Iterable[tuple[str, bool]]) -> tuple[float, float]:
    """(widest line, longest word) of (text, bold) pairs, in ems."""
    widest = longest = 0.0
    for text, bold in texts:
        widest = max(widest, text_width(text, bold))
        longest = max([longest] + [text_width(word, bold) for word in text.split()])
    return widest, longest


def column_widths(
    frame: pd.DataFrame, font_pt: float, table_pt: float, unbroken: Iterable = ()
) -> list[float]:
    """Each column's width in points for a table of ``frame`` (texts as shown, bold headers)
    ``table_pt`` points wide in type of ``font_pt`` points; ``unbroken`` columns are never
    wrapped. They add up to ``table_pt`` unless the longest words alone need more (then
    those)."""
    unbroken = set(unbroken)
    most, least = [], []
    for column in frame.columns:
        texts = [(str(column), True)] + [(str(value), False) for value in frame[column]]
        widest, word = _widest_and_longest_word(texts)
        to_points = font_pt * SAFETY
        most.append(widest * to_points + CELL_PADDING_PT)
        least.append(most[-1] if column in unbroken else word * to_points + CELL_PADDING_PT)
    if sum(most) <= table_pt:
        return [w * table_pt / sum(most) for w in most]  # spread the room left over
    if sum(least) >= table_pt:
        return least
    room = table_pt - sum(least)
    more = [m - s for m, s in zip(most, least, strict=True)]
    return [s + room * x / sum(more) for s, x in zip(least, more, strict=True)]


def colgroup(frame: pd.DataFrame, font_pt: float, table_pt: float, unbroken: Iterable = ()) -> str:
    """The table's <colgroup>: :func:`column_widths` as shares of the table's width."""
    widths = column_widths(frame, font_pt, table_pt, unbroken)
    cols = "".join(f'<col style="width: {100 * w / sum(widths):.2f}%">' for w in widths)
    return f"<colgroup>{cols}</colgroup>"
