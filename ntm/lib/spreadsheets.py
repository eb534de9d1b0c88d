"""The spreadsheet files people exchange (DESIGN §5), whatever they carry.

Reading (.xlsx first sheet, or .csv in UTF-8 with "," or ";"), writing, the header
check, row numbers as Excel shows them, the reasons a file was refused and the
report of an import. The units import (communes/resources.py) and the scores import
(criteria/resources.py) build their django-import-export resources on these parts.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import tablib
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from ntm.lib.text import fold

FORMATS = ("xlsx", "csv")


class SpreadsheetError(ValueError):
    """The file cannot be read or has the wrong header; nothing was imported.

    `row` is 1 when the header row is wrong, None when the file itself is unreadable.
    """

    def __init__(self, message, *, row=None):
        super().__init__(message)
        self.row = row


# --- Cells ----------------------------------------------------------------------------


def cell(value, width=0) -> str:
    """A cell as text: numbers without ".0", whitespace collapsed, None as "".

    Official codes have fixed widths, and Excel drops the leading zeros of a code
    typed as a number ("01" becomes 1); `width` pads all-digit codes back.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def shown(value: str) -> str:
    """A cell quoted for a message, or "(trống)" when empty."""
    return f"“{value}”" if value else _("(trống)")


def or_list(words) -> str:
    words = list(words)
    return _("%(words)s hoặc %(last)s") % {"words": ", ".join(words[:-1]), "last": words[-1]}


def parse_row(values, columns, widths=None) -> tuple[dict[str, str], bool] | None:
    """The cells of one data row by column, and whether cells lie beyond the last
    column; None for a blank row."""
    widths = widths or {}
    values = list(values)
    cells = {
        column: cell(value, widths.get(column, 0)) for column, value in zip(columns, values, strict=False)
    }
    cells.update((column, "") for column in columns[len(values) :])
    extra = [cell(value) for value in values[len(columns) :]]
    if not any(cells.values()) and not any(extra):
        return None
    return cells, any(extra)


_NUMBER = re.compile(r"[+-]?(\d+(\.\d+)?|\.\d+)")


def _ungrouped(whole: str, separator: str) -> str:
    """ "1.234.567" -> "1234567", or ValueError unless the groups are of three digits."""
    if not re.fullmatch(rf"[+-]?\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", whole):
        raise ValueError(f"badly grouped number: {whole!r}")
    return whole.replace(separator, "")


def parse_decimal(text) -> Decimal:
    """A number as people type it: "85,5", "85.5", "1.234,5", "1,234.5" or "85,5 %".

    A lone separator is the decimal one (Vietnamese writes "85,5", software "85.5");
    with both, the last one is and the other groups thousands. Raises ValueError
    for anything else.
    """
    cleaned = str(text).replace("%", "").replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        whole, _separator, fraction = cleaned.rpartition(decimal)
        cleaned = _ungrouped(whole, "." if decimal == "," else ",") + "." + fraction
    elif cleaned.count(",") > 1 or cleaned.count(".") > 1:
        cleaned = _ungrouped(cleaned, "," if "," in cleaned else ".")
    cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"not a number: {text!r}")
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"not a number: {text!r}") from error


def check_headers(headers, columns) -> list[str]:
    """The header row, checked against `columns` (ignoring case and diacritics)."""
    names = [cell(header) for header in headers or []]
    keys = [fold(name) for name in names]
    expected = [fold(column) for column in columns]
    if keys[: len(columns)] == expected and not any(keys[len(columns) :]):
        return list(columns) + names[len(columns) :]
    message = _("Dòng tiêu đề phải đúng các cột: %(columns)s.") % {"columns": " | ".join(columns)}
    missing = [column for column in columns if fold(column) not in keys]
    unknown = [name for name, key in zip(names, keys, strict=True) if key and key not in expected]
    if missing:
        message += " " + _("Thiếu cột: %(columns)s.") % {"columns": ", ".join(missing)}
    if unknown:
        message += " " + _("Cột lạ: %(columns)s.") % {"columns": ", ".join(unknown)}
    if not missing and not unknown:
        message += " " + _("Các cột không đúng thứ tự.")
    raise SpreadsheetError(message, row=1)


# --- File formats -------------------------------------------------------------------


def dataset_from_rows(rows) -> tablib.Dataset:
    """A dataset of text cells, blank lines kept so row numbers match the sheet's."""
    rows = [[cell(value) for value in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return tablib.Dataset()
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    dataset = tablib.Dataset(headers=rows[0])
    for row in rows[1:]:
        dataset.append(row)
    return dataset


class CSV(base_formats.CSV):
    """CSV as people save it: UTF-8 with or without BOM, "," or ";" between cells.

    Excel under Vietnamese regional settings separates cells with ";". Unlike
    tablib, blank lines are kept so that "Dòng N" is the line the user sees.
    """

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        text = in_stream.removeprefix("\ufeff")
        header = text.split("\n", 1)[0]
        delimiter = ";" if header.count(";") > header.count(",") else ","
        return dataset_from_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


class XLSX(base_formats.XLSX):
    """The first sheet of the workbook (import-export reads the active one)."""

    def create_dataset(self, in_stream):
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            return dataset_from_rows(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()


def read_spreadsheet(source, *, format: str | None = None) -> tablib.Dataset:
    """The first sheet of an .xlsx, or a .csv, as a dataset; SpreadsheetError if unreadable.

    `source` is a path, the file's bytes, or an open/uploaded file. `format` ("xlsx"
    or "csv") defaults to the file name's extension, else to what the bytes look like.
    """
    name = None
    if isinstance(source, str | Path):
        name = str(source)
        data = Path(source).read_bytes()
    elif isinstance(source, bytes):
        data = source
    else:
        name = getattr(source, "name", None)
        data = source.read()
    if format is None and name:
        format = Path(name).suffix
    if format is None:
        format = "xlsx" if data.startswith(b"PK\x03\x04") else "csv"
    format = format.lower().lstrip(".")
    if format not in FORMATS:
        raise SpreadsheetError(_("Chỉ nhận tệp .xlsx hoặc .csv."))
    try:
        if format == "xlsx":
            return XLSX().create_dataset(data)
        return CSV(encoding="utf-8-sig").create_dataset(data)
    except UnicodeDecodeError as error:
        raise SpreadsheetError(_("Tệp CSV phải được lưu với mã hóa UTF-8.")) from error
    except Exception as error:
        # openpyxl and zipfile raise many kinds of errors for a damaged file.
        raise SpreadsheetError(
            _("Không đọc được tệp: tệp hỏng hoặc không phải %(format)s.") % {"format": format}
        ) from error


def render_spreadsheet(dataset: tablib.Dataset, *, format: str = "xlsx") -> bytes:
    """The bytes of an .xlsx or a .csv (UTF-8 with BOM, which Excel needs) for `dataset`."""
    format = format.lower().lstrip(".")
    if format == "xlsx":
        return XLSX().export_data(dataset)
    if format == "csv":
        return CSV().export_data(dataset).encode("utf-8-sig")
    raise SpreadsheetError(_("Chỉ nhận tệp .xlsx hoặc .csv."))


# --- Import-export: all or nothing, rows numbered as in the sheet ---------------------


class AllOrNothingMixin:
    """For a ModelResource: one transaction, rolled back unless every row is valid.

    DESIGN §5 wants nothing written from a file with a bad row. Without this the
    admin's confirm step would commit the valid rows of a file that went bad after
    its preview.
    """

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs
        )


class SpreadsheetResult(Result):
    """import-export's result, with rows numbered as the spreadsheet numbers them.

    import-export counts data rows from 1; people read the numbers Excel shows
    (header = row 1), so the admin's error table, the commands and any page all
    say the same "Dòng N". Blank lines are kept out of the preview.
    """

    def append_row_result(self, row_result):
        if not getattr(row_result, "is_blank", False):
            super().append_row_result(row_result)

    def increment_row_result_total(self, row_result):
        if not getattr(row_result, "is_blank", False):
            super().increment_row_result_total(row_result)

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + 1, row, validation_error)

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + 1, row, errors)

    def row_errors(self):
        return [(row.errors[0].number + 1, row.errors) for row in self.rows if row.errors]


def blank_row_result(resource) -> RowResult:
    """The result of a blank line (or of any line of an unusable file): skipped, not shown."""
    row_result = resource.get_row_result_class()()
    row_result.import_type = RowResult.IMPORT_TYPE_SKIP
    row_result.is_blank = True
    return row_result


class RowErrors(dict):
    """Messages of one row by column, as ValidationError(dict) takes them."""

    def add(self, column, message):
        self.setdefault(column, []).append(message)


@dataclass(frozen=True)
class RowError:
    """One reason a file was refused. `row` is the spreadsheet's row number (header = 1)."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        return _("Dòng %(row)d: %(message)s") % {"row": self.row, "message": self.message}


def result_errors(result: Result) -> list[RowError]:
    """Every reason in an import-export result, in row order."""
    errors = [RowError(getattr(e.error, "row", None), "", str(e.error)) for e in result.base_errors]
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            column = "" if column == NON_FIELD_ERRORS else column
            errors.extend(RowError(invalid.number, column, str(message)) for message in messages)
    for number, row_errors in result.row_errors():
        errors.extend(
            RowError(number, "", _("Lỗi khi ghi: %(error)s") % {"error": error.error}) for error in row_errors
        )
    return sorted(errors, key=lambda error: error.row or 0)


@dataclass
class ImportReport:
    """What an import did, or would do (`dry_run`), and why a file was refused."""

    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    #: import-export's result, for a page that renders the preview rows.
    result: Result | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary_lines(self) -> list[str]:
        raise NotImplementedError


def refuse_file(report: ImportReport, stderr):
    """For import commands: print every bad row, then stop with a non-zero exit."""
    from django.core.management.base import CommandError

    for error in report.errors:
        stderr.write(str(error))
    rows = {error.row for error in report.errors}
    return CommandError(
        _("Tệp có %(errors)d lỗi ở %(rows)d dòng; không ghi gì vào cơ sở dữ liệu.")
        % {"errors": len(report.errors), "rows": len(rows)}
    )
