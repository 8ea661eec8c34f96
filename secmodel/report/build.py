"""``python -m secmodel report``: the board-report PDF and the Excel workbook.

The PDF route works offline with pip alone: papermill executes ``notebooks/board_report.ipynb``
with the report's parameters, nbconvert turns the executed notebook into HTML without code,
prompts, parameters or stream output, and WeasyPrint renders that with the project's print
stylesheet. The renderer fetches nothing but data: URIs and local files. Both outputs are written
to temporary files and renamed, so a failed run never leaves half a PDF or workbook behind; the
executed notebook is kept beside them for debugging.

For speed on two or more cores: the kernel is started first and imports the model while this
process validates the inputs; the workbook is built and the renderers imported while the
notebook runs (its charts are drawn in worker processes, see
:mod:`secmodel.report.chartpool`); the PDF is laid out in parts side by side and joined
(:mod:`secmodel.report.pdf`). With one core the same steps
run one after the other and give the same bytes.
"""

import base64
import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from html import escape
from pathlib import Path

from secmodel.errors import UsageError
from secmodel.paths import DEFAULT_DATA_DIR, NOTEBOOK_DIR, PACKAGE_DIR, display_path

# The model modules (pandas, numpy) are imported inside the functions below, after the kernel
# has been started: it boots while this process imports them.

TEMPLATE = "board_report"
TITLE = "Security investment roadmap"
PART_TAG = "new-pdf-part"  # a template cell with this tag starts a part of the PDF
SIDE_MARGIN_MM = 16
MARGINS = f"20mm {SIDE_MARGIN_MM}mm 18mm {SIDE_MARGIN_MM}mm"
RUNNING_TEXT = "font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt; color: #666666;"
# The kernel imports the report's modules as it starts, before it takes the first cell: that
# happens while this process validates the inputs and imports papermill, not after.
KERNEL_ARGUMENTS = [
    "--IPKernelApp.log_level=CRITICAL",
    "--IPKernelApp.exec_lines=import secmodel.report.board",
    "--HistoryManager.enabled=False",  # a report's cells are not the user's IPython history
]
PAPER = {"a4": "A4", "letter": "Letter"}
PAPER_LONG_SIDE_MM = {"A4": 297.0, "Letter": 279.4}
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
    """Check everything that can be checked before the notebook runs."""
    from secmodel.inputs.loader import load_inputs
    from secmodel.model.projection import resolve_scenarios

    try:
        when = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise UsageError(f"--as-of must be a date written YYYY-MM-DD (got '{as_of}')") from None
    if paper.lower() not in PAPER:
        raise UsageError(f"--paper must be A4 or Letter (got '{paper}')")
    inputs = load_inputs(data_dir or DEFAULT_DATA_DIR)
    names = [s.scenario for s in resolve_scenarios(inputs, scenarios)]
    return ReportRequest(
        Path(data_dir or DEFAULT_DATA_DIR).resolve(),
        names,
        when,
        company,
        PAPER[paper.lower()],
        Path(out_dir),
    )


@contextmanager
def report_kernel() -> Iterator:
    """A Python kernel for the template, started now and shut down on the way out.

    Started before anything else, it boots (about as long as the papermill floor's own kernel)
    while this process validates the inputs and imports the renderer.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    clients = []

    class Manager(AsyncKernelManager):
        """Keeps the clients it hands out: papermill leaves the channels of a kernel it did not
        start open, so they are closed here."""

        def client(self, **kwargs):
            clients.append(super().client(**kwargs))
            return clients[-1]

        def format_kernel_cmd(self, extra_arguments=None):
            """This Python, our kernel module (no debugger), the connection file."""
            connection_file = os.path.realpath(self.connection_file)
            arguments = extra_arguments or []
            return [
                sys.executable,
                "-m",
                "secmodel.report.kernel",
                "-f",
                connection_file,
                *arguments,
            ]

    manager = Manager(kernel_name="python3")
    run_sync(manager.start_kernel)(extra_arguments=KERNEL_ARGUMENTS, cwd=str(NOTEBOOK_DIR))
    try:
        yield manager
    finally:
        for client in clients:
            client.stop_channels()
        run_sync(manager.shutdown_kernel)(now=True)


def execute_notebook(request: ReportRequest, kernel) -> None:
    """Run the board-report template with the request's parameters into the kept notebook, in
    ``kernel`` (a started kernel manager, see :func:`report_kernel`)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from secmodel.report.runner import scrub

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
                "paper": request.paper,
            },
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOK_DIR),
            km=kernel,  # started with KERNEL_ARGUMENTS; papermill starts no kernel of its own
            # one write at the end (or at a failing cell), not two per cell: the notebook
            # carries every chart
            request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"The board report notebook failed in cell [{exc.exec_count}] with {exc.ename}: "
            f"{exc.evalue}. Nothing was written to {display_path(request.pdf_path)} or "
            f"{display_path(request.xlsx_path)}; the executed notebook is kept at "
            f"{display_path(request.notebook_path)}."
        ) from None
    scrub(request.notebook_path)


def notebook_parts(notebook) -> list:
    """The executed notebook cut before each cell tagged ``new-pdf-part``: the parts of the PDF
    that are laid out side by side."""
    parts = [[]]
    for cell in notebook.cells:
        if PART_TAG in cell.metadata.get("tags", []) and parts[-1]:
            parts.append([])
        parts[-1].append(cell)
    return [{**notebook, "cells": cells} for cells in parts]


def _print_exporter_class():
    """nbconvert's HTML exporter without its last pass.

    That pass parses the finished page again with BeautifulSoup only to give images without
    alt text a placeholder and to make cells focusable with the keyboard: screen features (every
    chart of the report carries its own alt text; a printed page has no focus). It took ~0.1 s
    a part, and compiling its CSS selectors ~0.35 s more in each process. The rest is
    ``HTMLExporter.from_notebook_node`` as it is: register the two filters its templates use,
    then render the template.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PrintHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PrintHTMLExporter


def configured_exporter(exporter_class):
    """An HTML exporter of ``exporter_class`` as the report needs it: outputs only (no code or
    prompts), the cells tagged in REMOVED_TAGS left out, no anchor links on headings."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = exporter_class(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=False,
        anchor_link_text="",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS), enabled=True
    )
    return exporter


@cache
def _exporter():
    """The report's HTML exporter, made once (it compiles its templates when first used)."""
    return configured_exporter(_print_exporter_class())


def notebook_html(notebook) -> str:
    """An executed notebook (an nbformat node) as an HTML fragment: outputs only, no code,
    prompts, parameter cells or printed text."""
    import nbformat

    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if o.output_type != "stream"]
    body, _resources = _exporter().from_notebook_node(notebook)
    return body


def landscape_text_width_pt(paper: str) -> float:
    """The width between the margins of a landscape page (the audit and the appendix), in
    points."""
    if paper not in PAPER_LONG_SIDE_MM:
        raise ValueError(f"paper must be A4 or Letter (got '{paper}')")
    return (PAPER_LONG_SIDE_MM[paper] - 2 * SIDE_MARGIN_MM) / 25.4 * 72


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_geometry_css(request: ReportRequest) -> str:
    """Paper size and margins, and the landscape pages (named "wide"): one rule for the content
    and for its page-number layer, so that the two line up when stamped together."""
    return f"""
@page {{ size: {request.paper}; margin: {MARGINS}; }}
@page wide {{ size: {request.paper} landscape; }}
"""


def page_css(request: ReportRequest) -> str:
    """The @page rules of the content: the page geometry, the running header and date (not on
    the title page), the confidentiality footer."""
    header = TITLE + (f" | {request.company}" if request.company else "")
    owner = f"the board of {request.company}" if request.company else "the board"
    footer = f"Confidential: prepared for {owner}. Not for distribution."
    return (
        page_geometry_css(request)
        + f"""
@page {{
  @top-left {{ content: {_quoted(header)}; {RUNNING_TEXT} }}
  @top-right {{ content: {_quoted(request.as_of.strftime("%d %B %Y"))}; {RUNNING_TEXT} }}
  @bottom-left {{ content: {_quoted(footer)}; {RUNNING_TEXT} }}
}}
@page title {{
  @top-left {{ content: none; }}
  @top-right {{ content: none; }}
}}
"""
    )


def page_numbers_css(request: ReportRequest) -> str:
    """The page-number layer: the page geometry, "Page X of Y" where the footer ends, one page
    per sheet."""
    return (
        page_geometry_css(request)
        + f"""
@page {{
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {RUNNING_TEXT} }}
}}
div.sheet {{ break-after: page; }}
div.sheet.wide {{ page: wide; }}
"""
    )


def html_document(css: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(TITLE)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def report_html(request: ReportRequest, body: str) -> str:
    """One part of the document: our stylesheet and the notebook's outputs."""
    css = (PACKAGE_DIR / "report" / "report.css").read_text(encoding="utf-8") + page_css(request)
    return html_document(css, body)


def page_numbers_html(request: ReportRequest, sizes: list[tuple[float, float]]) -> str:
    """Empty pages of the given (width, height) with their page numbers only."""
    sheets = "".join(
        '<div class="sheet wide"></div>' if width > height else '<div class="sheet"></div>'
        for width, height in sizes
    )
    return html_document(page_numbers_css(request), sheets)


_layouts = None  # in a PDF worker: the queue it reports its parts' page sizes to


def _report_layouts_to(layouts) -> None:
    global _layouts
    _layouts = layouts


INLINE_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def images_by_reference(part) -> tuple[dict, dict[str, bytes]]:
    """The part with each inline PNG of its HTML outputs replaced by a reference
    (``memory:NAME``), and the PNGs by name: nbconvert and WeasyPrint's HTML parser then do not
    scan a megabyte of base64 text, and no image is decoded twice."""
    from secmodel.report.pdf import MEMORY

    images: dict[str, bytes] = {}

    def refer(match: re.Match) -> str:
        name = f"chart{len(images) + 1}.png"
        images[name] = base64.b64decode(match[1])
        return f'src="{MEMORY}{name}"'

    cells = []
    for cell in part["cells"]:
        if cell.get("cell_type") == "code":
            outputs = []
            for output in cell.get("outputs", []):
                html = output.get("data", {}).get("text/html")
                if isinstance(html, str) and INLINE_PNG.search(html):
                    data = {**output["data"], "text/html": INLINE_PNG.sub(refer, html)}
                    output = {**output, "data": data}
                outputs.append(output)
            cell = {**cell, "outputs": outputs}
        cells.append(cell)
    return {**part, "cells": cells}, images


def render_part(request: ReportRequest, index: int, part):
    """Part ``index`` of the notebook as PDF pages without page numbers (a worker's job); a
    :class:`secmodel.report.pdf.Rendered`.
    Its page sizes go to the queue as soon as it is laid out."""
    from secmodel.report.pdf import render_html

    def laid_out(sizes):
        _layouts.put((index, sizes))

    part, images = images_by_reference(part)
    document = report_html(request, notebook_html(part))
    return render_html(document, request.out_dir, laid_out, images=images)


def _page_sizes(layouts, futures: list) -> list[tuple[float, float]]:
    """Every page's size, in order, as the workers report them after layout (a failed part
    raises its error here rather than leaving this waiting)."""
    from queue import Empty

    by_part: dict[int, list] = {}
    while len(by_part) < len(futures):
        try:
            index, sizes = layouts.get(timeout=0.05)
            by_part[index] = sizes
        except Empty:
            for future in futures:
                if future.done() and future.exception() is not None:
                    raise future.exception() from None
    return [size for index in sorted(by_part) for size in by_part[index]]


def render_pdf(request: ReportRequest) -> bytes:
    """The executed notebook as the report: its parts laid out side by side in worker
    processes; while they write their PDFs, this process lays out the page numbers (the page
    count is known once they are laid out); then one file."""
    import nbformat

    from secmodel.analysis.executor import fork_executor, usable_cores, worker_queue
    from secmodel.report import pdf

    parts = notebook_parts(nbformat.read(str(request.notebook_path), as_version=4))
    layouts = worker_queue()
    workers = min(len(parts), usable_cores())
    with fork_executor(workers, _report_layouts_to, (layouts,)) as pool:
        futures = [pool.submit(render_part, request, i, part) for i, part in enumerate(parts)]
        sizes = _page_sizes(layouts, futures)
        # uncompressed: the join drops its font for the parts' copy, or compresses it
        numbers = pdf.render_html(
            page_numbers_html(request, sizes), request.out_dir, compress=False
        )
        rendered = [future.result() for future in futures]
    return pdf.join([part.pdf for part in rendered], numbers.pdf, TITLE)


def make_report(
    data_dir=None,
    scenarios: list[str] | None = None,
    as_of: str | None = None,
    company: str = "",
    paper: str = "A4",
    out_dir: Path = Path("reports"),
) -> ReportRequest:
    """Validate, execute the template, render the PDF and write the workbook."""
    skip_format_checkers()
    with report_kernel() as kernel:
        request = validate(data_dir, scenarios, as_of, company, paper, out_dir)
        # While the kernel runs in its own process, this one builds the workbook and gets the
        # renderers ready: two cores, two jobs.
        with ThreadPoolExecutor(max_workers=1) as pool:
            workbook = pool.submit(workbook_for, request)
            renderers = pool.submit(warm_up_renderers)
            execute_notebook(request, kernel)
            xlsx, _ = workbook.result(), renderers.result()
        try:  # the idle kernel is shut down after, not before (a tenth of a second)
            pdf = render_pdf(request)
        except Exception as exc:  # WeasyPrint's own errors: say so in one paragraph
            raise ReportError(
                f"Rendering the PDF failed with {type(exc).__name__}: {exc}. Nothing was written "
                f"to {display_path(request.pdf_path)}; the executed notebook is kept at "
                f"{display_path(request.notebook_path)}."
            ) from None
    from secmodel.output import write_bytes_atomic

    write_bytes_atomic(request.pdf_path, pdf)
    write_bytes_atomic(request.xlsx_path, xlsx)
    return request


def workbook_for(request: ReportRequest) -> bytes:
    from secmodel.report.workbook import workbook_bytes

    return workbook_bytes(request.data_dir, request.scenarios, request.as_of)


def warm_up_renderers() -> None:
    """Import WeasyPrint and nbconvert and compile nbconvert's template once, so that turning
    the executed notebook into a PDF starts at once."""
    import nbformat
    import pikepdf  # noqa: F401

    from secmodel.report.pdf import import_weasyprint

    import_weasyprint()
    notebook_html(nbformat.v4.new_notebook())


# jsonschema's optional format checkers (jupyter-events installs them): their packages, and the
# start-up cost of each, measured here
FORMAT_CHECKERS = (
    "rfc3987_syntax",  # compiles a grammar: ~1.4 s
    "rfc3986_validator",  # compiles a large regular expression: ~0.06 s
    "isoduration",  # imports arrow and its 80 locales: ~0.05 s
    "webcolors",
    "uri_template",
    "fqdn",
    "rfc3339_validator",
    "jsonpointer",
)


def skip_format_checkers() -> None:
    """Keep jsonschema from loading its optional format checkers.

    Importing nbformat (through papermill and nbconvert) imports jsonschema, which imports a
    checker package for each string format it can check, if installed: about 1.6 s of every
    start here, most of it compiling the rfc3987_syntax grammar. Notebook validation never
    checks formats, and jsonschema imports each checker inside ``suppress(ImportError)``, so
    marking them unavailable only skips that cost. Nothing else here imports them.
    """
    if "jsonschema" not in sys.modules:
        for name in FORMAT_CHECKERS:
            sys.modules.setdefault(name, None)
