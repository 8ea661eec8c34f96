"""What a notebook shows, as JupyterLab renders it: whole cells, text left and numbers right,
no money typeset as math, meaning that survives untrusted output, committed images that a
re-run on another machine keeps, sliders on their grid at every end of every range."""

import base64
import io
import json
import re
from configparser import ConfigParser

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from secmodel import load_inputs
from secmodel.present.htmltable import Table, is_number_column
from secmodel.report.runner import COMMITTED, NOTEBOOK_DIR, keep_committed_images, notebook_path
from tests.conftest import SEED_DATA

PATHS = [notebook_path(name) for name in COMMITTED]


def outputs(path):
    """(cell source, output) of every output of a committed notebook."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            yield "".join(cell["source"]), output


def text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_cell_is_cut_and_no_money_can_become_math(path):
    """pandas' display cuts cells at 50 characters with '...'; JupyterLab typesets the text
    between two dollar signs in HTML output unless it is marked for MathJax to skip."""
    for source, output in outputs(path):
        html = text(output.get("data", {}).get("text/html", ""))
        if not html:
            continue
        assert "..." not in re.sub(r"base64,[A-Za-z0-9+/=]+", "", html), source
        assert "<style" not in html, source  # JupyterLab drops it from untrusted output
        assert 'class="dataframe"' not in html, source  # every table through tables.show
        if "$" in re.sub(r"<[^>]*>", "", html):
            assert "mathjax_ignore" in html and "tex2jax_ignore" in html, source


def test_text_left_numbers_right_and_nothing_cut():
    long_note = "a monthly total that leaves out annual items: " * 3
    frame = pd.DataFrame(
        {"Item": ["Hosting", "Splunk"], "USD/month": ["$500", "($1,500)"], "Note": [long_note, ""]},
        index=pd.Index([0, 6], name="Month"),
    )
    html = Table(frame)._repr_html_()
    cells = re.findall(r'<t[hd] style="([^"]*)">([^<]*)</t[hd]>', html)
    styles = {value: style for style, value in cells}
    assert "text-align: left" in styles["Hosting"]
    assert "text-align: right" in styles["($1,500)"]
    assert "text-align: right" in styles["6"]  # the month index is a number
    assert "white-space: normal" in styles[long_note]  # wraps, whole
    assert "mathjax_ignore" in html
    plain = repr(Table(frame))
    assert long_note.strip() in plain  # every character
    assert plain.splitlines()[2].split()[:2] == ["0", "Hosting"]  # a row with its label


@pytest.mark.parametrize(
    ("values", "numeric"),
    [
        (["$1,500", "($33,455)", "-", "n/a"], True),
        (["14.2%", "+0.50 pp", "2.2x", "$1.2M"], True),
        (["$34.0k", "Growth", "$1.0M"], True),  # a column of figures with a word in it
        (["Growth", "Scale", "$5,000"], False),
        (["Jul 2027", "month 6"], False),
    ],
)
def test_which_columns_are_numbers(values, numeric):
    assert is_number_column(values) is numeric


def test_the_audit_says_in_words_what_its_shading_says():
    """Untrusted output can lose colours: every shaded row carries its status word."""
    for _, output in outputs(NOTEBOOK_DIR / "roadmap_audit.ipynb"):
        html = text(output.get("data", {}).get("text/html", ""))
        for row in re.findall(r"<tr>(.*?)</tr>", html):
            if "background-color: #fde0c5" in row:
                assert ">differs<" in row
            if "background-color: #e8e8e8" in row:
                assert ">not reached<" in row


def test_nbval_compares_tables_in_their_text_form():
    """The sanitizer blanks every table's HTML (the same text as its plain form), so a
    changed figure is reported in the aligned plain text, row by row."""
    config = ConfigParser()
    config.read(NOTEBOOK_DIR / "nbval_sanitize.cfg")
    pattern = re.compile(config["table_html"]["regex"])
    tables = 0
    for path in PATHS[:-1]:  # the analyst's notebooks; the board report shows HTML pages
        for source, output in outputs(path):
            html = text(output.get("data", {}).get("text/html", ""))
            if "secmodel-table" in html:
                tables += 1
                assert pattern.sub("", html) == "", source
                assert "  " in text(output["data"]["text/plain"]), source  # aligned columns
    assert tables >= 10


def png_html(pixels: np.ndarray, alt: str = "chart") -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"/></figure>'


def notebook_with(html: str) -> dict:
    output = {"output_type": "display_data", "data": {"text/html": [html]}, "metadata": {}}
    return {"cells": [{"cell_type": "code", "source": "", "outputs": [output]}]}


@pytest.mark.parametrize(
    ("changed_pixels", "alt", "kept"),
    [
        (15, "chart", True),  # anti-aliasing: 15 of 400,000 pixels
        (2_000, "chart", False),  # a moved line
        (0, "another chart", False),  # the words around the image changed
    ],
)
def test_a_rerun_keeps_the_committed_image_when_only_anti_aliasing_moved(changed_pixels, alt, kept):
    rng = np.random.default_rng(0)
    committed = np.full((400, 1000, 3), 255, dtype=np.uint8)
    committed[100:110, :] = 20
    new = committed.copy()
    flat = new.reshape(-1, 3)
    flat[rng.choice(len(flat), changed_pixels, replace=False)] = 128
    before, after = notebook_with(png_html(committed)), notebook_with(png_html(new, alt))
    keep_committed_images(after, before)
    result = after["cells"][0]["outputs"][0]["data"]["text/html"]
    assert (result == before["cells"][0]["outputs"][0]["data"]["text/html"]) is kept


def slider_values(panel):
    _, growth, arpu, users, horizon = panel.children[0].children
    return growth, arpu, users, horizon


def test_sliders_sit_on_their_grid_and_every_end_gives_figures(capsys):
    """Each slider's value lies on min + k x step (the handle where the readout says); each
    end of each range draws the figures and charts, never a traceback."""
    from secmodel.model.whatif import WhatIf
    from secmodel.present.widgets import WhatIfPanel, what_if_panel

    inputs = load_inputs(SEED_DATA)
    panel = what_if_panel(inputs, "base", None, WhatIf(start_users=105, arpu_monthly=4.99))
    assert isinstance(panel, WhatIfPanel)
    assert repr(panel).startswith("What-if panel: run the notebook")
    for slider in slider_values(panel):
        ticks = (slider.value - slider.min) / slider.step
        assert abs(ticks - round(ticks)) < 1e-9, slider.description
    assert slider_values(panel)[2].value == 105
    capsys.readouterr()
    for slider in slider_values(panel):
        start = slider.value
        for end in (slider.min, slider.max):
            slider.value = end
            out = capsys.readouterr().out
            assert "Traceback" not in out, (slider.description, end)
            assert "checks:" in out, (slider.description, end)
        slider.value = start
        capsys.readouterr()


def test_committed_images_are_compact_and_the_same_bytes_each_time():
    from secmodel.report.runner import compact_png

    pixels = np.full((300, 600, 3), 255, dtype=np.uint8)
    pixels[50:250, 100:110] = (0, 114, 178)  # a line in the charts' blue
    pixels[50:250, 110] = (128, 185, 217)  # its anti-aliased edge
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    once, twice = compact_png(buffer.getvalue()), compact_png(buffer.getvalue())
    assert once == twice
    image = Image.open(io.BytesIO(once))
    assert image.mode == "P" and image.size == (600, 300)
    rgb = np.asarray(image.convert("RGB"))
    assert (rgb == pixels).all()  # few colours: kept exactly, white stays white
    half = Image.open(io.BytesIO(compact_png(buffer.getvalue(), 0.75)))
    assert half.size == (450, 225)


def test_committed_notebooks_are_small():
    sizes = {p.stem: p.stat().st_size for p in PATHS}
    assert sum(v for k, v in sizes.items() if k != "board_report") < 1_000_000, sizes
    assert sizes["board_report"] < 2_500_000
