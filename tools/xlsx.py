"""Write .xlsx files part by part, as Excel does, for benches and tests.

openpyxl writes every text inline and, in write-only mode, no <dimension>: files
nobody sends, slow to write at 100,000 rows. Here a workbook is a few XML parts
written straight into a zip, a row at a time: texts in a shared-strings table (as
Excel saves them) or inline, with or without a dimension, and, for the tests of
bounded imports, the shapes a hostile file takes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@dataclass(frozen=True)
class Formula:
    """A formula cell, as Excel stores it (no cached value)."""

    text: str


def column_letter(index: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(reference: str, value, strings: dict[str, int] | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        return f'<c r="{reference}"><f>{escape(value.text.removeprefix("="))}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = str(value)
    if strings is None:
        return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
    index = strings.setdefault(text, len(strings))
    return f'<c r="{reference}" t="s"><v>{index}</v></c>'


def write_xlsx(
    rows: Iterable[Iterable],
    *,
    shared_strings: bool = True,
    dimension: str | None = "auto",
    sheets: dict[str, Iterable[Iterable]] | None = None,
) -> bytes:
    """The bytes of a workbook whose first sheet holds `rows` (or of `sheets`, by name).

    `dimension`: "auto" declares the range the rows cover, as Excel does; a string
    declares that range ("A1:XFD1048576"); None leaves it out, as a hostile file may.
    """
    sheets = sheets or {"Sheet1": rows}
    strings: dict[str, int] | None = {} if shared_strings else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, sheet_rows in enumerate(sheets.values(), 1):
            _write_sheet(archive, f"xl/worksheets/sheet{number}.xml", sheet_rows, strings, dimension)
        if strings is not None:
            items = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings)
            archive.writestr(
                "xl/sharedStrings.xml",
                f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>',
            )
        write_package(archive, list(sheets), shared_strings=strings is not None)
    return buffer.getvalue()


def _write_sheet(archive, name, rows, strings, dimension):
    rows = list(rows) if dimension == "auto" else rows
    if dimension == "auto":
        width = max((len(list(row)) for row in rows), default=1)
        dimension = f"A1:{column_letter(max(width, 1))}{max(len(rows), 1)}"
    with archive.open(name, "w", force_zip64=True) as part:
        part.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}">'.encode()
        )
        if dimension:
            part.write(f'<dimension ref="{dimension}"/>'.encode())
        part.write(b"<sheetData>")
        chunk = []
        for number, row in enumerate(rows, 1):
            cells = "".join(
                _cell(f"{column_letter(column)}{number}", value, strings)
                for column, value in enumerate(row, 1)
            )
            chunk.append(f'<row r="{number}">{cells}</row>')
            if len(chunk) == 1000:
                part.write("".join(chunk).encode())
                chunk = []
        part.write("".join(chunk).encode())
        part.write(b"</sheetData></worksheet>")


def write_package(archive: zipfile.ZipFile, sheet_names: list[str], *, shared_strings: bool) -> None:
    """The parts around the sheets: content types, relationships, the workbook."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{WORKSHEET_TYPE}"/>'
        for n in range(1, len(sheet_names) + 1)
    )
    if shared_strings:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
    archive.writestr(
        "[Content_Types].xml",
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>",
    )
    archive.writestr(
        "_rels/.rels",
        f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    sheets = "".join(
        f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheet_names, 1)
    )
    archive.writestr(
        "xl/workbook.xml",
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{sheets}</sheets></workbook>',
    )
    relationships = "".join(
        f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheet_names) + 1)
    )
    if shared_strings:
        relationships += (
            f'<Relationship Id="rId{len(sheet_names) + 1}" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{relationships}</Relationships>',
    )
