"""HTML to PDF with WeasyPrint: a document in parts laid out side by side, joined into one file.

WeasyPrint lays a document out in one thread of Python, and the board report's appendix tables
take about as long as all the pages before them. So the report is rendered as parts, each in a
worker process (:mod:`secmodel.analysis.executor`), and joined with pikepdf. "Page X of Y"
needs the final
page count, so the page numbers are a layer of their own: a document of empty pages of the same
sizes, laid out as soon as the parts are laid out (while they are being written) and stamped
onto each page. The renderer fetches nothing but data: URIs, local files and images handed to it
in memory. Plain PNGs go into the PDF as they are (WeasyPrint would decode and encode each
again); fonts are subset where HarfBuzz's subsetter is installed, else embedded whole.
"""

import io
import logging
import re
import struct
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PT_PER_PX = 0.75  # WeasyPrint measures pages in CSS pixels (1/96 in); PDF in points (1/72 in)


def import_weasyprint():
    """``import weasyprint``, without ctypes' compiler-driven library search.

    For each library name WeasyPrint tries that the loader does not find at once (optional
    ones such as libharfbuzz-subset, and other platforms' spellings), cffi asks
    ``ctypes.util.find_library``, which on Linux runs gcc and ld: about half a second of every
    start. WeasyPrint's lists always include the exact Linux file name, which the loader finds
    by itself, so on Linux that search is skipped while WeasyPrint is imported.
    """
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    search = ctypes.util.find_library
    if sys.platform.startswith("linux"):
        ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = search
    return weasyprint


def fast_font_subsetting() -> bool:
    """Whether WeasyPrint has HarfBuzz's subsetter (Debian: libharfbuzz-subset0).

    With it, embedding only the glyphs a document uses takes milliseconds and the report is
    about a megabyte smaller. Without it WeasyPrint subsets with fontTools, about 0.4 s a font,
    slower than embedding the whole fonts, which is done instead.
    """
    import_weasyprint()
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


MEMORY = "memory:"  # images handed to the renderer in memory: <img src="memory:NAME">


def local_only_fetcher(images: dict[str, bytes] | None = None):
    """A WeasyPrint URL fetcher that serves data: URIs, local files and the PNG ``images``
    (``memory:NAME``), and refuses the rest."""
    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    images = images or {}

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(MEMORY):
                png = images[url.removeprefix(MEMORY)]
                return URLFetcherResponse(url, png, {"Content-Type": "image/png"})
            if not re.match(r"^(data|file):", url, re.IGNORECASE):
                raise ValueError(f"the report fetches nothing from the network: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"data", "file"})


def png_image_data(png: bytes) -> bytes:
    """The compressed image data of a PNG file: its IDAT chunks, joined. In a PDF this is a
    Flate stream with PNG predictors (``/DecodeParms << /Predictor 15 >>``)."""
    data, position = [], 8  # after the signature
    while position + 8 <= len(png):
        (length,) = struct.unpack_from(">I", png, position)
        if png[position + 4 : position + 8] == b"IDAT":
            data.append(png[position + 8 : position + 8 + length])
        position += 12 + length  # length, type, data, CRC
    return b"".join(data)


def _plain_png(image) -> bytes | None:
    """The file of a Pillow image opened from a PNG in memory that a PDF can take as it is
    (8 bits per channel, grey or RGB, not interlaced), else None."""
    if image.format != "PNG" or image.mode not in ("L", "RGB") or image.info.get("interlace"):
        return None
    if len(image.tile) != 1 or image.tile[0][3] != image.mode:  # "RGB;16B" = 16 bits
        return None
    fp = getattr(image, "fp", None)
    return fp.getvalue() if isinstance(fp, io.BytesIO) else None


@contextmanager
def png_passthrough():
    """While active, WeasyPrint embeds plain PNG images' compressed data as it is.

    WeasyPrint decodes every PNG and encodes it again to get at the same kind of data (about
    0.7 s for the report's two dozen charts). PNGs that are not plain (alpha, 16 bits,
    interlaced, palette) go WeasyPrint's own way.
    """
    from weasyprint.images import RasterImage

    own = RasterImage.__dict__["_get_png_data"]

    def png_data(pillow_image):
        png = _plain_png(pillow_image)
        return own.__func__(pillow_image) if png is None else png_image_data(png)

    RasterImage._get_png_data = staticmethod(png_data)
    try:
        yield
    finally:
        RasterImage._get_png_data = own


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


def render_html(
    document: str, base: Path, on_laid_out=None, compress=True, images=None
) -> Rendered:
    """One HTML document -> PDF, fetching only local resources and the PNG ``images`` it
    refers to as ``memory:NAME``. ``on_laid_out(page_sizes)`` is called once the pages are
    laid out, before the (slower) writing of the PDF. Uncompressed (``compress=False``) for a
    document whose streams :func:`join` drops or compresses."""
    weasyprint = import_weasyprint()

    logger = logging.getLogger("weasyprint")
    quiet = _QuietCss()
    logger.addFilter(quiet)
    try:
        pages = weasyprint.HTML(
            string=document, base_url=str(base), url_fetcher=local_only_fetcher(images)
        ).render()
        sizes = [(page.width * PT_PER_PX, page.height * PT_PER_PX) for page in pages.pages]
        if on_laid_out is not None:
            on_laid_out(sizes)
        with png_passthrough():
            pdf = pages.write_pdf(
                full_fonts=not fast_font_subsetting(), uncompressed_pdf=not compress
            )
    finally:
        logger.removeFilter(quiet)
    return Rendered(pdf, sizes)


def join(parts: list[bytes], page_numbers: bytes, title: str) -> bytes:
    """The parts' pages in order, each with the page-number layer's page of the same number
    drawn on top; the parts' bookmarks kept; fonts that several parts embed, stored once.

    pikepdf (qpdf) rather than pypdf: pypdf parses every font's width table in Python, which
    took longer than the page-number layer itself.
    """
    import pikepdf

    joined = pikepdf.Pdf.new()
    sources = []  # qpdf copies from them when saving: keep them open until then
    with joined.open_outline() as outline:
        for part in parts:
            source = pikepdf.Pdf.open(io.BytesIO(part))
            sources.append(source)
            first = len(joined.pages)
            joined.pages.extend(source.pages)
            index = {page.objgen: i for i, page in enumerate(source.pages)}
            with source.open_outline() as bookmarks:
                outline.root.extend(_bookmark(item, index, first) for item in bookmarks.root)
        layer = pikepdf.Pdf.open(io.BytesIO(page_numbers))
        sources.append(layer)
        if len(layer.pages) != len(joined.pages):
            raise ValueError(
                f"the page numbers have {len(layer.pages)} pages for {len(joined.pages)} "
                "pages of content"
            )
        for n, (page, number) in enumerate(zip(joined.pages, layer.pages, strict=True), 1):
            # a name per page: WeasyPrint's pages share one resource dictionary
            name = f"/PageNumber{n}"
            form = joined.copy_foreign(number.as_form_xobject())
            page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(name))
            # the content leaves its transformation in force (WeasyPrint flips the y axis):
            # wrap it in q/Q so the numbers are drawn in the page's own coordinates
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(f"\nQ\nq {name} Do Q\n".encode(), prepend=False)
    _store_fonts_once(joined)
    if "/Lang" in sources[0].Root:  # the document's language, for screen readers
        joined.Root.Lang = sources[0].Root.Lang
    joined.docinfo["/Title"] = title
    joined.docinfo["/Producer"] = "secmodel (WeasyPrint, pikepdf)"
    buffer = io.BytesIO()
    joined.save(
        buffer,
        deterministic_id=True,  # same content, same bytes
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version=max(source.pdf_version for source in sources),
    )
    return buffer.getvalue()


def _bookmark(item, index: dict, first: int):
    """A copy of a part's bookmark (and its children) pointing into the joined document."""
    import pikepdf

    target = item.destination
    page = first + index[target[0].objgen]
    copy = pikepdf.OutlineItem(
        str(item.title),
        page,
        "XYZ",
        left=float(target[2]),
        top=float(target[3]),
    )
    copy.is_closed = item.is_closed
    copy.children.extend(_bookmark(child, index, first) for child in item.children)
    return copy


FONT_FILES = ("/FontFile2", "/FontFile3", "/FontFile")


def _font_descriptors(pdf):
    """Every font descriptor in the file: the pages' fonts and those of the page-number forms
    drawn on them."""
    import pikepdf

    for candidate in pdf.objects:
        if (
            isinstance(candidate, pikepdf.Dictionary)
            and candidate.get("/Type") == "/FontDescriptor"
        ):
            yield candidate


def _store_fonts_once(pdf) -> None:
    """Point every font at one copy of each embedded font file (where whole fonts are embedded,
    the parts and the page-number layer embed the same ones, the layer's uncompressed); the
    copies no longer pointed at are not written."""
    import hashlib

    files = [
        (descriptor, key, descriptor[key])
        for descriptor in _font_descriptors(pdf)
        for key in FONT_FILES
        if key in descriptor
    ]
    digests = {}  # font file object -> digest of its font (not of its compression)
    kept = {}  # digest -> the copy kept: a compressed one where there is one
    for _, _, stream in files:
        if stream.objgen not in digests:
            digests[stream.objgen] = digest = hashlib.sha256(stream.read_bytes()).digest()
            if digest not in kept or ("/Filter" in stream and "/Filter" not in kept[digest]):
                kept[digest] = stream
    for descriptor, key, stream in files:
        descriptor[key] = kept[digests[stream.objgen]]
