"""``python -m secmodel report``: the board-report PDF and the Excel workbook.

The PDF route works offline with pip alone: papermill executes ``notebooks/board_report.ipynb``
with the report's parameters, nbconvert turns the executed notebook into HTML without code,
prompts, parameters or stream output, and WeasyPrint renders that with the project's print
stylesheet. The renderer fetches nothing but data: URIs and local files. Both outputs are written
to temporary files and renamed, so a failed run never leaves half a PDF or workbook behind; the
executed notebook is kept beside them for debugging.
"""

import importlib
import logging
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

from secmodel.audit import load_claims
from secmodel.benchmarks import load_benchmarks
from secmodel.errors import UsageError
from secmodel.inputs import load_inputs
from secmodel.montecarlo import load_uncertainty
from secmodel.output import write_bytes_atomic
from secmodel.paths import DEFAULT_DATA_DIR, PACKAGE_DIR, display_path
from secmodel.projection import resolve_scenarios

TEMPLATE = "board_report"
PAPER = {"a4": "A4", "letter": "Letter"}
REMOVED_TAGS = {"parameters", "injected-parameters", "remove-cell"}


class ReportError(Exception):
    """The report could not be made; the message is one paragraph for the user."""


@dataclass(frozen=True)
class ReportRequest:
    """What the user asked for, validated."""

    data_dir: Path
    scenarios: list[str]
    as_of: date
    company: str
    paper: str
    out_dir: Path

    @property
    def pdf_path(self) -> Path:
        return self.out_dir / "board-report.pdf"

    @property
    def xlsx_path(self) -> Path:
        return self.out_dir / "security-roadmap.xlsx"

    @property
    def notebook_path(self) -> Path:
        return self.out_dir / "board-report.ipynb"


def validate(data_dir, scenarios, as_of, company, paper, out_dir) -> ReportRequest:
    """Check everything that can be checked before a kernel starts."""
    try:
        when = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise UsageError(f"--as-of must be a date written YYYY-MM-DD (got '{as_of}')") from None
    if paper.lower() not in PAPER:
        raise UsageError(f"--paper must be A4 or Letter (got '{paper}')")
    inputs = load_inputs(data_dir or DEFAULT_DATA_DIR)
    load_claims(inputs.data_dir, inputs)
    load_benchmarks(inputs.data_dir)
    load_uncertainty(inputs.data_dir, inputs)
    names = [s.scenario for s in resolve_scenarios(inputs, scenarios)]
    return ReportRequest(
        Path(data_dir or DEFAULT_DATA_DIR).resolve(),
        names,
        when,
        company,
        PAPER[paper.lower()],
        Path(out_dir),
    )


def execute_notebook(request: ReportRequest) -> None:
    """Run the board-report template with the request's parameters into the kept notebook."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from secmodel.runner import NOTEBOOK_DIR, scrub

    request.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(NOTEBOOK_DIR / f"{TEMPLATE}.ipynb"),
            str(request.notebook_path),
            parameters={
                "data_dir": str(request.data_dir),
                "scenarios": request.scenarios,
                "as_of": request.as_of.isoformat(),
                "company": request.company,
            },
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOK_DIR),
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"The board report notebook failed in cell [{exc.exec_count}] with {exc.ename}: "
            f"{exc.evalue}. Nothing was written to {display_path(request.pdf_path)} or "
            f"{display_path(request.xlsx_path)}; the executed notebook is kept at "
            f"{display_path(request.notebook_path)}."
        ) from None
    scrub(request.notebook_path)


def notebook_html(notebook_path: Path) -> str:
    """The executed notebook as an HTML fragment: outputs only, no code, prompts, parameter
    cells or printed text."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.read(str(notebook_path), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if o.output_type != "stream"]
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=False,
        anchor_link_text="",
    )
    remover = TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS)
    exporter.register_preprocessor(remover, enabled=True)
    body, _resources = exporter.from_notebook_node(notebook)
    return body


def page_css(request: ReportRequest) -> str:
    """The @page rules: paper size, running header, page numbers, confidentiality footer."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    header = "Security investment roadmap" + (f" | {request.company}" if request.company else "")
    owner = f"the board of {request.company}" if request.company else "the board"
    footer = f"Confidential: prepared for {owner}. Not for distribution."
    furniture = "font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt; color: #666666;"
    return f"""
@page {{
  size: {request.paper};
  margin: 20mm 16mm 18mm 16mm;
  @top-left {{ content: {quoted(header)}; {furniture} }}
  @top-right {{ content: {quoted(request.as_of.strftime("%d %B %Y"))}; {furniture} }}
  @bottom-left {{ content: {quoted(footer)}; {furniture} }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {furniture} }}
}}
@page wide {{ size: {request.paper} landscape; }}
@page :first {{
  @top-left {{ content: none; }}
  @top-right {{ content: none; }}
}}
"""


def report_html(request: ReportRequest, body: str) -> str:
    """The whole document: our stylesheet and the notebook's outputs."""
    css = (PACKAGE_DIR / "report.css").read_text(encoding="utf-8") + page_css(request)
    title = "Security investment roadmap"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def local_only_fetcher():
    """A WeasyPrint URL fetcher that serves data: URIs and local files and refuses the rest."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not re.match(r"^(data|file):", url, re.IGNORECASE):
                raise ValueError(f"the report fetches nothing from the network: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"data", "file"})


class _QuietCss(logging.Filter):
    """Drop WeasyPrint's notes on CSS it ignores (nbconvert markup); keep real errors."""

    NOISE = ("Ignored", "unsupported", "Unsupported", "Invalid or unsupported", "Expected a ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno < logging.ERROR and any(n in record.getMessage() for n in self.NOISE)
        )


def render_pdf(document: str, base: Path) -> bytes:
    """HTML -> PDF bytes with WeasyPrint, fetching only local resources."""
    import weasyprint

    logger = logging.getLogger("weasyprint")
    quiet = _QuietCss()
    logger.addFilter(quiet)
    try:
        pdf = weasyprint.HTML(
            string=document, base_url=str(base), url_fetcher=local_only_fetcher()
        ).write_pdf(full_fonts=True)  # whole fonts: bigger file, but no slow subsetting
    finally:
        logger.removeFilter(quiet)
    return pdf


def make_report(
    data_dir=None,
    scenarios: list[str] | None = None,
    as_of: str | None = None,
    company: str = "",
    paper: str = "A4",
    out_dir: Path = Path("reports"),
) -> ReportRequest:
    """Validate, execute the template, render the PDF and write the workbook."""
    from secmodel.workbook import workbook_bytes

    skip_iri_format_checker()
    request = validate(data_dir, scenarios, as_of, company, paper, out_dir)
    # While the kernel runs in its own process, this one builds the workbook and imports the
    # renderer: two cores, two jobs.
    with ThreadPoolExecutor(max_workers=1) as pool:
        workbook = pool.submit(workbook_bytes, request.data_dir, request.scenarios)
        renderer = pool.submit(importlib.import_module, "weasyprint")
        execute_notebook(request)
        xlsx, _ = workbook.result(), renderer.result()
    try:
        pdf = render_pdf(
            report_html(request, notebook_html(request.notebook_path)), request.out_dir
        )
    except Exception as exc:  # WeasyPrint's own errors: say so in one paragraph
        raise ReportError(
            f"Rendering the PDF failed with {type(exc).__name__}: {exc}. Nothing was written to "
            f"{display_path(request.pdf_path)}; the executed notebook is kept at "
            f"{display_path(request.notebook_path)}."
        ) from None
    write_bytes_atomic(request.pdf_path, pdf)
    write_bytes_atomic(request.xlsx_path, xlsx)
    return request


def skip_iri_format_checker() -> None:
    """Keep jsonschema from loading its optional IRI format checker.

    Importing nbformat (through papermill and nbconvert) imports jsonschema, which compiles the
    rfc3987_syntax grammar when that package is installed (jupyter-events brings it): about 1.4 s
    of every start here. Notebook validation never checks IRI formats, and jsonschema imports the
    checker inside ``suppress(ImportError)``, so marking it unavailable only skips that cost.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)
