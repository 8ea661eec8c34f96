"""The board report: the PDF's text, pages and furniture, the workbook's round trip, the same
output for the same inputs, and failures that leave nothing half-written."""

import json
import re

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

import secmodel.analysis.audit
import secmodel.inputs.loader
import secmodel.report.board
import secmodel.report.build
from secmodel.paths import REPO_ROOT, REPORT_TEMPLATE
from secmodel.report.build import ReportError, make_report
from secmodel.report.pdf import LocalOnlyFetcher
from tests.conftest import SEED_DATA

AS_OF = "2026-11-25"
COMPANY = "Acme Analytics"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One report and, for comparison, the CLI's projections of the same inputs."""
    out = tmp_path_factory.mktemp("report")
    request = make_report(data_dir=SEED_DATA, as_of=AS_OF, company=COMPANY, out_dir=out)
    from secmodel.cli import main

    assert main(["project", "--data", str(SEED_DATA), "--out", str(out / "csv")]) == 0
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
    assert "Budget less spend, Dec 2031" in pages[1]
    # what each tier buys, on one page: the tiers stack (by hand in test_audit: $83,455 a month
    # once the enterprise tier is reached, $33,455 over its $50,000 budget), every catalog line
    assert "What each tier buys" in pages[2] and "24/7 SOC monitoring" in pages[2]
    assert "$83,455 $50,000 ($33,455)" in pages[2]
    assert "Scenarios compared" in pages[3]
    # each scenario: a page of revenue and spend, a page of cumulative and share of revenue
    for n, scenario in enumerate(["Seed roadmap", "Base case", "Bull case", "Bear case"]):
        assert pages[4 + 2 * n].startswith(scenario), pages[4 + 2 * n][:80]
    # growth uncertainty of base (its row in uncertainty.csv): table and probability chart; the
    # three fan charts; the sensitivity table with its tornado chart
    assert (
        "Growth uncertainty: Base case" in pages[12] and "5,000 simulated growth paths" in pages[12]
    )
    assert "Range of outcomes" in pages[13] and pages[13].count("the line is the median path") == 3
    assert "Which assumption matters most" in pages[14] and "One-at-a-time" in pages[14]
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
    """Figures of projection.csv, formatted as the report shows them, by plan year (Year 1 =
    months 0-11). By hand (see test_seed_values): bear spends $1,500 a month, so $18,000 a year
    and 60 x $1,500 = $90,000 over five years (months 0-59, not the 61 months 0-60);
    seed_roadmap spends $83,455 a month from month 36: Years 4 and 5 are 12 x $83,455 =
    $1,001,460 each, and five years are the 61-month $2,365,425 less month 60's $83,455 =
    $2,281,970; in Dec 2031 it is $83,455 - $50,000 = $33,455 over the stage budget."""
    request, pages = built
    summary = pages[1]
    csv = pd.read_csv(request.out_dir / "csv" / "seed_roadmap" / "projection.csv")
    assert f"${csv.loc[0:59, 'spend_accrual'].sum():,.0f}" == "$2,281,970"
    assert "$2,281,970" in summary and "$1,001,460" in summary
    assert "$90,000" in summary and "$18,000" in summary and "$91,500" not in summary
    assert "($33,455)" in summary and "-$" not in summary
    assert (
        "Year 1 (Jan\u2013Dec 2027)" in summary and "Five years (Jan 2027\u2013Dec 2031)" in summary
    )
    assert "Jul 2027 (month 6)" in summary and "Jan 2030 (month 36)" in summary
    assert "24 of 60" in summary  # months over budget: months 36-59
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
    """The sheets in order; each Projection sheet, read by its layout (headers in row 5),
    equals that scenario's projection.csv; the input sheets hold the CSV files' values."""
    request, _ = built
    book = openpyxl.load_workbook(request.xlsx_path)
    assert book.sheetnames == [
        "Read me", "Summary", "Scenarios", "Growth", "Triggers", "Catalog", "Stages",
        "Projection seed_roadmap", "Projection base", "Projection bull", "Projection bear",
        "Checks", "Events", "Spend by item", "Roadmap audit", "Monte Carlo",
        "Trigger probability", "Upgrade timing", "Sensitivity",
    ]  # fmt: skip
    for scenario in ("seed_roadmap", "base", "bull", "bear"):
        sheet = pd.read_excel(request.xlsx_path, sheet_name=f"Projection {scenario}", header=4)
        csv = pd.read_csv(request.out_dir / "csv" / scenario / "projection.csv")
        sheet = sheet.iloc[:, : len(csv.columns)]
        sheet.columns = csv.columns
        assert pd.api.types.is_datetime64_any_dtype(sheet["date"])  # real dates
        sheet["date"] = sheet["date"].dt.strftime("%Y-%m")
        pd.testing.assert_frame_equal(sheet, csv, check_dtype=False)
    catalog = pd.read_excel(request.xlsx_path, sheet_name="Catalog")
    hosting = catalog[catalog["Item (id)"] == "hosting"]
    assert hosting["Amount (USD per cadence; per user; or % of MRR)"].tolist() == [500.0]
    growth = pd.read_excel(request.xlsx_path, sheet_name="Growth")
    seed = growth[growth["Scenario (id)"] == "seed_roadmap"]
    assert seed["User growth (%/month)"].tolist() == [0.5, 0.2, 0.136, 0.03]


def test_workbook_formats(built):
    request, _ = built
    book = openpyxl.load_workbook(request.xlsx_path)
    sheet = book["Projection seed_roadmap"]
    assert sheet.freeze_panes == "C6"
    header = [c.value for c in sheet[5]]
    cell = lambda column: sheet.cell(row=8, column=header.index(column) + 1)  # noqa: E731
    assert "$" in cell("MRR (USD/month)").number_format
    assert "%" in cell("Spend share of MRR (%)").number_format
    assert cell("Month").number_format == "mmm yyyy"
    audit = book["Roadmap audit"]
    header = [c.value for c in audit[1]]
    for row in range(2, audit.max_row + 1):  # stated values take their row's unit's format
        unit = audit.cell(row=row, column=header.index("Unit") + 1).value
        stated = audit.cell(row=row, column=header.index("Stated") + 1).number_format
        assert ("$" in stated) == (unit == "usd_month") and ("%" in stated) == (unit == "fraction")
    summary = pd.read_excel(request.xlsx_path, sheet_name="Summary")
    assert list(summary.columns[2:6]) == ["Seed roadmap", "Base case", "Bull case", "Bear case"]


def test_workbook_summary_is_the_pdf_summary(built):
    """The Summary sheet shows the executive summary's rows and figures (as numbers)."""
    request, pages = built
    book = openpyxl.load_workbook(request.xlsx_path)
    rows = {r[1].value: r for r in book["Summary"].iter_rows(min_row=2) if r[1].value}
    five_years = rows["Five years (Jan 2027\u2013Dec 2031)"]
    assert five_years[2].number_format.startswith('"$"#,##0')
    assert f"${five_years[2].value:,.0f}" in pages[0] + pages[1]
    assert rows["MRR reaches $1M"][5].value == "not within five years"
    assert rows["Months over budget"][2].number_format == '0" of 60"'


def test_workbook_prints_like_a_report(built):
    """Every sheet: landscape, one page wide, its header rows on every page, title and sheet
    name at the top, page numbers at the bottom; tables with a filter on their header row;
    money with negatives in parentheses."""
    request, _ = built
    book = openpyxl.load_workbook(request.xlsx_path)
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # one page wide (1 is the file format's default, which XlsxWriter leaves out), any tall
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert "Security investment roadmap" in sheet.oddHeader.left.text
        assert sheet.oddHeader.right.text == "&A" and "&P" in sheet.oddFooter.center.text
        if sheet.title not in ("Read me", "Summary"):
            assert sheet.auto_filter.ref, sheet.title
    assert book["Catalog"].print_title_rows == "$1:$1"
    projection = book["Projection seed_roadmap"]
    assert projection.print_title_rows == "$4:$5"
    assert projection.auto_filter.ref.startswith("A5:")
    header = [c.value for c in projection[5]]
    money = projection.cell(row=6, column=header.index("Budget less spend (USD/month)") + 1)
    assert money.number_format.endswith('("$"#,##0.00)')  # ($33,455.00), not -$33,455.00


def test_same_inputs_same_text_and_cells(built, tmp_path):
    request, pages = built
    again = make_report(data_dir=SEED_DATA, as_of=AS_OF, company=COMPANY, out_dir=tmp_path)
    assert pdf_text(again.pdf_path) == pages
    first = pd.read_excel(request.xlsx_path, sheet_name=None)
    second = pd.read_excel(again.xlsx_path, sheet_name=None)
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    # and the same bytes: no timestamps, ids or random names in either file
    assert again.pdf_path.read_bytes() == request.pdf_path.read_bytes()
    assert again.xlsx_path.read_bytes() == request.xlsx_path.read_bytes()


def test_letter_paper_and_one_scenario(tmp_path):
    request = make_report(
        data_dir=SEED_DATA, scenarios=["bear"], as_of=AS_OF, paper="Letter", out_dir=tmp_path
    )
    box = PdfReader(request.pdf_path).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # 8.5 x 11 in
    text = "\n".join(pdf_text(request.pdf_path))
    assert "Bear case" in text and "Bull case" not in text
    assert "Security investment roadmap |" not in text  # no company given: no name in header


def test_fetcher_refuses_the_network():
    fetcher = LocalOnlyFetcher()
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
    template = json.loads(REPORT_TEMPLATE.read_text())
    template["cells"][3]["source"] = "raise RuntimeError('a broken section')"
    (notebooks / "board_report.ipynb").write_text(json.dumps(template))
    monkeypatch.setattr(secmodel.report.build, "REPORT_TEMPLATE", notebooks / "board_report.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    (out / "board-report.pdf").write_bytes(b"last month's report")
    with pytest.raises(ReportError) as exc:
        make_report(data_dir=SEED_DATA, as_of=AS_OF, out_dir=out)
    message = str(exc.value)
    assert "failed in cell" in message and "RuntimeError: a broken section" in message
    assert "\n" not in message  # one paragraph
    assert (out / "board-report.pdf").read_bytes() == b"last month's report"
    assert not (out / "security-roadmap.xlsx").exists()
    assert (out / "board-report.ipynb").exists()  # kept for debugging


def test_a_failing_render_leaves_no_report(tmp_path, monkeypatch, run):
    def broken(*args):
        raise OSError("no fonts")

    monkeypatch.setattr(secmodel.report.build, "render_report_pdf", lambda *a: broken(*a))
    out = tmp_path / "out"
    code, _, err = run("report", "--as-of", AS_OF, "--out", out)
    assert code == 1
    assert "Rendering the PDF failed with OSError: no fonts" in err
    assert not (out / "board-report.pdf").exists() and not (out / "security-roadmap.xlsx").exists()


def test_report_template_has_one_parameters_cell():
    template = json.loads(REPORT_TEMPLATE.read_text())
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


def test_joined_document_keeps_language_title_and_version(built):
    request, _ = built
    reader = PdfReader(request.pdf_path)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.metadata.title == "Security investment roadmap"


def test_long_identifiers_never_broken_in_the_wide_tables(built):
    """A column narrower than its longest word would break it ("monthl y"). Every identifier of
    the catalog, the triggers and the claims appears whole in the PDF's text, and every status
    word of the audit."""
    _, pages = built
    text = " ".join(pages)
    data = SEED_DATA
    identifiers = [
        *pd.read_csv(data / "catalog.csv", comment="#")["item_id"],
        *pd.read_csv(data / "triggers.csv", comment="#")["trigger_id"],
        *pd.read_csv(data / "roadmap_claims.csv", comment="#")["claim_id"],
        "application_security",
        "not reached",
    ]
    broken = [i for i in identifiers if f" {i} " not in f" {text} "]
    assert not broken


def test_one_load_of_the_inputs_and_one_projection_per_scenario(tmp_path, monkeypatch):
    """The report's orchestration loads the inputs once and projects each covered scenario
    once (the audit reuses seed_roadmap's); the notebook's kernel gets the results."""
    loads, projected = [], []
    load, project = secmodel.inputs.loader.load_inputs, secmodel.report.board.project_scenario

    def counted_load(*args, **kwargs):
        loads.append(args)
        return load(*args, **kwargs)

    def counted_project(inputs, scenario, *args, **kwargs):
        projected.append(getattr(scenario, "scenario", scenario))
        return project(inputs, scenario, *args, **kwargs)

    monkeypatch.setattr(secmodel.inputs.loader, "load_inputs", counted_load)
    monkeypatch.setattr(secmodel.report.board, "project_scenario", counted_project)
    monkeypatch.setattr(secmodel.analysis.audit, "project_scenario", counted_project)
    make_report(
        data_dir=SEED_DATA, scenarios=["seed_roadmap", "bear"], as_of=AS_OF, out_dir=tmp_path
    )
    assert len(loads) == 1
    assert projected == ["seed_roadmap", "bear"]


def test_company_names_are_text_not_markup(tmp_path):
    """A company name is printed as typed on the title page and in every page header, whatever
    it holds: markup, quotes, a backslash."""
    company = '</style><h1>X</h1> "Acme" \\ Müller'
    request = make_report(
        data_dir=SEED_DATA, scenarios=["bear"], as_of=AS_OF, company=company, out_dir=tmp_path
    )
    pages = pdf_text(request.pdf_path)
    assert company in pages[0]  # the title page
    assert all(f"Security investment roadmap | {company}" in p for p in pages[1:])
    assert "Page 1 of" in pages[0]


def test_a_one_scenario_report_has_no_comparison_section():
    """A comparison needs two scenarios: with one, neither its heading nor its charts."""
    from secmodel import load_inputs
    from secmodel.report import board

    pack = board.build_pack(load_inputs(SEED_DATA), ["bull"])
    assert board.chart_jobs(pack)["comparison"] == []
    assert board.pages(pack, None, "").parts["comparison"] == []
    two = board.build_pack(load_inputs(SEED_DATA), ["bull", "bear"])
    assert len(board.chart_jobs(two)["comparison"]) == 2


def test_identifiers_only_in_the_appendix(built):
    """Scenarios, triggers, items, stages, categories, claims and benchmarks are named by their
    labels and names in the body; their ids (those no reader would take for a word: with an
    underscore or a digit) appear only from Appendix A on."""
    _, pages = built
    appendix = next(i for i, p in enumerate(pages) if "Appendix A: assumptions" in p)
    body = " ".join(pages[:appendix])
    ids = {
        *pd.read_csv(SEED_DATA / "scenarios.csv", comment="#")["scenario"],
        *pd.read_csv(SEED_DATA / "triggers.csv", comment="#")["trigger_id"],
        *pd.read_csv(SEED_DATA / "catalog.csv", comment="#")["item_id"],
        *pd.read_csv(SEED_DATA / "catalog.csv", comment="#")["category"],
        *pd.read_csv(SEED_DATA / "stages.csv", comment="#")["stage"],
        *pd.read_csv(SEED_DATA / "roadmap_claims.csv", comment="#")["claim_id"],
        *pd.read_csv(SEED_DATA / "benchmarks.csv", comment="#")["benchmark_id"],
    }
    coded = sorted(i for i in ids if "_" in i or any(c.isdigit() for c in i))
    assert len(coded) > 40
    found = [i for i in coded if re.search(rf"(?<![\w$]){re.escape(i)}(?![\w])", body)]
    assert found == []


def test_a_long_company_name_is_shortened_in_the_running_header_and_footer():
    """The header and footer share their line with the date and "Page X of Y": an 80-character
    name is cut at a word to 40 characters there; the title page keeps it whole."""
    from datetime import date

    from secmodel.report.build import ReportRequest, page_css, running_name

    long = "Northwind Consolidated Holdings and Subsidiaries of the Pacific Northwest Region"
    assert len(long) == 80
    short = running_name(long)
    assert short == "Northwind Consolidated Holdings and…" and len(short) <= 40
    assert running_name("x" * 80) == "x" * 39 + "\u2026"
    css = page_css(ReportRequest(SEED_DATA, [], date(2026, 12, 1), long, "A4", SEED_DATA))
    assert "Northwind Consolidated Holdings and" in css and "Pacific" not in css
    from secmodel import load_inputs
    from secmodel.report import board

    pack = board.build_pack(load_inputs(SEED_DATA), ["bear"])
    assert long in str(board.title_page(pack, None, long).data)


def test_letter_paper_within_a_tenth_of_a4s_pages(built, tmp_path):
    """Letter is shorter and wider than A4: the same report may take a page or two more, not
    a tenth more (charts are drawn to fit two, or three fan charts, on a page of either)."""
    _, a4 = built
    letter = make_report(
        data_dir=SEED_DATA, as_of=AS_OF, company=COMPANY, paper="Letter", out_dir=tmp_path
    )
    pages = len(PdfReader(letter.pdf_path).pages)
    assert len(a4) <= pages <= 1.1 * len(a4)


def test_a_close_and_a_compare_in_the_report(data_dir, tmp_path, run):
    """--actuals re-forecasts the report from the closed months and adds plan vs actual;
    --compare-to adds what changed since that version (here: hosting $400 -> $500 a month,
    $100 x 61 months = $6,100 in the prices step of each scenario), in the PDF and the
    workbook; neither section without its option."""
    from tests.test_actuals import ACTUALS
    from tests.test_bad_input import set_cell

    set_cell(data_dir, "catalog.csv", "hosting", "amount", "$400.00")  # the last version
    out = tmp_path / "out"
    code, _, err = run("report", "--scenario", "base", "--actuals", ACTUALS, "--compare-to",
                       data_dir, "--as-of", AS_OF, "--out", out)  # fmt: skip
    assert code == 0, err
    text = " ".join(pdf_text(out / "board-report.pdf"))
    assert "Plan vs actual" in text and "Jan 2027–Feb 2028" in text
    assert "What changed since the last version" in text and "$6,100" in text
    book = openpyxl.load_workbook(out / "security-roadmap.xlsx", data_only=True)
    assert {"Actuals", "Plan vs actual", "Bridge", "Upgrades moved"} <= set(book.sheetnames)
    bridge = pd.DataFrame(book["Bridge"].values)
    prices = bridge[bridge[6] == "prices"]
    assert prices[2].tolist() == [6100]  # change, cash (USD)


def test_no_close_sections_without_their_options(built):
    _, pages = built
    text = " ".join(pages)
    assert "Plan vs actual" not in text and "What changed since the last version" not in text
