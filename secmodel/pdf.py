"""HTML to PDF with WeasyPrint: a document in parts laid out side by side, joined into one file.

WeasyPrint lays a document out in one thread of Python, and the board report's appendix tables
take about as long as all the pages before them. So the report is rendered as parts, each in a
worker process (:mod:`secmodel.parallel`), and joined with pypdf. "Page X of Y" needs the final
page count, so the page numbers are a layer of their own: a document of empty pages of the same
sizes, laid out once the parts are done and stamped onto each page. The renderer fetches nothing
but data: URIs and local files.
"""

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

PT_PER_PX = 0.75  # WeasyPrint measures pages in CSS pixels (1/96 in); PDF in points (1/72 in)


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


@dataclass(frozen=True)
class Rendered:
    """A rendered document: the PDF and the size of each of its pages."""

    pdf: bytes
    page_sizes: list[tuple[float, float]]  # (width, height), points


def render_html(document: str, base: Path) -> Rendered:
    """One HTML document -> PDF, fetching only local resources."""
    import weasyprint

    logger = logging.getLogger("weasyprint")
    quiet = _QuietCss()
    logger.addFilter(quiet)
    try:
        laid_out = weasyprint.HTML(
            string=document, base_url=str(base), url_fetcher=local_only_fetcher()
        ).render()
        pdf = laid_out.write_pdf(full_fonts=True)  # whole fonts: subsetting costs ~0.4 s each
    finally:
        logger.removeFilter(quiet)
    return Rendered(pdf, [(p.width * PT_PER_PX, p.height * PT_PER_PX) for p in laid_out.pages])


def join(parts: list[bytes], page_numbers: bytes, title: str) -> bytes:
    """The parts' pages in order, each with the page-number layer's page of the same number on
    top; the parts' bookmarks are kept."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    layer = PdfReader(io.BytesIO(page_numbers)).pages
    if len(layer) != len(writer.pages):
        raise ValueError(
            f"the page numbers have {len(layer)} pages for {len(writer.pages)} pages of content"
        )
    for page, number in zip(writer.pages, layer, strict=True):
        page.merge_page(number)
        page.compress_content_streams()
    # each part embeds the same whole fonts: keep one copy
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.add_metadata({"/Title": title, "/Producer": "secmodel (WeasyPrint, pypdf)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
