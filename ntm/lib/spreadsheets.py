"""The spreadsheet files people exchange (DESIGN §5), whatever they carry.

Used by every import and export (units, scores, and workbooks of several sheets such
as the criteria workbook), on files opened by ntm/lib/spreadsheet_files.py:

- Cells: the words and numbers of a file, and the header check.
- Writing: text that Excel would run as a formula is written with a leading
  apostrophe (OWASP, "CSV injection"); numbers stay numbers. import-export's formats
  read and write through these parts, so the admin's screens do too.
- Checked sheets: a sheet is declared once (`CheckedSheet`: its columns, the check of
  one row, what valid rows write). `run_import` reads it, checks every row, and writes
  in bulk only when every row of every sheet is valid, in one transaction. The pages,
  the commands, background tasks and, through `SheetResource`, the admin's preview
  and confirm screens all call it, so they refuse the same rows with the same words.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import tempfile
from collections.abc import Callable
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from import_export import resources
from import_export.formats import base_formats
from import_export.results import Error, Result, RowResult

from ntm.lib.database import optimize_database
from ntm.lib.spreadsheet_files import MB, Limits, SpreadsheetError, cell, open_spreadsheet
from ntm.lib.text import fold

# --- Cells ----------------------------------------------------------------------------


def shown(value: str) -> str:
    """A cell quoted for a message, or "(trống)" when empty."""
    return f"“{value}”" if value else _("(trống)")


def or_list(words) -> str:
    words = list(words)
    return _("%(words)s hoặc %(last)s") % {"words": ", ".join(words[:-1]), "last": words[-1]}


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


# Excel (and LibreOffice) run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A text in a row of texts joined by line breaks that may be a formula.
_FORMULA_FIRST_IN_ROW = re.compile("\n[" + re.escape("".join(FORMULA_STARTS)) + "]")
# "-2", "+84", "-1.234,5 %": a number written as text is not a formula.
_NUMBER_TEXT = re.compile(r"[+-]?\d[\d.,\u00a0 ]*%?")


def looks_like_formula(text) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_STARTS) and not _NUMBER_TEXT.fullmatch(text)


def neutralise(value):
    """A value safe to hand to Excel: text it would run as a formula gets a leading
    apostrophe, the OWASP way, so Excel shows it as text. Numbers are left alone."""
    return "'" + value if looks_like_formula(value) else value


def unneutralise(text: str) -> str:
    """The text a neutralised cell stood for: what was exported re-imports unchanged."""
    return text[1:] if text.startswith("'") and looks_like_formula(text[1:]) else text


def parse_row(values, columns, widths=None, *, declared=None) -> tuple[dict[str, str], bool] | None:
    """The cells of one data row by column, from the row's text cells (`cell()` of each
    value) under the header's `columns`, and whether cells lie beyond the last column;
    None for a blank row. `declared` (default `columns`) are the keys of the result: an
    optional column the file leaves out reads as empty."""
    cells = dict.fromkeys(declared or columns, "")
    cells.update(zip(columns, values, strict=False))
    for column, width in (widths or {}).items():
        text = cells.get(column)
        if text and len(text) < width and text.isdigit():
            cells[column] = text.zfill(width)
    # Texts have no line breaks (cell() collapses whitespace): one search over the
    # joined row finds the rare cell that starts with an apostrophe.
    if "\n'" in "\n" + "\n".join(cells.values()):
        for column, text in cells.items():
            if text.startswith("'"):
                cells[column] = unneutralise(text)
    has_extra_cells = any(values[len(columns) :])
    if not has_extra_cells and not any(cells.values()):
        return None
    return cells, has_extra_cells


def check_headers(headers, columns, optional=()) -> tuple[str, ...]:
    """The columns the header row names, checked ignoring case and diacritics: all of
    `columns` in order, then any of the `optional` ones, in their order."""
    names = [cell(header) for header in headers or []]
    while names and not names[-1]:
        names.pop()
    keys = [fold(name) for name in names]
    expected = [fold(column) for column in columns]
    extra = keys[len(columns) :]
    if keys[: len(columns)] == expected and extra == [fold(name) for name in optional if fold(name) in extra]:
        return (*columns, *(name for name in optional if fold(name) in extra))
    message = _("Dòng tiêu đề phải đúng các cột: %(columns)s.") % {"columns": " | ".join(columns)}
    if optional:
        message += " " + _("Có thể thêm các cột: %(columns)s.") % {"columns": " | ".join(optional)}
    known = {*expected, *(fold(name) for name in optional)}
    missing = [column for column in columns if fold(column) not in keys]
    unknown = [name for name, key in zip(names, keys, strict=True) if key and key not in known]
    if missing:
        message += " " + _("Thiếu cột: %(columns)s.") % {"columns": ", ".join(missing)}
    if unknown:
        message += " " + _("Cột lạ: %(columns)s.") % {"columns": ", ".join(unknown)}
    if not missing and not unknown:
        message += " " + _("Các cột không đúng thứ tự.")
    raise SpreadsheetError(message, row=1)


# --- Writing, and import-export's formats ------------------------------------------------


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


# How many columns a dataset read for the admin keeps: any file of ours, and a margin.
DATASET_WIDTH = 64


def read_dataset(source, *, format: str | None = None) -> tablib.Dataset:
    """The first sheet of a file as a dataset of text cells (for import-export's admin)."""

    def trimmed(rows):
        for row in rows:
            while row and not row[-1]:
                row.pop()
            yield row

    with open_spreadsheet(source, format=format) as spreadsheet:
        return dataset_from_rows(trimmed(spreadsheet.rows(width=DATASET_WIDTH)))


def neutralised(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` that Excel opens without running any cell as a formula."""
    copy = tablib.Dataset(headers=[neutralise(header) for header in dataset.headers or []] or None)
    for row in dataset:
        copy.append([neutralise(value) for value in row])
    return copy


class CSV(base_formats.CSV):
    """CSV as people save it: UTF-8 with or without BOM, "," or ";" between cells.

    Read as bytes through `open_spreadsheet` (bounded, blank lines kept so that
    "Dòng N" is the line the user sees); written with a BOM, which Excel needs, and
    with formulas neutralised.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_dataset(in_stream, format="csv")

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised(dataset), **kwargs).encode("utf-8-sig")


class XLSX(base_formats.XLSX):
    """The first sheet of the workbook (import-export reads the active one), read
    bounded; written with formulas neutralised."""

    def create_dataset(self, in_stream):
        return read_dataset(in_stream, format="xlsx")

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised(dataset), **kwargs)


def render_spreadsheet(dataset: tablib.Dataset, *, format: str = "xlsx") -> bytes:
    """The bytes of an .xlsx or a .csv (UTF-8 with BOM) for `dataset`, formulas neutralised."""
    format = format.lower().lstrip(".")
    if format == "xlsx":
        return XLSX().export_data(dataset)
    if format == "csv":
        return CSV().export_data(dataset)
    raise SpreadsheetError(_("Chỉ nhận tệp .xlsx hoặc .csv."))


class RowCopy:
    """The rows an import read, written as UTF-8 CSV text (run_import's `copy_to`), for
    its confirmation to re-read without parsing the workbook again. Large copies spool
    to a temporary file, removed when the `with` block ends."""

    def __enter__(self):
        self.file = tempfile.SpooledTemporaryFile(max_size=8 * MB)  # noqa: SIM115 - closed by __exit__
        self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
        self.writerow = csv.writer(self._text).writerow
        return self

    def __exit__(self, *exc_info):
        self.file.close()

    def finish(self):
        """The copy as a binary file, at its start."""
        self._text.flush()
        self._text.detach()
        self.file.seek(0)
        return self.file


# --- Checked sheets ------------------------------------------------------------------------

# What a row does, in import-export's words (the admin shows them).
NEW, UPDATE, SKIP = RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP
# Columns read past a sheet's last one: data there is refused, not silently dropped.
EXTRA_COLUMNS = 20
# Rows a preview lists; the counts cover every row.
PREVIEW_ROWS = 500
# After an import this large, SQLite gathers statistics on what it touched.
OPTIMIZE_AFTER_ROWS = 1000

#: progress(stage, done, total): stage is "read", "check" or "save"; total is None
#: while reading.
Progress = Callable[[str, int, int | None], None]


class RowErrors(dict):
    """Messages of one row by column, as ValidationError(dict) takes them."""

    def add(self, column, message):
        self.setdefault(column, []).append(message)


@dataclass(frozen=True)
class RowError:
    """One reason a file was refused, or one warning. `row` is the spreadsheet's row
    number (header = 1); `sheet` names the sheet of a workbook of several."""

    row: int | None
    column: str
    message: str
    sheet: str = ""

    def __str__(self):
        if self.row is None:
            return f"{self.sheet}: {self.message}" if self.sheet else self.message
        if self.sheet:
            return _("Trang “%(sheet)s”, dòng %(row)d: %(message)s") % {
                "sheet": self.sheet,
                "row": self.row,
                "message": self.message,
            }
        return _("Dòng %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class Row:
    """One non-blank row of a sheet: its number as Excel shows it, its text cells by
    column, and what checking and saving found. Sheets subclass it with __slots__
    for what they parse."""

    __slots__ = ("number", "cells", "has_extra_cells", "errors", "outcome", "instance")

    def __init__(self, number: int, cells: dict[str, str], has_extra_cells: bool = False):
        self.number, self.cells, self.has_extra_cells = number, cells, has_extra_cells
        self.errors: RowErrors | None = None
        self.outcome: str | None = None
        #: What the row saved, kept only for the admin's log (`retain_instances`).
        self.instance = None


class CheckedSheet:
    """One sheet of a file people exchange, declared once.

    A subclass declares `columns` (and `sheet_name` in a workbook of several sheets),
    and three steps:
    - `prepare()`: load, in a few queries, what `self.rows` name;
    - `check(row, errors)`: add the reasons a row is refused to `errors` by column,
      and keep on the row what it means;
    - `save(rows, dry_run=...)`: for a batch of valid rows, decide each row's
      `outcome` (NEW, UPDATE or SKIP) and, unless `dry_run`, write them in bulk.
    `run_import` calls them, and `save` only when every row of every sheet is valid.
    """

    #: The sheet's name in a workbook of several; None reads the first sheet.
    sheet_name: str | None = None
    #: Whether a workbook must have this sheet (and rows in it).
    required = True
    #: Whether a required sheet may have its header and no rows.
    allow_empty = False
    columns: tuple[str, ...] = ()
    #: Columns a file may add after `columns`, in this order (old files stay valid).
    optional_columns: tuple[str, ...] = ()
    #: Codes with a fixed width: Excel drops the leading zeros of "00004".
    code_widths: dict[str, int] = {}
    row_class = Row
    #: Rows compared and written together: bounds memory and the size of one query.
    save_batch = 1000

    def __init__(self, *, user=None):
        self.user = user
        self.rows: list[Row] = []
        self.retain_instances = False
        #: The columns the file's header names (set when it is read).
        self.header: tuple[str, ...] = self.columns

    def parse(self, number: int, values) -> Row | None:
        declared = (*self.columns, *self.optional_columns)
        parsed = parse_row(values, self.header, self.code_widths, declared=declared)
        return None if parsed is None else self.row_class(number, *parsed)

    def prepare(self) -> None:
        pass

    def check(self, row: Row, errors: RowErrors) -> None:
        raise NotImplementedError

    def save(self, rows: list[Row], *, dry_run: bool) -> None:
        raise NotImplementedError

    def save_order(self, row: Row):
        """The order rows are saved in (file order; a sheet may group related rows)."""
        return row.number

    def counts(self) -> dict:
        return {}

    def summary_lines(self) -> list[str]:
        return []

    def describe(self, row: Row) -> str:
        """The row as a preview names it."""
        return " | ".join(filter(None, row.cells.values()))


@dataclass(frozen=True)
class PreviewRow:
    number: int
    outcome: str
    description: str


@dataclass
class ImportReport:
    """What an import did, or would do (`dry_run`), and why a file was refused."""

    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    #: Cells kept as text that looked like formulas.
    warnings: list[RowError] = field(default_factory=list)
    #: The sheet's own counts (by sheet name for a workbook of several sheets).
    counts: dict = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    #: How many rows are new, updated or skipped (unchanged).
    outcomes: dict = field(default_factory=lambda: dict.fromkeys((NEW, UPDATE, SKIP), 0))
    #: The first PREVIEW_ROWS rows, in file order.
    preview: list[PreviewRow] = field(default_factory=list)
    rows_total: int = 0
    columns: tuple[str, ...] = ()
    #: Every checked row, when run_import was asked to keep them (the admin).
    rows: list[Row] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary_lines(self) -> list[str]:
        return list(self.summary)

    def as_dict(self) -> dict:
        """The report as plain data (JSON), as a background task keeps its result."""
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows_total,
            "counts": self.counts,
            "outcomes": self.outcomes,
            "summary": self.summary_lines(),
            "errors": [str(error) for error in self.errors],
            "warnings": [str(warning) for warning in self.warnings],
        }

    @cached_property
    def result(self) -> SpreadsheetResult:
        """import-export's Result of this import, for the admin's screens."""
        return SpreadsheetResult(self)


def _formula_warning(row: int, column: str, text: str, sheet: str) -> RowError:
    excerpt = text if len(text) <= 40 else text[:39] + "…"
    return RowError(
        row,
        column,
        _("Ô %(column)s “%(text)s” trông như công thức: đã lưu dưới dạng chữ, không tính.")
        % {"column": column, "text": excerpt},
        sheet,
    )


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector (reference counting still frees).

    An import holds every row it read, hundreds of thousands of objects without cycles,
    and the collector would walk them all again and again: a tenth of the time of a
    100,000-row import. It runs again when the block ends, in any thread of the process.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@collector_paused()
def run_import(
    source,
    sheets: list[CheckedSheet],
    *,
    format: str | None = None,
    dry_run: bool = False,
    limits: Limits | None = None,
    progress: Progress | None = None,
    progress_every: int = 1000,
    copy_to=None,
    keep_rows: bool = False,
) -> ImportReport:
    """Read, check and (unless `dry_run`) write `sheets` of `source`, all or nothing.

    `source` is whatever `open_spreadsheet` takes. `progress` is called every
    `progress_every` rows of each stage. `copy_to`, a csv writer, receives the rows
    as read (text, blank rows kept): a preview keeps them so that its confirmation
    re-reads plain text, not the workbook. `keep_rows` keeps every row on the report
    (and, for a real import, what each saved) for the admin's screens.
    """
    report = ImportReport(dry_run=dry_run, columns=(*sheets[0].columns, *sheets[0].optional_columns))
    several = len(sheets) > 1 or sheets[0].sheet_name is not None

    def tick(stage, done, total):
        if progress is not None and done % progress_every == 0:
            progress(stage, done, total)

    try:
        with open_spreadsheet(source, format=format, limits=limits) as spreadsheet:
            for sheet in sheets:
                _read_sheet(spreadsheet, sheet, report, several, tick, copy_to)
    except SpreadsheetError as error:
        report.errors.append(RowError(error.row, "", str(error), error.sheet))
        return report

    total = sum(len(sheet.rows) for sheet in sheets)
    report.rows_total, done = total, 0
    for sheet in sheets:
        name = sheet.sheet_name if several else ""
        sheet.prepare()
        for row in sheet.rows:
            errors = RowErrors()
            sheet.check(row, errors)
            if row.has_extra_cells:
                errors.add(
                    NON_FIELD_ERRORS,
                    _("Có dữ liệu ở cột không có tiêu đề (sau cột %(last)s).") % {"last": sheet.header[-1]},
                )
            if errors:
                row.errors = errors
                report.errors.extend(
                    RowError(row.number, "" if column == NON_FIELD_ERRORS else column, str(message), name)
                    for column, messages in errors.items()
                    for message in messages
                )
            done += 1
            tick("check", done, total)

    if report.ok:
        _save(sheets, report, dry_run, tick, total, keep_rows)
    _finish(sheets, report, keep_rows, several)
    return report


def _read_sheet(spreadsheet, sheet, report, several, tick, copy_to):
    name = sheet.sheet_name if several else ""
    width = len(sheet.columns) + len(sheet.optional_columns) + EXTRA_COLUMNS
    try:
        if not sheet.required and not spreadsheet.has_sheet(sheet.sheet_name):
            return
        with closing(spreadsheet.rows(sheet=sheet.sheet_name, width=width)) as rows:
            sheet.header = check_headers(next(rows, None), sheet.columns, sheet.optional_columns)
            if copy_to is not None:
                copy_to.writerow(sheet.header)
            for number, values in enumerate(rows, 2):
                if copy_to is not None:
                    while values and not values[-1]:
                        values.pop()
                    copy_to.writerow(values)
                row = sheet.parse(number, values)
                if row is not None:
                    sheet.rows.append(row)
                    # One search over the joined row (texts have no line breaks) sorts out
                    # nearly every row before the test of each cell.
                    if _FORMULA_FIRST_IN_ROW.search("\n" + "\n".join(row.cells.values())):
                        report.warnings.extend(
                            _formula_warning(number, column, text, name)
                            for column, text in row.cells.items()
                            if looks_like_formula(text)
                        )
                tick("read", number - 1, None)
    except SpreadsheetError as error:
        error.sheet = error.sheet or name
        raise
    if not sheet.rows and sheet.required and not sheet.allow_empty:
        raise SpreadsheetError(_("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."), sheet=name)


def _save(sheets, report, dry_run, tick, total, keep_rows):
    done = 0
    try:
        with transaction.atomic():
            for sheet in sheets:
                sheet.retain_instances = keep_rows and not dry_run
                rows = sorted(sheet.rows, key=sheet.save_order)
                for start in range(0, len(rows), sheet.save_batch):
                    batch = rows[start : start + sheet.save_batch]
                    sheet.save(batch, dry_run=dry_run)
                    for _row in batch:
                        done += 1
                        tick("save", done, total)
            if dry_run:
                # A preview keeps nothing, whatever a sheet may have written to compare.
                transaction.set_rollback(True)
    except IntegrityError:
        # Someone wrote the same rows while this import ran: the whole import is undone.
        report.errors.append(
            RowError(
                None,
                "",
                _("Dữ liệu vừa được người khác thay đổi trong lúc nhập; không ghi gì. Hãy nhập lại tệp."),
            )
        )
        return
    if not dry_run and total >= OPTIMIZE_AFTER_ROWS:
        transaction.on_commit(optimize_database)


def _finish(sheets, report, keep_rows, several):
    for sheet in sheets:
        for row in sheet.rows:
            if row.outcome is not None:
                report.outcomes[row.outcome] += 1
                if len(report.preview) < PREVIEW_ROWS:
                    report.preview.append(PreviewRow(row.number, row.outcome, sheet.describe(row)))
        report.summary.extend(sheet.summary_lines())
    if several:
        report.counts = {sheet.sheet_name: sheet.counts() for sheet in sheets}
    else:
        report.counts = sheets[0].counts()
    if keep_rows:
        report.rows = [row for sheet in sheets for row in sheet.rows]


# --- django-import-export: the admin's screens run the checked sheet ------------------------


class SpreadsheetResult(Result):
    """import-export's Result of an ImportReport, rows numbered as in the sheet.

    The admin's templates read it: file errors, invalid rows with their errors by
    column, and the preview (at most PREVIEW_ROWS rows, `preview_omitted` more).
    """

    def __init__(self, report: ImportReport):
        super().__init__()
        self.report = report
        self.warnings = report.warnings
        self.diff_headers = list(report.columns)
        self.total_rows = report.rows_total
        self.totals.update(report.outcomes)
        self.preview_omitted = 0
        for error in report.errors:
            if error.row is None or error.row == 1:
                self.append_base_error(Error(SpreadsheetError(str(error))))
        shown_rows = 0
        for row in report.rows or []:
            if row.errors:
                self.totals[RowResult.IMPORT_TYPE_INVALID] += 1
                values = dict(zip(report.columns, row.cells.values(), strict=False))
                self.append_invalid_row(row.number, values, ValidationError(dict(row.errors)))
            elif row.outcome is not None:
                if report.dry_run and shown_rows == PREVIEW_ROWS:
                    self.preview_omitted += 1
                    continue
                shown_rows += 1
                row_result = RowResult()
                row_result.import_type = row.outcome
                row_result.diff = list(row.cells.values())
                row_result.add_instance_info(row.instance)
                row_result.instance = row.instance
                self.append_row_result(row_result)


class SheetResource(resources.ModelResource):
    """A ModelResource whose import is a checked sheet (`sheet_class`).

    The admin's preview and confirm screens call `import_data()`, which runs the
    sheet through `run_import`, as the commands and pages do, and hands the admin
    import-export's own Result. Export is import-export's, by the declared fields.
    """

    sheet_class: type[CheckedSheet]

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        sheet = self.sheet_class(user=kwargs.get("user"))
        return run_import(dataset, [sheet], dry_run=dry_run, keep_rows=True).result


def command_importer(username: str | None):
    """For import commands: the active user named by --user, or None (the system)."""
    if not username:
        return None
    importer = get_user_model().objects.filter(username=username, is_active=True).first()
    if importer is None:
        raise CommandError(_("Không có người dùng %(user)s.") % {"user": username})
    return importer


def finish_command(command, report: ImportReport) -> None:
    """For import commands: print what was imported (or would be), and the warnings;
    on a refused file, print every bad row and stop with a non-zero exit."""
    if not report.ok:
        for error in report.errors:
            command.stderr.write(str(error))
        rows = {error.row for error in report.errors}
        raise CommandError(
            _("Tệp có %(errors)d lỗi ở %(rows)d dòng; không ghi gì vào cơ sở dữ liệu.")
            % {"errors": len(report.errors), "rows": len(rows)}
        )
    command.stdout.write(_("Xem trước (chưa ghi gì vào cơ sở dữ liệu):") if report.dry_run else _("Đã nhập:"))
    for line in report.summary_lines():
        command.stdout.write(f"  {line}")
    for warning in report.warnings:
        command.stderr.write(str(warning))
    if not report.dry_run:
        command.stdout.write(command.style.SUCCESS(_("Xong.")))
