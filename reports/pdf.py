"""Reports as PDF: an HTML document rendered by WeasyPrint.

The document is self-contained — the stylesheet is inlined, charts are inline
SVG, fonts are found by family name on the server (Tinos, Liberation Serif,
DejaVu Serif: all carry Vietnamese) — so the PDF needs no network, and the
HTML string can be timed on its own against WeasyPrint (`python -m tools.bench`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

STYLESHEET = "reports/report.css"

# WeasyPrint logs every step of every rendering at INFO; its warnings are what matter.
# Set before WeasyPrint is first imported, which parses its own stylesheets.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@cache
def stylesheet() -> str:
    """The report stylesheet, shared with the preview pages (read once per process)."""
    return Path(finders.find(STYLESHEET)).read_text(encoding="utf-8")


def report_html(report, *, snapshot=None) -> str:
    """The complete HTML document WeasyPrint renders."""
    context = {"report": report, "snapshot": snapshot, "stylesheet": mark_safe(stylesheet())}
    return render_to_string("reports/print/document.html", context)


@cache
def _no_fetching():
    """A report embeds everything it shows and fetches nothing, so no text a user typed
    can make the server open a file or a URL while rendering."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=set())


def layout(html: str):
    """WeasyPrint's laid-out document: its `pages` are known, its bytes not written yet."""
    # Imported here: WeasyPrint takes a while to load, and only PDF requests need it.
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetching()).render()


def html_to_pdf(html: str) -> bytes:
    return layout(html).write_pdf()


def render_pdf(report, *, snapshot=None, laid_out: Callable[[int], None] | None = None) -> bytes:
    """The report's PDF; `laid_out(pages)` is told the number of pages once they are laid
    out, before the file is written (a background job shows it)."""
    document = layout(report_html(report, snapshot=snapshot))
    if laid_out is not None:
        laid_out(len(document.pages))
    return document.write_pdf()
