"""Reading back what the reports wrote: PDF text and pages, first pages as PNG, workbooks."""

import io
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from pypdf import PdfReader

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "reports"


def pdf_text(content: bytes, *, page: int | None = None, layout: bool = False) -> str:
    """The text as poppler's pdftotext reads it (the whole document, or one page from 1),
    with runs of white space made one space, so phrases do not depend on line breaks.

    With `layout`, text keeps its place on the page: the first line of every cell of a
    table row comes out on one line, in column order.
    """
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        pages = ["-f", str(page), "-l", str(page)] if page else []
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), *pages, file.name, "-"],
            capture_output=True,
            check=True,
        )
    return " ".join(result.stdout.decode().split())


def pdf_pages(content: bytes) -> list:
    return PdfReader(io.BytesIO(content)).pages


def is_landscape(page) -> bool:
    return page.mediabox.width > page.mediabox.height


def pdf_fonts(content: bytes) -> set[str]:
    """Base names of the fonts embedded in the PDF, without the subset prefix ("Tinos-Bold")."""
    fonts = set()
    for page in pdf_pages(content):
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return fonts


def first_page_png(content: bytes, name: str) -> Path:
    """Render the first page at 60 dpi into test-output/reports/, for a person to look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        prefix = OUTPUT / name
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", file.name, str(prefix)],
            check=True,
        )
    return prefix.with_suffix(".png")


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def table_rows(sheet) -> tuple[tuple, list[tuple]]:
    """A report sheet's header row and the rows below it: the header follows the blank
    row under the title lines (which may include the criteria set's provenance note)."""
    rows = sheet_rows(sheet)
    blank = next(index for index, row in enumerate(rows) if not any(row))
    return rows[blank + 1], rows[blank + 2 :]
