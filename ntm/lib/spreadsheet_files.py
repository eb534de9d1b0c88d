"""Spreadsheet files opened for reading, measured first (DESIGN §5 imports).

A file is measured before any row is built: its size, what it unpacks to, its
shared-strings table, its rows and the length of its cells (the IMPORT_MAX_*
settings). Then it is read as rows of text: a .csv as a UTF-8 stream; an .xlsx by
calamine (python-calamine, Rust, several times faster than openpyxl) when the
measure shows its sheets are plain values of bounded extent, else in openpyxl's
read-only mode, a stream (formulas, which calamine reads only as their last computed
values, and sheets whose cells spread too far to hold). So a bad file is refused in
seconds and bounded memory, whatever its shape, and memory stays bounded as a good
file grows.
`open_spreadsheet()` is the one way in; ntm/lib/spreadsheets.py builds the imports on it.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import os
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import python_calamine
import tablib
from django.conf import settings
from django.utils.translation import gettext as _

from ntm.lib.text import fold

FORMATS = ("xlsx", "csv")
MB = 1024 * 1024


class SpreadsheetError(ValueError):
    """The file cannot be read, is over a limit or has the wrong header; nothing was imported.

    `row` is the sheet's row number when the reason is on one row (1 for the header),
    None when it concerns the whole file; `sheet` names the sheet of a workbook.
    """

    def __init__(self, message, *, row=None, sheet=""):
        super().__init__(message)
        self.row = row
        self.sheet = sheet


def cell(value, width=0) -> str:
    """A cell as text: numbers without ".0", dates as dd/mm/yyyy, whitespace collapsed, None as "".

    Official codes have fixed widths, and Excel drops the leading zeros of a code
    typed as a number ("01" becomes 1); `width` pads all-digit codes back.
    """
    if value is None:
        return ""
    if type(value) is str and not width:  # most cells: no conversion to make
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        value = f"{value:%d/%m/%Y}" if value.time() == datetime.time() else f"{value:%d/%m/%Y %H:%M}"
    elif isinstance(value, datetime.date):
        value = f"{value:%d/%m/%Y}"
    text = " ".join(str(value).split())
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


# --- Limits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What an imported file may be; from the IMPORT_MAX_* settings (README)."""

    max_bytes: int
    max_rows: int
    max_cell_chars: int
    max_shared_strings_bytes: int
    max_unzipped_bytes: int
    #: What the refusal of a file with too many rows advises (default: split it).
    too_many_rows_advice: str | None = None

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.IMPORT_MAX_MB * MB,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            max_shared_strings_bytes=settings.IMPORT_MAX_SHARED_STRINGS_MB * MB,
            max_unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_MB * MB,
        )

    @property
    def max_cell_bytes(self) -> int:
        """The XML one cell may take: up to 4 bytes a character, more for entities
        ("&amp;"), plus its tags."""
        return self.max_cell_chars * 10 + 1024

    @property
    def max_line_chars(self) -> int:
        """A CSV line: a few long cells; a line past this is not a row of ours."""
        return self.max_cell_chars * 16


def megabytes(size: int) -> str:
    """ "1,5" for a size; "20" for a limit of whole megabytes."""
    if size % MB == 0:
        return str(size // MB)
    return f"{size / MB:.1f}".replace(".", ",")


def thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def check_size(size: int, limits: Limits | None = None) -> None:
    """Refuse an empty file, or one over IMPORT_MAX_MB, before reading it."""
    limits = limits or Limits.from_settings()
    if size == 0:
        raise SpreadsheetError(_("Tệp rỗng."))
    if size > limits.max_bytes:
        raise SpreadsheetError(
            _("Tệp quá lớn (%(size)s MB). Giới hạn là %(limit)s MB.")
            % {"size": megabytes(size), "limit": megabytes(limits.max_bytes)}
        )


def _too_many_rows(limits: Limits) -> SpreadsheetError:
    message = _("Tệp có hơn %(limit)s dòng dữ liệu, quá giới hạn một lần nhập.") % {
        "limit": thousands(limits.max_rows)
    }
    return SpreadsheetError(f"{message} {limits.too_many_rows_advice or _('Hãy chia thành nhiều tệp.')}")


def _cell_too_long(limits: Limits, row=None) -> SpreadsheetError:
    message = _("Tệp có ô dài quá %(limit)s ký tự.") % {"limit": thousands(limits.max_cell_chars)}
    if row is not None:
        message = _("Dòng %(row)d có ô dài quá %(limit)s ký tự.") % {
            "row": row,
            "limit": thousands(limits.max_cell_chars),
        }
    return SpreadsheetError(message, row=row)


def _unreadable(format: str) -> SpreadsheetError:
    return SpreadsheetError(
        _("Không đọc được tệp: tệp hỏng hoặc không phải %(format)s.") % {"format": format}
    )


# --- Reading ---------------------------------------------------------------------------

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A workbook has a few dozen parts; a zip of thousands is not one.
MAX_ZIP_ENTRIES = 10_000
# Parts openpyxl reads whole (styles, workbook, relationships): real ones are small.
MAX_PART_BYTES = 8 * MB
# A row wider than this is not a row of ours; openpyxl would build it cell by cell.
MAX_CELLS_PER_ROW = 1024
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_ROW_NUMBER = re.compile(rb'[^>]*?\br="(\d{1,10})"')
# A formula (<f>, a prefix allowed); and a cell reference past column Z ("AB12").
_FORMULA_TAG = (re.compile(rb"<f[\s/>]"), re.compile(rb":f[\s/>]"))
_WIDE_REFERENCE = re.compile(rb'r="([A-Z]{2,3})\d')
# calamine holds a sheet as a grid of rows × columns (about 32 bytes a cell, empty or
# not) from its first cell to its last: a sheet whose grid would be larger is streamed by
# openpyxl instead. 4 million cells: 100,000 rows of 26 columns, about 130 MB.
MAX_GRID_CELLS = 4_000_000
_SCAN_CHUNK = MB


class Spreadsheet:
    """An opened file, measured; `rows()` streams one sheet as lists of text cells.

    Use `open_spreadsheet()`, as a context manager.
    """

    def __init__(self, file, limits: Limits, *, owned: bool):
        self.file, self.limits, self.owned = file, limits, owned
        self._seen: dict[str, str] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self.owned:
            self.file.close()

    def rows(self, *, sheet: str | None = None, width: int) -> Iterator[list[str]]:
        """The rows of `sheet` (None: the first), header first, blank rows kept so row
        numbers match what Excel shows; at most `width` cells a row."""
        raise NotImplementedError

    def has_sheet(self, name: str | None) -> bool:
        return name is None

    def _text(self, values, number: int) -> list[str]:
        if number > self.limits.max_rows + 1:  # the header and max_rows rows of data
            raise _too_many_rows(self.limits)
        # cell() inlined for text, nearly every cell: this runs for every cell of a file.
        texts = [" ".join(value.split()) if value.__class__ is str else cell(value) for value in values]
        if texts and max(map(len, texts)) > self.limits.max_cell_chars:
            raise _cell_too_long(self.limits, number)
        # Codes, names and words repeat from row to row: keep one copy of each (of the
        # first hundred thousand short ones, so the table cannot grow without bound).
        seen = self._seen
        if len(seen) < 100_000:
            return [seen.setdefault(text, text) if len(text) <= 40 else text for text in texts]
        return [seen.get(text, text) for text in texts]


class _Xlsx(Spreadsheet):
    def __init__(self, file, limits, *, owned, size):
        super().__init__(file, limits, owned=owned)
        self._book = None
        head = file.read(8)
        file.seek(0)
        if head.startswith(OLE_SIGNATURE):
            raise SpreadsheetError(
                _(
                    "Đây là tệp Excel 97-2003 (.xls) hoặc tệp có đặt mật khẩu. "
                    "Hãy mở bằng Excel, bỏ mật khẩu và lưu lại dưới dạng .xlsx."
                )
            )
        if not head.startswith(ZIP_SIGNATURE) or _zip_entries(file, size) > MAX_ZIP_ENTRIES:
            raise _unreadable("xlsx")
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise _unreadable("xlsx") from error
        with archive:
            sheets = self._measure(archive)
        file.seek(0)
        calamine = not any(sheet.formulas or sheet.grid > MAX_GRID_CELLS for sheet in sheets)
        #: Which library reads the rows.
        self.reader = "calamine" if calamine else "openpyxl"
        try:
            if calamine:
                self._book = python_calamine.CalamineWorkbook.from_filelike(file)
                self._titles = [
                    sheet.name
                    for sheet in self._book.sheets_metadata
                    if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
                ]
            else:
                self._book = openpyxl.load_workbook(file, read_only=True, data_only=False, keep_links=False)
                self._titles = [worksheet.title for worksheet in self._book.worksheets]
        except Exception as error:
            # calamine, openpyxl, zipfile and the XML parser raise many kinds of errors
            # for a damaged file.
            raise _unreadable("xlsx") from error

    def _measure(self, archive: zipfile.ZipFile) -> list[_SheetScan]:
        """Refuse, from the zip's directory and a byte scan, what no reader must parse;
        the scans of the worksheets."""
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            if "word/document.xml" in names:
                raise SpreadsheetError(_("Đây là văn bản Word (.docx), không phải bảng tính Excel (.xlsx)."))
            raise SpreadsheetError(_("Tệp không phải bảng tính Excel (.xlsx)."))
        unzipped = sum(info.file_size for info in infos)
        if unzipped > self.limits.max_unzipped_bytes:
            raise SpreadsheetError(
                _("Tệp giải nén ra %(size)s MB, quá giới hạn %(limit)s MB.")
                % {"size": megabytes(unzipped), "limit": megabytes(self.limits.max_unzipped_bytes)}
            )
        types = _content_types(archive, names)
        sheets = []
        for info in infos:
            name, part_type = info.filename, types.get(info.filename, "")
            if part_type == SHARED_STRINGS_TYPE or name.endswith("sharedStrings.xml"):
                if info.file_size > self.limits.max_shared_strings_bytes:
                    raise SpreadsheetError(
                        _("Bảng chữ dùng chung của tệp giải nén ra %(size)s MB, quá giới hạn %(limit)s MB.")
                        % {
                            "size": megabytes(info.file_size),
                            "limit": megabytes(self.limits.max_shared_strings_bytes),
                        }
                    )
                with archive.open(info) as stream:
                    _scan_xml(stream, self.limits, rows=False)
            elif part_type == WORKSHEET_TYPE or name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(info) as stream:
                    sheets.append(_scan_xml(stream, self.limits, rows=True))
            elif name.endswith((".xml", ".rels", ".vml")) and info.file_size > MAX_PART_BYTES:
                raise SpreadsheetError(
                    _("Phần %(part)s của tệp lớn bất thường (%(size)s MB).")
                    % {"part": name, "size": megabytes(info.file_size)}
                )
        return sheets

    def close(self):
        if self._book is not None:
            self._book.close()
        super().close()

    def rows(self, *, sheet=None, width):
        title = self._title(sheet)
        try:
            if self.reader == "calamine":
                values = _calamine_rows(self._book.get_sheet_by_name(title), width)
            else:
                worksheet = self._book[title]
                # The <dimension> a file declares may be wrong; openpyxl would then pad or cut rows.
                worksheet.reset_dimensions()
                values = worksheet.iter_rows(max_col=width, values_only=True)
            for number, row in enumerate(values, 1):
                yield self._text(row, number)
        except SpreadsheetError:
            raise
        except Exception as error:
            raise _unreadable("xlsx") from error

    def has_sheet(self, name):
        return name is None or any(fold(title) == fold(name) for title in self._titles)

    def _title(self, name) -> str:
        if name is None:
            if not self._titles:
                raise SpreadsheetError(_("Tệp không có trang tính nào."))
            return self._titles[0]
        for title in self._titles:
            if fold(title) == fold(name):
                return title
        raise SpreadsheetError(_("Tệp không có trang tính “%(sheet)s”.") % {"sheet": name}, sheet=name)


def _calamine_rows(sheet, width: int):
    """A calamine sheet's rows, as openpyxl reads them: from row 1 and column A."""
    if sheet.start is None:
        return
    # calamine starts its rows at row 1 already, its cells at the first column used.
    padding = [""] * sheet.start[1]
    for row in sheet.iter_rows():
        yield (padding + row)[:width] if padding else row[:width]


def _zip_entries(file, size: int) -> int:
    """How many parts the zip's end record declares, read before zipfile builds its
    directory; a huge number for anything that is not a plain zip."""
    tail_size = min(size, 22 + 65535)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    file.seek(0)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 22:
        return MAX_ZIP_ENTRIES + 1
    (entries,) = struct.unpack("<H", tail[end + 10 : end + 12])
    return entries if entries != 0xFFFF else MAX_ZIP_ENTRIES + 1


def _content_types(archive: zipfile.ZipFile, names) -> dict[str, str]:
    """Part name -> content type, from the package's [Content_Types].xml."""
    info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
    if info is None or info.file_size > MAX_PART_BYTES:
        return {}
    try:
        root = ElementTree.fromstring(archive.read(info))
    except ElementTree.ParseError:
        return {}
    return {
        element.get("PartName", "").lstrip("/"): element.get("ContentType", "")
        for element in root
        if element.tag.endswith("Override")
    }


@dataclass
class _SheetScan:
    """What the byte scan of a worksheet found: whether it has formulas, and how many
    cells calamine's grid of it would hold (its last row × its last column)."""

    formulas: bool = False
    last_row: int = 0
    last_column: int = 0

    @property
    def grid(self) -> int:
        return self.last_row * self.last_column


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scan_xml(stream, limits: Limits, *, rows: bool) -> _SheetScan:
    """Bytes-level checks of one part, chunk by chunk: no text longer than a cell may
    be, and for a worksheet, no more rows than the limit and no row of thousands of cells.

    This is what keeps a reader from building a huge string or walking a huge sheet.
    """
    scan = _SheetScan()
    carry, row_count, cells_in_row = b"", 0, 0
    while True:
        chunk = stream.read(_SCAN_CHUNK)
        data = carry + chunk
        # Work up to the last "<": a tag or a text cut by the chunk's end waits for the next.
        cut = data.rfind(b"<") if chunk else len(data)
        if cut <= 0:
            cut = 0
        done, carry = data[:cut], data[cut:]
        if len(carry) > limits.max_cell_bytes or max(map(len, done.split(b"<")), default=0) > (
            limits.max_cell_bytes
        ):
            raise _cell_too_long(limits)
        if rows:
            # pieces[0] continues the row the previous chunk ended in; each other piece is a row.
            pieces = _ROW_TAG.split(done)
            cells_in_row += len(_CELL_TAG.findall(pieces[0]))
            widest = cells_in_row
            for piece in pieces[1:]:
                row_count += 1
                # A row numbered past the limit is as many rows: the ones before it are empty.
                number = _ROW_NUMBER.match(piece)
                if number:
                    scan.last_row = max(scan.last_row, int(number[1]))
                if row_count > limits.max_rows + 1 or scan.last_row > limits.max_rows + 1:
                    raise _too_many_rows(limits)
                cells_in_row = len(_CELL_TAG.findall(piece))
                widest = max(widest, cells_in_row)
            if widest > MAX_CELLS_PER_ROW:
                raise SpreadsheetError(
                    _("Tệp có dòng quá %(limit)s ô: không phải bảng dữ liệu của hệ thống.")
                    % {"limit": thousands(MAX_CELLS_PER_ROW)}
                )
            # How far right the cells reach: column Z at most, unless a reference goes
            # further ("AB12"); cells without a reference follow each other from column
            # A, so a row reaches at least as far as it has cells.
            columns = [_column_number(letters) for letters in _WIDE_REFERENCE.findall(done)]
            scan.last_column = max(scan.last_column, widest, 26 if widest else 0, *columns)
            scan.formulas = scan.formulas or any(tag.search(done) for tag in _FORMULA_TAG)
        if not chunk:
            scan.last_row = max(scan.last_row, row_count)
            return scan


class _Csv(Spreadsheet):
    def __init__(self, file, limits, *, owned):
        super().__init__(file, limits, owned=owned)
        head = file.read(4)
        file.seek(0)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise SpreadsheetError(
                _("Tệp CSV đang ở mã UTF-16. Hãy lưu lại bằng Excel, chọn “CSV UTF-8 (Comma delimited)”.")
            )
        if head.startswith(ZIP_SIGNATURE) or head.startswith(OLE_SIGNATURE[:4]):
            raise SpreadsheetError(
                _("Tệp này là tệp Excel, không phải CSV: hãy chọn định dạng .xlsx hoặc đổi đúng đuôi tệp.")
            )

    def rows(self, *, sheet=None, width):
        if sheet is not None:
            raise SpreadsheetError(
                _("Tệp CSV chỉ có một trang; cần tệp .xlsx có trang tính “%(sheet)s”.") % {"sheet": sheet}
            )
        text = io.TextIOWrapper(self.file, encoding="utf-8-sig", errors="strict", newline="")
        try:
            lines = self._lines(text)
            first = next(lines, "")
            # Excel under Vietnamese regional settings separates cells with ";".
            delimiter = ";" if first.count(";") > first.count(",") else ","
            reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
            for number, values in enumerate(reader, 1):
                yield self._text(values[:width], number)
        except UnicodeDecodeError as error:
            raise SpreadsheetError(
                _(
                    "Tệp CSV phải được lưu với mã hóa UTF-8 (trong Excel: “CSV UTF-8 (Comma delimited)”); "
                    "tệp này có ký tự không đọc được."
                )
            ) from error
        except csv.Error as error:
            raise _unreadable("csv") from error
        finally:
            text.detach()

    def _lines(self, text) -> Iterator[str]:
        limit = self.limits.max_line_chars
        while line := text.readline(limit + 1):
            if len(line) > limit:
                raise _cell_too_long(self.limits)
            if "\x00" in line:
                raise SpreadsheetError(_("Tệp CSV phải được lưu với mã hóa UTF-8, không phải UTF-16."))
            yield line


class _DatasetSheet(Spreadsheet):
    """A tablib dataset the admin has read already (with `read_dataset`)."""

    def __init__(self, dataset, limits):
        super().__init__(None, limits, owned=False)
        self.dataset = dataset

    def rows(self, *, sheet=None, width):
        if self.dataset.headers is None and not self.dataset.height:
            return
        for number, values in enumerate([self.dataset.headers or [], *self.dataset], 1):
            yield self._text(list(values)[:width], number)


def estimate_rows(file, *, format: str) -> int:
    """About how many rows a file has (the header included), counted from its bytes
    without parsing it: lines of a CSV, row tags of an .xlsx's largest sheet. Enough to
    tell a small file from a large one; the import counts exactly."""
    file.seek(0)
    try:
        if format != "xlsx":
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(_SCAN_CHUNK), b""))
        try:
            with zipfile.ZipFile(file) as archive:
                sheets = [
                    info
                    for info in archive.infolist()
                    if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                ]
                return max((_count_row_tags(archive, info) for info in sheets), default=0)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return 0
    finally:
        file.seek(0)


def _count_row_tags(archive: zipfile.ZipFile, info) -> int:
    count, carry = 0, b""
    with archive.open(info) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            data = carry + chunk
            count += len(_ROW_TAG.findall(data))
            # A tag cut by the chunk's end is counted with the next chunk.
            cut = data.rfind(b"<")
            carry = data[cut:] if cut >= 0 and b">" not in data[cut:] else b""
            if carry:
                count -= len(_ROW_TAG.findall(carry))
    return count


def open_spreadsheet(source, *, format: str | None = None, limits: Limits | None = None) -> Spreadsheet:
    """A file to read rows from, measured against `limits`; SpreadsheetError if refused.

    `source` is a path, the file's bytes, an open or uploaded file, or a tablib
    Dataset. `format` ("xlsx" or "csv") defaults to the file name's extension,
    else to what the bytes look like.
    """
    limits = limits or Limits.from_settings()
    if isinstance(source, tablib.Dataset):
        return _DatasetSheet(source, limits)
    owned, name = False, None
    if isinstance(source, str | Path):
        name, file, owned = str(source), open(source, "rb"), True  # noqa: SIM115 - closed by Spreadsheet
    elif isinstance(source, bytes | bytearray):
        file = io.BytesIO(source)
    else:
        name, file = getattr(source, "name", None), source
    try:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(0)
        check_size(size, limits)
        if format is None and name:
            format = Path(name).suffix
        if not format:
            format = "xlsx" if file.read(4) == ZIP_SIGNATURE else "csv"
            file.seek(0)
        format = format.lower().lstrip(".")
        if format not in FORMATS:
            raise SpreadsheetError(_("Chỉ nhận tệp .xlsx hoặc .csv."))
        if format == "xlsx":
            return _Xlsx(file, limits, owned=owned, size=size)
        return _Csv(file, limits, owned=owned)
    except BaseException:
        if owned:
            file.close()
        raise
