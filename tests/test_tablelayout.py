"""Column widths from text, worked by hand from DejaVu Sans's advance widths (units of 2048 per
em, from the font's hmtx table): a digit 1303 (bold 1425), a space 651."""

import pandas as pd
import pytest

from secmodel.report.tablelayout import CELL_PADDING_PT, SAFETY, colgroup, column_widths, text_width

DIGIT, BOLD_DIGIT, SPACE = 1303 / 2048, 1425 / 2048, 651 / 2048


def test_text_width_in_ems():
    assert text_width("00 00") == pytest.approx(4 * DIGIT + SPACE)
    assert text_width("00", bold=True) == pytest.approx(2 * BOLD_DIGIT)
    assert text_width("") == 0


# Column "0": bold header "0"; cells "00 00" (its widest line) and "0"; longest word "00".
# Column "00": bold header "00" is both its widest line and its longest word.
FRAME = pd.DataFrame({"0": ["00 00", "0"], "00": ["0", "0"]})
FONT_PT = 10.0


def points(ems: float) -> float:
    return ems * FONT_PT * SAFETY + CELL_PADDING_PT


WIDEST_A, WORD_A = points(4 * DIGIT + SPACE), points(2 * DIGIT)  # 38.91, 22.85
WIDEST_B = points(2 * BOLD_DIGIT)  # 24.06


def test_room_for_every_line_spread_over_the_columns():
    widths = column_widths(FRAME, FONT_PT, 100.0)
    total = WIDEST_A + WIDEST_B  # 62.97
    assert widths == pytest.approx([100 * WIDEST_A / total, 100 * WIDEST_B / total])


def test_short_of_room_the_wrappable_column_gives_way():
    # 55 pt: the longest words take 46.91; the 8.09 left go to the only column that can wrap
    widths = column_widths(FRAME, FONT_PT, 55.0)
    assert widths == pytest.approx([WORD_A + (55 - WORD_A - WIDEST_B), WIDEST_B])
    assert sum(widths) == pytest.approx(55)


def test_no_room_even_for_the_longest_words():
    assert column_widths(FRAME, FONT_PT, 40.0) == pytest.approx([WORD_A, WIDEST_B])


def test_unbroken_column_keeps_its_widest_line():
    assert column_widths(FRAME, FONT_PT, 55.0, unbroken=["0"]) == pytest.approx(
        [WIDEST_A, WIDEST_B]
    )


def test_colgroup_gives_shares_of_the_table():
    html = colgroup(FRAME, FONT_PT, 55.0)
    share = 100 * (55 - WIDEST_B) / 55
    assert html == (
        f'<colgroup><col style="width: {share:.2f}%"><col style="width: {100 - share:.2f}%">'
        "</colgroup>"
    )
