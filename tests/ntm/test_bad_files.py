"""Files an import must refuse, built in code, on every import path: the import
functions (what a page, a command or a background task calls), the scores page, the
commands and the admin. Each is refused with a Vietnamese message in bounded time and
memory, and nothing is written; a formula is stored as inert text."""

import functools
import io
import tempfile
import time
import unicodedata
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from communes.models import Commune
from communes.resources import COLUMNS as UNITS_COLUMNS
from communes.resources import import_units
from criteria.models import ImportUpload, Score
from criteria.resources import COLUMNS, import_scores
from tests.base import AssessmentTestCase
from tools.import_bench import peak_memory
from tools.xlsx import write_package, write_xlsx

# Generous, but far below what an unbounded parse takes (minutes, gigabytes).
SECONDS, MEGABYTES = 20, 100


def score_row(number):
    return ["15934", "Dân Lý", "", "QD318-2022-XA-NTM", "1.1", 2024, "", "Đạt", f"dòng {number}"]


def _zip(parts: dict[str, bytes], *, sheets=("Sheet1",)) -> bytes:
    buffer = io.BytesIO()
    # The fastest compression: the bombs are hundreds of megabytes to deflate.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in data if not isinstance(data, bytes) else [data]:
                    part.write(chunk)
        write_package(archive, list(sheets), shared_strings="xl/sharedStrings.xml" in parts)
    return buffer.getvalue()


def _sheet(rows_xml, *, dimension=""):
    yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield dimension.encode()
    yield b"<sheetData>"
    yield from rows_xml
    yield b"</sheetData></worksheet>"


def _header_xml(columns=COLUMNS):
    cells = "".join(
        f'<c r="{chr(65 + n)}1" t="inlineStr"><is><t>{name}</t></is></c>' for n, name in enumerate(columns)
    )
    return f'<row r="1">{cells}</row>'.encode()


@functools.cache
def hundred_thousand_rows() -> bytes:
    """A valid scores file of 100,000 rows, as Excel saves it."""
    return write_xlsx([COLUMNS, *(score_row(n) for n in range(100_000))])


@functools.cache
def million_rows() -> bytes:
    """A million rows and no <dimension>: what a hostile file looks like."""

    def rows():
        yield _header_xml()
        for start in range(2, 1_000_002, 10_000):
            yield b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(start, start + 10_000)
            )

    return _zip({"xl/worksheets/sheet1.xml": _sheet(rows())})


@functools.cache
def shared_strings_bomb() -> bytes:
    """A 1 MB file whose shared-strings table unpacks to 64 MB."""

    def strings():
        yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        for _ in range(64):
            yield b"<si><t>" + b"A" * (1024 * 1024) + b"</t></si>"
        yield b"</sst>"

    sheet = _sheet([_header_xml(), b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'])
    return _zip({"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": strings()})


@functools.cache
def zip_bomb() -> bytes:
    """A small file whose sheet unpacks to 300 MB."""
    blank = b" " * (1024 * 1024)
    return _zip({"xl/worksheets/sheet1.xml": _sheet([_header_xml(), *([blank] * 300)])})


@functools.cache
def one_huge_cell() -> bytes:
    """Within every size limit but one cell of 50 million characters."""
    cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"A" * 50_000_000 + b"</t></is></c></row>"
    return _zip({"xl/worksheets/sheet1.xml": _sheet([_header_xml(), cell])})


def wide_row() -> bytes:
    """A row of 5,000 cells."""
    cells = b"".join(b'<c r="A2"><v>%d</v></c>' % n for n in range(5_000))
    return _zip({"xl/worksheets/sheet1.xml": _sheet([_header_xml(), b'<row r="2">' + cells + b"</row>"])})


def far_cells(columns) -> bytes:
    """The header, then 2,000 rows of one cell in the last column (XFD): few cells, but
    a grid of 33 million (a gigabyte) to a reader that holds the sheet whole."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(2, 2_002))
    return _zip({"xl/worksheets/sheet1.xml": _sheet([_header_xml(columns), rows])})


def row_number_gap(columns) -> bytes:
    """The header, then a row numbered 1,048,576: a million empty rows in between."""
    last = b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    return _zip({"xl/worksheets/sheet1.xml": _sheet([_header_xml(columns), last])})


def entity_bomb(columns) -> bytes:
    """An XML "billion laughs" in the sheet, under the header."""
    laughs = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "%s">' % (98 + n, (b"&%c;" % (97 + n)) * 10) for n in range(9)
    )
    rows = [_header_xml(columns), b'<row r="2"><c r="A2" t="inlineStr"><is><t>&j;</t></is></c></row>']
    return _zip({"xl/worksheets/sheet1.xml": laughs + b"]>" + b"".join(_sheet(rows))})


def word_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def csv_text(encoding, *, bom=b""):
    rows = [",".join(COLUMNS), ",".join(str(cell) for cell in score_row(1))]
    text = "\r\n".join(rows)
    if encoding == "cp1258":
        return "".join(map(_cp1258, text)).encode("cp1258")
    # A code page without Vietnamese keeps what it can ("ã", "â") and loses the rest.
    return bom + text.encode(encoding, errors="replace")


# Windows' Vietnamese code page has â, ê, ô, ơ, ư, ă precomposed and the five tones as
# combining marks.
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(char):
    marks = unicodedata.normalize("NFD", char)
    base = unicodedata.normalize("NFC", "".join(mark for mark in marks if mark not in TONES))
    return base + "".join(mark for mark in marks if mark in TONES)


def bad_files(columns):
    """(name, file name, bytes, what the message says, settings) of each bad file, its
    header (where it is read before the fault) that of `columns`."""
    return [
        (
            "100,000 rows over a lower limit",
            "k.xlsx",
            hundred_thousand_rows(),
            "hơn 1.000 dòng",
            {"IMPORT_MAX_ROWS": 1000},
        ),
        ("1,000,000 rows", "k.xlsx", million_rows(), "hơn 250.000 dòng", {}),
        ("shared-string bomb", "k.xlsx", shared_strings_bomb(), "Bảng chữ dùng chung", {}),
        ("zip bomb", "k.xlsx", zip_bomb(), "giải nén ra 300", {}),
        ("one huge cell", "k.xlsx", one_huge_cell(), "ô dài quá 2.000 ký tự", {}),
        ("a row of 5,000 cells", "k.xlsx", wide_row(), "dòng quá 1.024 ô", {}),
        ("a gap of a million rows", "k.xlsx", row_number_gap(columns), "hơn 250.000 dòng", {}),
        ("XML entity bomb", "k.xlsx", entity_bomb(columns), "Không đọc được tệp", {}),
        ("a .docx named .xlsx", "k.xlsx", word_document(), "văn bản Word", {}),
        ("an .xls named .xlsx", "k.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls", {}),
        ("not a zip at all", "k.xlsx", b"PK\x03\x04 not really a zip", "Không đọc được tệp", {}),
        ("CSV in cp1258", "k.csv", csv_text("cp1258"), "UTF-8", {}),
        ("CSV in Latin-1", "k.csv", csv_text("latin-1"), "UTF-8", {}),
        ("CSV in UTF-16", "k.csv", csv_text("utf-16-le", bom=b"\xff\xfe"), "UTF-16", {}),
        ("a CSV line of 5 MB", "k.csv", b"a," * 2_500_000, "ô dài quá", {}),
    ]


class BadFileTestCase(AssessmentTestCase):
    def assertBounded(self, run):
        """Run `run()` and return its result, within SECONDS and MEGABYTES."""
        start = time.perf_counter()
        with peak_memory() as memory:
            result = run()
        self.assertLess(time.perf_counter() - start, SECONDS)
        self.assertLess(memory["mb"], MEGABYTES)
        return result


class ImportFunctionTests(BadFileTestCase):
    def test_the_scores_import_refuses_each_bad_file(self):
        for name, file_name, data, message, limits in bad_files(COLUMNS):
            with self.subTest(name), override_settings(**limits):
                source = io.BytesIO(data)
                run = functools.partial(import_scores, source, user=self.coordinator, format=file_name[-4:])
                report = self.assertBounded(run)
                self.assertIn(message, str(report.errors[0]))
        self.assertFalse(Score.objects.exists())

    def test_the_units_import_refuses_each_bad_file(self):
        before = Commune.objects.count()
        for name, file_name, data, message, limits in bad_files(UNITS_COLUMNS):
            with self.subTest(name), override_settings(**limits):
                run = functools.partial(import_units, io.BytesIO(data), format=file_name[-4:])
                self.assertIn(message, str(self.assertBounded(run).errors[0]))
        self.assertEqual(Commune.objects.count(), before)

    def test_a_sheet_of_cells_in_column_xfd_is_read_in_bounded_memory(self):
        for columns, run in ((COLUMNS, import_scores), (UNITS_COLUMNS, import_units)):
            with self.subTest(run.__name__):
                report = self.assertBounded(functools.partial(run, far_cells(columns), user=None))
                self.assertIn("không có dòng dữ liệu", str(report.errors[0]))

    def test_an_empty_file_is_refused(self):
        self.assertEqual(str(import_scores(b"", user=self.coordinator).errors[0]), "Tệp rỗng.")


class ImportPageTests(BadFileTestCase):
    def test_the_scores_page_refuses_each_bad_file(self):
        self.client.force_login(self.coordinator)
        url = reverse("criteria:scores_import")
        for name, file_name, data, message, limits in bad_files(COLUMNS):
            with self.subTest(name), override_settings(**limits):
                form = {"file": SimpleUploadedFile(file_name, data)}
                response = self.assertBounded(functools.partial(self.client.post, url, form))
                self.assertContains(response, message)
                self.assertNotIn("confirm_form", response.context)
        self.assertFalse(ImportUpload.objects.exists())
        self.assertFalse(Score.objects.exists())


class CommandTests(BadFileTestCase):
    def test_the_import_commands_refuse_each_bad_file(self):
        for command, columns in (("import_scores", COLUMNS), ("import_units", UNITS_COLUMNS)):
            for name, file_name, data, message, limits in bad_files(columns):
                with self.subTest(command=command, file=name), override_settings(**limits):
                    with tempfile.TemporaryDirectory() as directory:
                        path = Path(directory) / file_name
                        path.write_bytes(data)
                        err = io.StringIO()
                        run = functools.partial(
                            call_command, command, str(path), stdout=io.StringIO(), stderr=err
                        )
                        with self.assertRaises(CommandError):
                            self.assertBounded(run)
                    self.assertIn(message, err.getvalue())
        self.assertFalse(Score.objects.exists())


class AdminTests(BadFileTestCase):
    def test_the_admin_imports_refuse_each_bad_file(self):
        self.client.force_login(self.admin)
        paths = (("admin:criteria_score_import", COLUMNS), ("admin:communes_commune_import", UNITS_COLUMNS))
        for url_name, columns in paths:
            for name, file_name, data, message, limits in bad_files(columns):
                with self.subTest(url_name=url_name, file=name), override_settings(**limits):
                    # Import formats, in the admin's order: 0 = csv, 1 = xlsx.
                    form = {"resource": "0", "format": "1" if file_name.endswith("xlsx") else "0"}
                    form["import_file"] = SimpleUploadedFile(file_name, data)
                    response = self.assertBounded(
                        functools.partial(self.client.post, reverse(url_name), form)
                    )
                    self.assertContains(response, message)
                    self.assertNotIn("confirm_form", response.context)
        self.assertFalse(Score.objects.exists())


class FormulaCellTests(AssessmentTestCase):
    """A formula in a cell is kept as the text it is, and the import says so."""

    formula = '=HYPERLINK("http://x","y")'

    def file(self):
        return write_xlsx([COLUMNS, [*score_row(1)[:8], self.formula]], shared_strings=True)

    def test_a_formula_is_stored_as_text_with_a_warning(self):
        report = import_scores(self.file(), user=self.coordinator)
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(Score.objects.get().note, self.formula)
        self.assertIn("Ô Ghi chú", str(report.warnings[0]))
        self.assertTrue(str(report.warnings[0]).startswith("Dòng 2:"))

    def test_a_formula_cell_of_excel_is_read_as_its_text(self):
        from tools.xlsx import Formula

        data = write_xlsx([COLUMNS, [*score_row(1)[:8], Formula(self.formula)]])
        self.assertTrue(import_scores(data, user=self.coordinator).ok)
        self.assertEqual(Score.objects.get().note, self.formula)

    def test_the_page_shows_the_warning_before_confirming(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            reverse("criteria:scores_import"), {"file": SimpleUploadedFile("k.xlsx", self.file())}
        )
        self.assertContains(response, "trông như công thức")
        self.assertIn("confirm_form", response.context)

    def test_the_command_prints_the_warning(self):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "ket-qua.xlsx"
            path.write_bytes(self.file())
            err = io.StringIO()
            call_command("import_scores", str(path), stdout=io.StringIO(), stderr=err)
        self.assertIn("Dòng 2: Ô Ghi chú", err.getvalue())
        self.assertEqual(Score.objects.get().note, self.formula)

    def test_the_admin_preview_shows_the_warning(self):
        self.client.force_login(self.admin)
        upload = SimpleUploadedFile("ket-qua.xlsx", self.file())
        response = self.client.post(
            reverse("admin:criteria_score_import"), {"resource": "0", "format": "1", "import_file": upload}
        )
        self.assertContains(response, "trông như công thức")
        self.assertIn("confirm_form", response.context)
