"""Shared spreadsheet parts: numbers as people type them, cells as Excel gives them, formulas
kept from running, and the checked-sheet base every import is built on."""

import datetime
import gc
import io
import json
from decimal import Decimal
from unittest import mock

import openpyxl
from django.test import SimpleTestCase, TestCase

from ntm.lib import spreadsheet_files
from ntm.lib.spreadsheet_files import cell, open_spreadsheet
from ntm.lib.spreadsheets import (
    NEW,
    CheckedSheet,
    RowCopy,
    neutralise,
    parse_decimal,
    run_import,
    shown,
    unneutralise,
)
from tools.xlsx import Formula, write_xlsx


class ParseDecimalTests(SimpleTestCase):
    def test_it_reads_a_decimal_comma_or_point(self):
        self.assertEqual(parse_decimal("85,5"), Decimal("85.5"))
        self.assertEqual(parse_decimal("85.5"), Decimal("85.5"))

    def test_it_reads_grouped_thousands_either_way(self):
        for text in ("1.234,5", "1,234.5", "1 234,5"):
            with self.subTest(text):
                self.assertEqual(parse_decimal(text), Decimal("1234.5"))
        self.assertEqual(parse_decimal("1.234.567"), Decimal("1234567"))

    def test_it_ignores_a_percent_sign(self):
        self.assertEqual(parse_decimal("85,5 %"), Decimal("85.5"))
        self.assertEqual(parse_decimal("-2"), Decimal("-2"))

    def test_it_rejects_what_is_not_a_number(self):
        for text in ("", "abc", "85,5,5.1", "NaN", "Infinity", "1e5", "2,", ",", "khoảng 80"):
            with self.subTest(text), self.assertRaises(ValueError):
                parse_decimal(text)


class CellTests(SimpleTestCase):
    def test_whole_floats_lose_their_point_and_codes_their_zeros_come_back(self):
        self.assertEqual(cell(2024.0), "2024")
        self.assertEqual(cell(4, width=5), "00004")
        self.assertEqual(cell("  Dân   Lý "), "Dân Lý")
        self.assertEqual(cell(None), "")


class FormulaTests(SimpleTestCase):
    def test_text_excel_would_run_is_written_with_an_apostrophe(self):
        for text in ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
            with self.subTest(text):
                self.assertEqual(neutralise(text), "'" + text)

    def test_numbers_and_plain_text_stay_as_they_are(self):
        for value in (-2, -2.5, Decimal("-3"), "-2", "-2,5", "+84", "Dân Lý", "", None, "a=b"):
            with self.subTest(value):
                self.assertEqual(neutralise(value), value)

    def test_a_neutralised_cell_reads_back_as_it_was(self):
        self.assertEqual(unneutralise(neutralise("=1+1")), "=1+1")
        self.assertEqual(unneutralise("'chú thích"), "'chú thích")


class DateCellTests(SimpleTestCase):
    def test_dates_read_as_vietnamese_dates(self):
        self.assertEqual(cell(datetime.datetime(2025, 7, 1)), "01/07/2025")
        self.assertEqual(cell(datetime.date(2025, 7, 1)), "01/07/2025")
        self.assertEqual(cell(datetime.datetime(2025, 7, 1, 8, 30)), "01/07/2025 08:30")


class NumberSheet(CheckedSheet):
    """A sheet of numbers and names; saving keeps the rows it was given."""

    columns = ("Số", "Tên")

    def __init__(self, name=None, **kwargs):
        super().__init__(**kwargs)
        self.sheet_name = name
        self.saved = []

    def check(self, row, errors):
        if not row.cells["Số"].isdigit():
            errors.add("Số", f"Số {shown(row.cells['Số'])} không phải số.")

    def save(self, rows, *, dry_run):
        for row in rows:
            row.outcome = NEW
        if not dry_run:
            self.saved.extend(row.cells["Số"] for row in rows)


class CheckedSheetTests(TestCase):
    def test_a_workbook_of_sheets_is_written_when_every_sheet_is_valid(self):
        data = write_xlsx(
            [], sheets={"Tiêu chí": [["Số", "Tên"], [1, "Quy hoạch"]], "Chỉ tiêu": [["Số", "Tên"], [2, "a"]]}
        )
        criteria, indicators = NumberSheet("Tiêu chí"), NumberSheet("Chỉ tiêu")
        report = run_import(data, [criteria, indicators])
        self.assertTrue(report.ok, report.errors)
        self.assertEqual((criteria.saved, indicators.saved), (["1"], ["2"]))
        self.assertEqual(report.outcomes[NEW], 2)

    def test_a_bad_row_in_one_sheet_writes_no_sheet_and_names_its_sheet(self):
        data = write_xlsx(
            [],
            sheets={"Tiêu chí": [["Số", "Tên"], [1, "a"]], "Chỉ tiêu": [["Số", "Tên"], [2, "b"], ["x", "c"]]},
        )
        criteria, indicators = NumberSheet("Tiêu chí"), NumberSheet("Chỉ tiêu")
        report = run_import(data, [criteria, indicators])
        self.assertEqual(
            [str(error) for error in report.errors], ["Trang “Chỉ tiêu”, dòng 3: Số “x” không phải số."]
        )
        self.assertEqual((criteria.saved, indicators.saved), ([], []))

    def test_a_missing_sheet_is_named(self):
        report = run_import(write_xlsx([["Số", "Tên"], [1, "a"]]), [NumberSheet("Mức đạt")])
        self.assertEqual(report.errors[0].message, "Tệp không có trang tính “Mức đạt”.")

    def test_sheet_names_match_ignoring_case_and_diacritics(self):
        data = write_xlsx([], sheets={"TIEU CHI": [["Số", "Tên"], [1, "a"]]})
        self.assertTrue(run_import(data, [NumberSheet("Tiêu chí")]).ok)

    def test_progress_is_reported_every_n_rows_of_each_stage(self):
        rows = [["Số", "Tên"], *([n, "x"] for n in range(1, 26))]
        calls = []
        run_import(
            write_xlsx(rows), [NumberSheet()], progress=lambda *call: calls.append(call), progress_every=10
        )
        self.assertEqual(
            calls,
            [
                ("read", 10, None),
                ("read", 20, None),
                ("check", 10, 25),
                ("check", 20, 25),
                ("save", 10, 25),
                ("save", 20, 25),
            ],
        )

    def test_the_rows_read_can_be_kept_and_imported_again(self):
        data = write_xlsx([["Số", "Tên"], [1, "=A1"], [], [3, "c"]])
        again = NumberSheet()
        with RowCopy() as rows:
            first = run_import(data, [NumberSheet()], copy_to=rows)
            second = run_import(rows.finish(), [again], format="csv")
        self.assertEqual(again.saved, ["1", "3"])
        self.assertEqual([str(w) for w in second.warnings], [str(w) for w in first.warnings])
        self.assertEqual([w.row for w in second.warnings], [2])

    def test_a_report_is_plain_data_for_a_background_task(self):
        report = run_import(write_xlsx([["Số", "Tên"], ["x", "a"]]), [NumberSheet()])
        self.assertEqual(
            json.loads(json.dumps(report.as_dict()))["errors"], ["Dòng 2: Số “x” không phải số."]
        )

    def test_data_beyond_the_last_column_is_refused(self):
        report = run_import(write_xlsx([["Số", "Tên"], [1, "a", "", "lạc"]]), [NumberSheet()])
        self.assertEqual(str(report.errors[0]), "Dòng 2: Có dữ liệu ở cột không có tiêu đề (sau cột Tên).")

    def test_the_garbage_collector_runs_again_after_an_import_whatever_its_outcome(self):
        good, bad_row = write_xlsx([["Số", "Tên"], [1, "a"]]), write_xlsx([["Số", "Tên"], ["x", "a"]])
        for data in (good, bad_row, b"PK\x03\x04"):
            run_import(data, [NumberSheet()])
            self.assertTrue(gc.isenabled())
        failing = mock.patch.object(NumberSheet, "save", side_effect=RuntimeError("the database went away"))
        with failing, self.assertRaises(RuntimeError):
            run_import(good, [NumberSheet()])
        self.assertTrue(gc.isenabled())


class NotedSheet(NumberSheet):
    optional_columns = ("Ghi chú",)

    def save(self, rows, *, dry_run):
        super().save(rows, dry_run=dry_run)
        self.notes = [row.cells["Ghi chú"] for row in rows]


class OptionalPartsTests(TestCase):
    def test_an_optional_column_may_be_left_out_of_an_older_file(self):
        for header, row, notes in (
            (["Số", "Tên"], [1, "a"], [""]),
            (["Số", "Tên", "ghi chu"], [1, "a", "x"], ["x"]),
        ):
            with self.subTest(header):
                sheet = NotedSheet()
                self.assertTrue(run_import(write_xlsx([header, row]), [sheet]).ok)
                self.assertEqual(sheet.notes, notes)

    def test_a_column_that_is_not_declared_is_refused(self):
        report = run_import(write_xlsx([["Số", "Tên", "Khác"], [1, "a", "x"]]), [NotedSheet()])
        self.assertIn("Có thể thêm các cột: Ghi chú. Cột lạ: Khác.", report.errors[0].message)

    def test_an_optional_sheet_may_be_left_out(self):
        amendments = NumberSheet("Sửa đổi")
        amendments.required = False
        data = write_xlsx([], sheets={"Tiêu chí": [["Số", "Tên"], [1, "a"]]})
        self.assertTrue(run_import(data, [NumberSheet("Tiêu chí"), amendments]).ok)
        self.assertEqual(amendments.saved, [])


def _workbook(fill) -> bytes:
    book = openpyxl.Workbook()
    fill(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read(data, *, sheet=None, width=6):
    """Which library read the sheet, and its rows without their trailing blank cells."""

    def trimmed(row):
        while row and not row[-1]:
            row = row[:-1]
        return row

    with open_spreadsheet(data, format="xlsx") as spreadsheet:
        return spreadsheet.reader, [trimmed(row) for row in spreadsheet.rows(sheet=sheet, width=width)]


class XlsxReaderTests(SimpleTestCase):
    """calamine reads workbooks of plain values, openpyxl those it cannot read as they
    are (formulas) or hold whole (cells spread far): the rows are the same either way."""

    def test_calamine_reads_what_openpyxl_reads_row_by_row_and_cell_by_cell(self):
        def fill(book):
            sheet = book.active
            # From B2: a blank first row and column, and a blank row inside.
            sheet.append([])
            sheet.append([None, "Mã", "Ngày", "Số", "Ghi chú"])
            sheet.append([None, "00004", datetime.date(2025, 7, 1), 85.5, " a  b "])
            sheet.append([])
            sheet.append([None, 4, datetime.datetime(2025, 7, 1, 8, 30), 2025, True, None, "lạc"])
            book.create_sheet("Trang hai")["A1"] = "Thứ hai"

        data = _workbook(fill)
        expected = [
            [],
            ["", "Mã", "Ngày", "Số", "Ghi chú"],
            ["", "00004", "01/07/2025", "85.5", "a b"],
            [],
            # Cut at the width asked for.
            ["", "4", "01/07/2025 08:30", "2025", "True"],
        ]
        self.assertEqual(_read(data), ("calamine", expected))
        with mock.patch.object(spreadsheet_files, "MAX_GRID_CELLS", 0):
            self.assertEqual(_read(data), ("openpyxl", expected))
        self.assertEqual(_read(data, sheet="trang hai"), ("calamine", [["Thứ hai"]]))

    def test_a_workbook_with_formulas_is_read_by_openpyxl_as_their_text(self):
        reader, rows = _read(write_xlsx([["Số", "Tên"], [1, Formula("=A2+1")]]))
        self.assertEqual(reader, "openpyxl")
        self.assertEqual(rows[1][:2], ["1", "=A2+1"])

    def test_a_sheet_whose_cells_spread_far_is_streamed_not_held_whole(self):
        # 2,000 rows to column 3,000: calamine would hold a grid of 6 million cells.
        def fill(book):
            sheet = book.active
            sheet["A1"], sheet["B1"] = "Số", "Tên"
            sheet.cell(row=2000, column=3000, value="xa")

        reader, rows = _read(_workbook(fill), width=3)
        self.assertEqual(reader, "openpyxl")
        self.assertEqual(rows[0][:2], ["Số", "Tên"])
        self.assertEqual(len(rows), 2000)
        self.assertFalse(any(any(row) for row in rows[1:]))
