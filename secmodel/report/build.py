"""``secmodel report``: the board-report PDF and the Excel workbook, as a parameterised template
executed and converted.

1. Start the template's kernel and two worker processes; validate the request and load the
   inputs (once); compute the :class:`~secmodel.report.board.BoardPack` (each scenario
   projected once, the audit, the Monte Carlo runs); the workers draw its charts and write the
   workbook from it while the kernel boots.
2. Execute the template ``templates/board_report.ipynb`` with papermill, handing it the
   pages (sections and charts) made from the pack: its kernel only shows them.
3. Convert the executed notebook to HTML with nbconvert (outputs only, our template) and render
   it with WeasyPrint and the print stylesheet (``report.css``).

Both outputs are written to temporary files and renamed at the end, so a failed run leaves the
previous PDF and workbook as they were; the executed notebook is kept for debugging.
"""

import tempfile
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from secmodel.analysis.executor import process_pool, usable_cores
from secmodel.errors import UsageError
from secmodel.formatting import long_date
from secmodel.output import write_files_atomic
from secmodel.paths import DEFAULT_DATA_DIR, REPORT_TEMPLATE, display_path
from secmodel.present.images import PRINT_WIDTH_IN

REPORT_DIR = Path(__file__).resolve().parent
NBCONVERT_TEMPLATES = REPORT_DIR / "templates" / "nbconvert"
PAPER = {"a4": "A4", "letter": "Letter"}
# The kernel's own start-up and shut-down log lines are not the user's business; it imports the
# report's modules as it starts, before it takes the first cell.
KERNEL_ARGUMENTS = [
    "--IPKernelApp.log_level=CRITICAL",
    "--IPKernelApp.exec_lines=import secmodel.report.pages",
]
# The modules the processes that draw the charts start with (one process per usable core); the
# workbook, written later, imports its own.
WORKER_MODULES = ("secmodel.present.charts",)
REMOVED_TAGS = ("parameters", "injected-parameters", "remove-cell")
MARGINS = "20mm 16mm 18mm 16mm"  # top, right, bottom, left
RUNNING_TEXT = "font-family: 'DejaVu Sans', sans-serif; font-size: 7.5pt; color: #666666;"


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


def validate(data_dir, scenarios, as_of, company, paper, out_dir):
    """Check everything that can be checked before the notebook runs; the request and the
    loaded inputs."""
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
    request = ReportRequest(
        inputs.data_dir.resolve(), names, when, company, PAPER[paper.lower()], Path(out_dir)
    )
    return request, inputs


@contextmanager
def report_kernel(cwd: Path) -> Iterator:
    """A ``python3`` kernel for the template, started now and shut down on the way out.

    It boots, and imports the report's modules (``exec_lines``), while this process computes
    the figures and draws the charts."""
    from jupyter_client.manager import KernelManager

    clients = []

    class Manager(KernelManager):
        """Keeps the clients it hands out: nbclient leaves the channels of a kernel it did not
        start open, for the kernel's owner to close."""

        def client(self, **kwargs):
            clients.append(super().client(**kwargs))
            return clients[-1]

    manager = Manager(kernel_name="python3")
    manager.start_kernel(extra_arguments=KERNEL_ARGUMENTS, cwd=str(cwd))
    try:
        yield manager
    finally:
        for client in clients:
            client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute_notebook(request: ReportRequest, pages_path: Path, kernel) -> None:
    """Run the board-report template with the request's parameters and its pages (a file of
    this run) into the kept notebook, in ``kernel`` (a started kernel manager, see
    :func:`report_kernel`)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from secmodel.report.runner import CELL_TIMEOUT_SECONDS, KernelStalled, run_with_retry, scrub

    request.out_dir.mkdir(parents=True, exist_ok=True)

    def run(fresh: bool) -> None:
        with report_kernel(REPORT_DIR) if fresh else nullcontext(kernel) as manager:
            papermill.execute_notebook(
                str(REPORT_TEMPLATE),
                str(request.notebook_path),
                parameters={
                    "data_dir": str(request.data_dir),
                    "scenarios": request.scenarios,
                    "as_of": request.as_of.isoformat(),
                    "company": request.company,
                    "pages_path": str(pages_path),
                },
                kernel_name="python3",
                progress_bar=False,
                # one write at the end (or at a failing cell), not two per cell: the notebook
                # carries every chart
                request_save_on_cell_execute=False,
                km=manager,  # nbclient runs the cells in this kernel, leaves it to its owner
                execution_timeout=CELL_TIMEOUT_SECONDS,
            )

    try:
        run_with_retry(run, "the board report notebook")
    except KernelStalled as exc:
        raise ReportError(
            f"{exc}. Nothing was written to "
            f"{display_path(request.pdf_path)} or {display_path(request.xlsx_path)}."
        ) from None
    except PapermillExecutionError as exc:
        raise ReportError(
            f"The board report notebook failed in cell [{exc.exec_count}] with {exc.ename}: "
            f"{exc.evalue}. Nothing was written to {display_path(request.pdf_path)} or "
            f"{display_path(request.xlsx_path)}; the executed notebook is kept at "
            f"{display_path(request.notebook_path)}."
        ) from None
    scrub(request.notebook_path)


@cache
def exporter():
    """nbconvert's HTML exporter as the report needs it, by its public configuration: our
    template (``templates/nbconvert/board_pdf``), outputs only (no code or prompts), the cells
    tagged in REMOVED_TAGS left out, no anchor links on headings."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        template_name="board_pdf",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS)), enabled=True
    )
    return exporter


def _quoted(text: str) -> str:
    """A CSS string of any text: every character but letters, digits, space and plain
    punctuation written as a CSS escape, so that a quote, a backslash or '</style>' in a
    company name stays text."""
    return (
        '"'
        + "".join(
            c if (c.isalnum() and c.isascii()) or c in " .,:;!?&@()+-_/'" else f"\\{ord(c):x} "
            for c in text
        )
        + '"'
    )


# The running header and footer share their line with the date and "Page X of Y": a longer
# company name is shortened there (the title page carries it whole).
RUNNING_NAME_CHARS = 40


def running_name(company: str) -> str:
    """The company's name for the running header and footer: whole up to RUNNING_NAME_CHARS,
    else shortened at a word (within a word that long) with an ellipsis."""
    if len(company) <= RUNNING_NAME_CHARS:
        return company
    short = textwrap.shorten(company, RUNNING_NAME_CHARS, placeholder="\u2026")
    return short if len(short) > 1 else company[: RUNNING_NAME_CHARS - 1] + "\u2026"


def page_css(request: ReportRequest) -> str:
    """The @page rules: paper size and its landscape pages ("wide"), the running header and
    date (not on the title page), the confidentiality footer, "Page X of Y"; charts at the
    width they were drawn for."""
    from secmodel.report.board import TITLE

    company = running_name(request.company)
    header = TITLE + (f" | {company}" if company else "")
    owner = f"the board of {company}" if company else "the board"
    footer = f"Confidential: prepared for {owner}. Not for distribution."
    return f"""
@page {{
  size: {request.paper};
  margin: {MARGINS};
  @top-left {{ content: {_quoted(header)}; {RUNNING_TEXT} }}
  @top-right {{ content: {_quoted(long_date(request.as_of))}; {RUNNING_TEXT} }}
  @bottom-left {{ content: {_quoted(footer)}; {RUNNING_TEXT} }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {RUNNING_TEXT} }}
}}
@page wide {{ size: {request.paper} landscape; }}
figure.secmodel-chart img {{ width: {PRINT_WIDTH_IN}in; }}
@page title {{
  @top-left {{ content: none; }}
  @top-right {{ content: none; }}
}}
"""


def notebook_html(request: ReportRequest) -> str:
    """The executed notebook as one HTML document with the print stylesheet."""
    import nbformat

    from secmodel.report.board import TITLE

    notebook = nbformat.read(str(request.notebook_path), as_version=4)
    css = (REPORT_DIR / "report.css").read_text(encoding="utf-8") + page_css(request)
    body, _ = exporter().from_notebook_node(
        notebook, resources={"report_css": css, "report_title": TITLE}
    )
    return body


def warm_up_renderers() -> None:
    """Import papermill and WeasyPrint and compile nbconvert's templates now, while other
    processes work, rather than after the notebook has run."""
    import nbformat
    import papermill  # noqa: F401

    import secmodel.report.pdf  # noqa: F401  (WeasyPrint)

    exporter().from_notebook_node(nbformat.v4.new_notebook(), resources={"report_css": ""})


def render_report_pdf(request: ReportRequest) -> bytes:
    """The executed notebook as the board report's PDF."""
    from secmodel.report.pdf import render_pdf

    return render_pdf(notebook_html(request), request.out_dir, request.as_of)


def make_report(
    data_dir=None,
    scenarios: list[str] | None = None,
    as_of: str | None = None,
    company: str = "",
    paper: str = "A4",
    out_dir: Path = Path("reports"),
    actuals_file: Path | None = None,
    compare_to: str | None = None,
) -> ReportRequest:
    """Validate, compute, execute the template, render the PDF and write the workbook; with
    ``actuals_file`` re-forecast from the closed months (with plan vs actual), with
    ``compare_to`` (a data folder or git:REV) the bridge from that version."""
    # The kernel and the drawing processes start first: they boot while this process
    # validates the request and computes the figures.
    with (
        report_kernel(REPORT_DIR) as kernel,
        process_pool(usable_cores(), preload=WORKER_MODULES) as workers,
    ):
        request, inputs = validate(data_dir, scenarios, as_of, company, paper, out_dir)
        from secmodel.inputs.actuals import read_actuals
        from secmodel.inputs.versions import read_version
        from secmodel.report import board
        from secmodel.report.workbook import workbook_bytes

        actuals = read_actuals(actuals_file) if actuals_file is not None else None
        base = read_version(compare_to, request.data_dir) if compare_to else None
        pack = board.build_pack(inputs, request.scenarios, actuals, base)

        def submit_charts():  # the first submission waits for the workers to have started
            return {
                key: [workers.submit(board.draw_chart, job) for job in jobs]
                for key, jobs in board.chart_jobs(pack).items()
            }

        with ThreadPoolExecutor(max_workers=1) as submitting:
            submitted = submitting.submit(submit_charts)
            warm_up_renderers()  # meanwhile
            drawn = submitted.result()
        images = {key: [future.result() for future in futures] for key, futures in drawn.items()}
        # written by a worker while this process renders the PDF
        workbook = workers.submit(workbook_bytes, pack, request.as_of)
        request.out_dir.mkdir(parents=True, exist_ok=True)
        pages = board.pages(
            board.with_charts(pack, images), request.as_of.isoformat(), request.company
        )
        with tempfile.TemporaryDirectory(dir=request.out_dir, prefix=".report-") as work:
            pages_path = Path(work) / "board-pages.pickle"
            pages.save(pages_path)
            execute_notebook(request, pages_path, kernel)
        try:  # the idle kernel is shut down after, not before
            pdf = render_report_pdf(request)
        except Exception as exc:  # WeasyPrint's own errors: say so in one paragraph
            raise ReportError(
                f"Rendering the PDF failed with {type(exc).__name__}: {exc}. Nothing was "
                f"written to {display_path(request.pdf_path)}; the executed notebook is kept "
                f"at {display_path(request.notebook_path)}."
            ) from None
        xlsx = workbook.result()
    write_files_atomic({request.pdf_path: pdf, request.xlsx_path: xlsx})
    return request
