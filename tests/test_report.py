"""The board report: the PDF's text, pages and furniture, the workbook's round trip, the same
output for the same inputs, and failures that leave nothing half-written."""

import base64
import io
import json
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

import secmodel.analysis.executor
import secmodel.report.board
import secmodel.report.build
import secmodel.report.pdf
import secmodel.report.runner
from secmodel.paths import REPO_ROOT
from secmodel.report.build import PART_TAG, ReportError, make_report

AS_OF = "2026-11-25"
COMPANY = "Acme Analytics"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One report and, for comparison, the CLI's projections of the same inputs."""
    out = tmp_path_factory.mktemp("report")
    request = make_report(as_of=AS_OF, company=COMPANY, out_dir=out)
    from secmodel.cli import main

    assert main(["project", "--out", str(out / "csv")]) == 0
    return request, pdf_text(request.pdf_path)


def pdf_text(path) -> list[str]:
    """Each page's text with runs of white space as one space (table cells wrap lines)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_both_files_written_and_the_notebook_kept(built):
    request, _ = built
    assert request.pdf_path.read_bytes().startswith(b"%PDF")
    assert request.xlsx_path.stat().st_size > 0
    assert request.notebook_path.exists()
    assert not list(request.out_dir.glob(".*.tmp"))


def test_pages_in_their_places(built):
    _, pages = built
    # title page: no running header; then the one-page executive summary
    assert "Security investment roadmap" in pages[0] and "As of 25 November 2026" in pages[0]
    assert pages[1].count("Executive summary") == 1
    assert "budget less spend, last month" in pages[1]
    assert "Scenarios compared" in pages[2]
    # each scenario: a page of revenue and spend, a page of cumulative and share of revenue
    for n, scenario in enumerate(["seed_roadmap", "base", "bull", "bear"]):
        assert f"Scenario {scenario}" in pages[3 + 2 * n]
    # growth uncertainty of base (its row in uncertainty.csv): table and probability chart, two
    # fan charts, a fan chart and the sensitivity table, the tornado chart
    assert "Growth uncertainty: base" in pages[11] and "5,000 simulated growth paths" in pages[11]
    assert "Which assumption matters most" in pages[13]
    assert "Roadmap audit" in pages[15]
    appendix = next(i for i, p in enumerate(pages) if "Appendix A: assumptions" in p)
    checks = next(i for i, p in enumerate(pages) if "Appendix B: model checks" in p)
    assert 15 < appendix < checks == len(pages) - 1


def test_furniture_on_every_page(built):
    _, pages = built
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert f"Confidential: prepared for the board of {COMPANY}" in text
        if number > 1:
            assert f"Security investment roadmap | {COMPANY}" in text


def test_key_figures_as_displayed(built):
    """Figures of projection.csv, formatted as the report shows them. By hand (see
    test_seed_values): seed_roadmap spends $83,455 a month from month 36 and $2,365,425 in all;
    bear spends $1,500 a month, 61 x $1,500 = $91,500 in all."""
    request, pages = built
    summary = pages[1]
    csv = pd.read_csv(request.out_dir / "csv" / "seed_roadmap" / "projection.csv")
    for month in (12, 24, 36, 60):
        assert f"${csv.loc[month, 'cumulative_accrual']:,.0f}" in summary
        assert f"${csv.loc[month, 'spend_accrual']:,.0f}" in summary
    assert "$2,365,425" in summary and "$83,455" in summary and "$91,500" in summary
    assert "month 6 (Jul 2027)" in summary and "month 36 (Jan 2030)" in summary
    assert "150.0% (month 0)" in summary
    text = "\n".join(pages)
    assert "$11,133.33" in text  # the scale tier's accrual in the audit


def test_nothing_that_is_not_for_a_board(built):
    _, pages = built
    text = "\n".join(pages)
    for forbidden in (
        "import ",
        "Traceback",
        "In [",
        "Out[",
        str(REPO_ROOT),
        "/tmp/",
        "Warning",
        "NaN",
        "nan%",
        "$nan",
        "papermill",
        "secmodel.",
    ):
        assert forbidden not in text, forbidden


def test_workbook_round_trip(built):
    request, _ = built
    sheets = pd.read_excel(request.xlsx_path, sheet_name=None)
    assert list(sheets)[:3] == ["Summary", "Assumptions", "Projection seed_roadmap"]
    assert {"Events", "Spend by item", "Roadmap audit"} <= set(sheets)
    for scenario in ("seed_roadmap", "base", "bull", "bear"):
        sheet = sheets[f"Projection {scenario}"]
        assert pd.api.types.is_datetime64_any_dtype(sheet["date"])  # real dates
        sheet["date"] = sheet["date"].dt.strftime("%Y-%m")
        csv = pd.read_csv(request.out_dir / "csv" / scenario / "projection.csv")
        pd.testing.assert_frame_equal(sheet, csv, check_dtype=False)
    assumptions = sheets["Assumptions"]
    hosting = assumptions[(assumptions["id"] == "hosting") & (assumptions["column"] == "amount")]
    assert hosting["value"].tolist() == [500.0] and hosting["line"].tolist() == [2]


def test_workbook_formats(built):
    request, _ = built
    book = openpyxl.load_workbook(request.xlsx_path)
    sheet = book["Projection seed_roadmap"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    cell = lambda column: sheet.cell(row=8, column=header.index(column) + 1)  # noqa: E731
    assert "$" in cell("mrr").number_format
    assert "%" in cell("pct_of_revenue").number_format
    assert cell("date").is_date and cell("date").number_format == "yyyy-mm"
    assert sheet.column_dimensions["B"].width >= 8
    audit = book["Roadmap audit"]
    header = [c.value for c in audit[1]]
    for row in range(2, audit.max_row + 1):  # stated values take their row's unit's format
        unit = audit.cell(row=row, column=header.index("unit") + 1).value
        stated = audit.cell(row=row, column=header.index("stated") + 1).number_format
        assert ("$" in stated) == (unit == "usd_month") and ("%" in stated) == (unit == "fraction")


def test_same_inputs_same_text_and_cells(built, tmp_path):
    request, pages = built
    again = make_report(as_of=AS_OF, company=COMPANY, out_dir=tmp_path)
    assert pdf_text(again.pdf_path) == pages
    first = pd.read_excel(request.xlsx_path, sheet_name=None)
    second = pd.read_excel(again.xlsx_path, sheet_name=None)
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    # and the same bytes: no timestamps, ids or random names in either file
    assert again.pdf_path.read_bytes() == request.pdf_path.read_bytes()
    assert again.xlsx_path.read_bytes() == request.xlsx_path.read_bytes()


def test_one_core_renders_the_same_pdf(built, monkeypatch):
    """The PDF's parts rendered one after the other in this process (no second core) give
    the same file as parts rendered side by side in forked workers."""
    request, _ = built
    monkeypatch.setattr(secmodel.analysis.executor, "usable_cores", lambda: 1)
    assert secmodel.report.build.render_pdf(request) == request.pdf_path.read_bytes()


def test_a_failing_part_is_reported_not_waited_for(built, monkeypatch):
    request, _ = built
    convert = secmodel.report.build.notebook_html

    def broken_second_part(part):
        if any(PART_TAG in c.get("metadata", {}).get("tags", []) for c in part["cells"]):
            raise RuntimeError("a broken part")
        return convert(part)

    monkeypatch.setattr(secmodel.report.build, "notebook_html", broken_second_part)
    with pytest.raises(RuntimeError, match="a broken part"):
        secmodel.report.build.render_pdf(request)


def test_bookmarks_of_both_parts_point_at_their_pages(built):
    request, pages = built
    reader = PdfReader(request.pdf_path)
    flat = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                flat.append(item)

    walk(reader.outline)
    where = {item.title: reader.get_destination_page_number(item) for item in flat}
    for title in ("Executive summary", "Roadmap audit", "Appendix A: assumptions"):
        assert title in pages[where[title]]
    assert where["Appendix B: model checks"] == len(pages) - 1


def test_no_font_program_stored_twice(built):
    """Where whole fonts are embedded, the parts and the page-number layer (drawn as forms on
    the pages) embed the same ones: the file keeps one copy of each, compressed. Where the
    glyphs used are embedded (HarfBuzz-Subset), each document's subset differs."""
    import hashlib

    request, _ = built
    with pikepdf.open(request.pdf_path) as pdf:
        descriptors = [
            o
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"
        ]
        names = {str(d.FontName).split("+")[-1] for d in descriptors}
        streams = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and "/Length1" in o]
        digests = [hashlib.sha256(s.read_bytes()).digest() for s in streams]
        assert names == {"DejaVu-Sans", "DejaVu-Sans-Bold"}
        assert len(set(digests)) == len(digests)
        assert all(s.Filter == "/FlateDecode" for s in streams)
        if not secmodel.report.pdf.fast_font_subsetting():
            assert len(streams) == 2


def test_letter_paper_and_one_scenario(tmp_path):
    request = make_report(scenarios=["bear"], as_of=AS_OF, paper="Letter", out_dir=tmp_path)
    box = PdfReader(request.pdf_path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in
    text = "\n".join(pdf_text(request.pdf_path))
    assert "Scenario bear" in text and "Scenario bull" not in text
    assert "Security investment roadmap |" not in text  # no company given: no name in header


def test_fetcher_refuses_the_network():
    fetcher = secmodel.report.pdf.local_only_fetcher()
    with pytest.raises(ValueError, match="fetches nothing from the network"):
        fetcher.fetch("https://example.com/logo.png")
    assert fetcher.fetch("data:text/plain,hi") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-13-01"], "--as-of must be a date written YYYY-MM-DD"),
        (["--paper", "A3"], "--paper must be A4 or Letter"),
        (["--scenario", "boom"], "unknown scenario 'boom'; known scenarios: seed_roadmap"),
    ],
)
def test_bad_options_refused(args, message, tmp_path, run):
    code, _, err = run("report", *args, "--out", tmp_path / "out")
    assert code == 2 and message in err
    assert not (tmp_path / "out").exists()


def test_a_failing_template_leaves_no_report(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    template = json.loads((REPO_ROOT / "notebooks" / "board_report.ipynb").read_text())
    template["cells"][3]["source"] = "raise RuntimeError('a broken section')"
    (notebooks / "board_report.ipynb").write_text(json.dumps(template))
    monkeypatch.setattr(secmodel.report.build, "NOTEBOOK_DIR", notebooks)
    out = tmp_path / "out"
    out.mkdir()
    (out / "board-report.pdf").write_bytes(b"last month's report")
    with pytest.raises(ReportError) as exc:
        make_report(as_of=AS_OF, out_dir=out)
    message = str(exc.value)
    assert "failed in cell" in message and "RuntimeError: a broken section" in message
    assert "\n" not in message  # one paragraph
    assert (out / "board-report.pdf").read_bytes() == b"last month's report"
    assert not (out / "security-roadmap.xlsx").exists()
    assert (out / "board-report.ipynb").exists()  # kept for debugging


def test_a_failing_render_leaves_no_report(tmp_path, monkeypatch, run):
    def broken(*args):
        raise OSError("no fonts")

    monkeypatch.setattr(secmodel.report.build, "render_pdf", lambda *a: broken(*a))
    out = tmp_path / "out"
    code, _, err = run("report", "--as-of", AS_OF, "--out", out)
    assert code == 1
    assert "Rendering the PDF failed with OSError: no fonts" in err
    assert not (out / "board-report.pdf").exists() and not (out / "security-roadmap.xlsx").exists()


def test_report_template_has_one_parameters_cell():
    template = json.loads((REPO_ROOT / "notebooks" / "board_report.ipynb").read_text())
    tagged = [c for c in template["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1


def test_bad_uncertainty_settings_refused_before_the_kernel(data_dir, tmp_path, run):
    (data_dir / "uncertainty.csv").write_text(
        "scenario,volatility,paths,seed,sensitivity_delta\nbase,-0.1,0,1,1.5\nboom,0.1,10,1,0.2\n"
    )
    code, _, err = run("report", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 2
    for expected in (
        "uncertainty.csv:2: volatility: must not be negative (got '-0.1')",
        "uncertainty.csv:2: paths: must not be less than 1 (got '0')",
        "uncertainty.csv:2: sensitivity_delta: must be below 1 (got '1.5')",
        "uncertainty.csv:3: scenario: unknown scenario; not in scenarios.csv (got 'boom')",
    ):
        assert expected in err
    assert not (tmp_path / "out").exists()


def test_page_numbers_drawn_in_the_pages_own_coordinates(built):
    """The page-number layer is drawn after the content has restored the graphics state: a
    transformation the content leaves in force (WeasyPrint flips the y axis) would put the
    numbers upside down at the top of the page."""
    request, _ = built
    with pikepdf.open(request.pdf_path) as pdf:
        for page in pdf.pages:
            depth, drawn = 0, 0
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "q":
                    depth += 1
                elif str(operator) == "Q":
                    depth -= 1
                elif str(operator) == "cm":
                    assert depth > 0, "a transformation outside q/Q"
                elif str(operator) == "Do" and str(operands[0]).startswith("/PageNumber"):
                    assert depth == 1
                    drawn += 1
            assert drawn == 1 and depth == 0


def test_weasyprint_imported_with_its_libraries_and_the_library_search_restored():
    code = (
        "import ctypes.util; search = ctypes.util.find_library\n"
        "from secmodel.report.pdf import import_weasyprint\n"
        "import_weasyprint()\n"
        "from weasyprint.text.ffi import pango, harfbuzz\n"
        "assert pango is not None and harfbuzz is not None\n"
        "assert ctypes.util.find_library is search\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


def test_joined_document_keeps_language_title_and_version(built):
    request, _ = built
    with pikepdf.open(request.pdf_path) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert str(pdf.docinfo.Title) == "Security investment roadmap"
        assert pdf.pdf_version == "1.7"  # WeasyPrint's, not lowered by the join


def test_long_identifiers_never_broken_in_the_fixed_width_tables(built):
    """The audit and appendix tables get column widths from their text; a column narrower than
    its longest word would break it ("monthl y"). Every identifier of the catalog, the triggers
    and the claims appears whole in the PDF's text, and every status word of the audit."""
    _, pages = built
    text = " ".join(pages)
    data = REPO_ROOT / "data"
    identifiers = [
        *pd.read_csv(data / "catalog.csv", comment="#")["item_id"],
        *pd.read_csv(data / "triggers.csv", comment="#")["trigger_id"],
        *pd.read_csv(data / "roadmap_claims.csv", comment="#")["claim_id"],
        "application_security",
        "not reached",
    ]
    broken = [i for i in identifiers if f" {i} " not in f" {text} "]
    assert not broken


def test_every_chart_of_the_notebook_in_the_pdf_with_its_pixels(built):
    """The charts go to the renderer by reference (not as base64 text) and their PNG data into
    the PDF as it is: each chart of the executed notebook is an image of the PDF, pixel for
    pixel."""
    request, _ = built
    notebook = request.notebook_path.read_text(encoding="utf-8")
    charts = {
        Image.open(io.BytesIO(base64.b64decode(data))).tobytes()
        for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", notebook)
    }
    with pikepdf.open(request.pdf_path) as pdf:
        images = {
            pikepdf.PdfImage(image).as_pil_image().tobytes()
            for page in pdf.pages
            for image in page.get_images().values()
        }
    assert len(charts) >= 20 and images == charts


def test_images_by_reference_leaves_other_outputs_alone():
    png = b"\x89PNG fake"
    inline = f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'
    part = {
        "cells": [
            {"cell_type": "markdown", "source": inline},
            {
                "cell_type": "code",
                "outputs": [
                    {"output_type": "display_data", "data": {"text/html": f"<p>{inline}</p>"}},
                    {"output_type": "stream", "text": inline},
                ],
            },
        ]
    }
    referred, images = secmodel.report.build.images_by_reference(part)
    assert images == {"chart1.png": png}
    html = referred["cells"][1]["outputs"][0]["data"]["text/html"]
    assert html == '<p><img src="memory:chart1.png"/></p>'
    assert referred["cells"][0] == part["cells"][0]
    assert referred["cells"][1]["outputs"][1] == part["cells"][1]["outputs"][1]
    assert "data:image/png" in part["cells"][1]["outputs"][0]["data"]["text/html"]  # a copy


def test_fetcher_serves_images_from_memory():
    fetcher = secmodel.report.pdf.local_only_fetcher({"chart1.png": b"png bytes"})
    response = fetcher.fetch("memory:chart1.png")
    assert response.read() == b"png bytes" and response.content_type == "image/png"
    with pytest.raises(KeyError):
        fetcher.fetch("memory:other.png")


def test_report_kernel_runs_without_the_debugger():
    """The report's kernel is this Python running secmodel.report.kernel: IPython's kernel without
    debugpy, with the model imported as it starts."""
    from jupyter_client import BlockingKernelClient

    with secmodel.report.build.report_kernel() as kernel:
        client = BlockingKernelClient(connection_file=kernel.connection_file)
        client.load_connection_file()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            printed = []
            client.execute_interactive(
                "import sys; print(sys.modules.get('debugpy'),"
                "'secmodel.report.board' in sys.modules,"
                " sys.executable == " + repr(sys.executable) + ")",
                output_hook=lambda m: printed.append(m["content"].get("text", "")),
                timeout=60,
            )
        finally:
            client.stop_channels()
    assert "".join(printed).split() == ["None", "True", "True"]


def test_html_as_nbconverts_own_exporter_without_its_screen_pass(built):
    """The report's exporter skips nbconvert's last pass (keyboard focus for cells, placeholder
    alt text): otherwise the same HTML as nbconvert's HTMLExporter with the same options."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    request, _ = built
    notebook = nbformat.read(str(request.notebook_path), as_version=4)
    ours = secmodel.report.build._exporter()
    theirs = secmodel.report.build.configured_exporter(HTMLExporter)
    for part in secmodel.report.build.notebook_parts(notebook):
        part = nbformat.from_dict(part)
        expected = BeautifulSoup(theirs.from_notebook_node(part)[0], "html.parser")
        for element in expected.select("[tabindex]"):
            del element["tabindex"]
        got = BeautifulSoup(ours.from_notebook_node(part)[0], "html.parser")
        assert "No description has been provided" not in str(expected)  # every image has alt
        assert str(got) == str(expected)


def test_jsonschema_format_checkers_skipped_and_notebooks_still_validated():
    code = (
        "import sys\n"
        "from secmodel.report.build import FORMAT_CHECKERS, skip_format_checkers\n"
        "skip_format_checkers()\n"
        "import nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
        "bad = nbformat.v4.new_notebook(); bad.cells.append({'cell_type': 'nonsense'})\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "    raise SystemExit('an invalid notebook passed')\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "assert all(sys.modules[name] is None for name in FORMAT_CHECKERS)\n"
        "assert 'arrow' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
