"""HTML to PDF with WeasyPrint, fetching nothing but data: URIs and local files."""

import logging
import os
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path

import weasyprint
from weasyprint.urls import URLFetcher


class LocalOnlyFetcher(URLFetcher):
    """Serves data: URIs and local files; refuses the network."""

    def __init__(self):
        super().__init__(allowed_protocols={"data", "file"})

    def fetch(self, url, headers=None):
        if not re.match(r"^(data|file):", url, re.IGNORECASE):
            raise ValueError(f"the report fetches nothing from the network: {url}")
        return super().fetch(url, headers)


class _QuietCss(logging.Filter):
    """Drop WeasyPrint's notes on CSS it ignores (nbconvert's screen markup); keep errors."""

    NOISE = ("Ignored", "unsupported", "Unsupported", "Invalid or unsupported", "Expected a ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno < logging.ERROR and any(n in record.getMessage() for n in self.NOISE)
        )


@contextmanager
def build_date(day: date):
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) set to ``day`` while active:
    the font subsetter (fontTools, where HarfBuzz's is not installed) stamps each embedded font
    with it instead of the time of the run, so the same document gives the same bytes."""
    epoch = int(datetime.combine(day, time(), tzinfo=UTC).timestamp())
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def render_pdf(document: str, base: Path, day: date) -> bytes:
    """One HTML document as PDF bytes, dated ``day``; relative links resolve against
    ``base``."""
    logger = logging.getLogger("weasyprint")
    quiet = _QuietCss()
    logger.addFilter(quiet)
    try:
        html = weasyprint.HTML(string=document, base_url=str(base), url_fetcher=LocalOnlyFetcher())
        with build_date(day):
            return html.write_pdf()
    finally:
        logger.removeFilter(quiet)
