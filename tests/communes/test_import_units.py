"""The units file (DESIGN §5): import, validation, commands, export and the admin."""

import io
import tempfile
from pathlib import Path

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from communes.models import Commune, District, Province, Region, Village
from communes.resources import COLUMNS, export_units, import_units, render_units_file
from ntm.lib.spreadsheets import XLSX
from tests.base import PersonasTestCase

HEADER = list(COLUMNS)
# The columns and the optional commune classes; what an export writes adds the merger columns.
CLASSES_HEADER = [*HEADER, "Phân loại"]
EXPORT_HEADER = [*CLASSES_HEADER, "Sáp nhập từ", "Ngày sáp nhập"]
THANH_HOA = ["38", "Thanh Hóa", "392", "Triệu Sơn"]
GOOD_ROWS = [
    [*THANH_HOA, "15934", "Dân Lý", "Xã", "BTB", "2", "T01", "Thôn Nhất"],
    [*THANH_HOA, "15934", "Dân Lý", "Xã", "BTB", "2", "T02", "Thôn Hai"],
    [*THANH_HOA, "15940", "Nưa", "Thị trấn", "Bắc Trung Bộ", "1", "", ""],
    ["38", "Thanh Hóa", "", "", "16000", "Hải Tiến", "Phường", "BTB", "", "", ""],
]


def xlsx(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(rows, header=HEADER, bom=True, delimiter=","):
    text = "\r\n".join(delimiter.join(row) for row in [header, *rows]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def row(**changes):
    """A good commune-only row of Thanh Hóa / Triệu Sơn, with some cells changed."""
    cells = dict(zip(COLUMNS, [*THANH_HOA, "15999", "Xã Mới", "Xã", "BTB", "", "", ""], strict=True))
    for column, value in changes.items():
        cells[column.replace("_", " ")] = value
    return list(cells.values())


def unit_counts():
    return [model.objects.count() for model in (Province, District, Commune, Village)]


def rows_of(dataset):
    return [list(values) for values in dataset]


class ImportGoodFileTests(TestCase):
    def test_it_creates_units_from_xlsx(self):
        report = import_units(xlsx(GOOD_ROWS))
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(unit_counts(), [1, 1, 3, 2])

    def test_it_sets_kind_region_and_group(self):
        import_units(xlsx(GOOD_ROWS))
        nua = Commune.objects.get(code="15940")
        self.assertEqual((nua.kind, nua.region, nua.commune_group), ("thi_tran", "BTB", "1"))
        self.assertEqual(nua.district.name, "Triệu Sơn")
        self.assertEqual(nua.province.name, "Thanh Hóa")

    def test_it_creates_villages_under_their_commune(self):
        import_units(xlsx(GOOD_ROWS))
        villages = Village.objects.filter(commune__code="15934").order_by("code")
        self.assertEqual([(v.code, v.name) for v in villages], [("T01", "Thôn Nhất"), ("T02", "Thôn Hai")])

    def test_commune_without_district_hangs_under_the_province(self):
        import_units(xlsx(GOOD_ROWS))
        hai_tien = Commune.objects.get(code="16000")
        self.assertIsNone(hai_tien.district)
        self.assertEqual((hai_tien.kind, hai_tien.commune_group), ("phuong", ""))

    def test_words_ignore_case_and_diacritics(self):
        rows = [
            row(Mã_xã="1", Loại="THỊ TRẤN", Vùng="bac trung bo", Nhóm_xã="nhóm 3"),
            row(Mã_xã="2", Loại="dac khu", Vùng="dbsh"),
            row(Mã_xã="3", Loại="Phuong", Vùng="Trung du và miền núi phía Bắc"),
        ]
        self.assertTrue(import_units(xlsx(rows)).ok)
        communes = Commune.objects.order_by("code").values_list("kind", "region", "commune_group")
        expected = [("thi_tran", "BTB", "3"), ("dac_khu", "DBSH", ""), ("phuong", "TDMNPB", "")]
        self.assertEqual(list(communes), expected)

    def test_csv_with_bom_works(self):
        self.assertTrue(import_units(csv_file(GOOD_ROWS), format="csv").ok)
        self.assertEqual(unit_counts(), [1, 1, 3, 2])

    def test_csv_without_bom_and_with_semicolons_works(self):
        report = import_units(csv_file(GOOD_ROWS, bom=False, delimiter=";"), format="csv")
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(Commune.objects.get(code="15934").name, "Dân Lý")

    def test_numeric_codes_get_their_leading_zeros_back(self):
        import_units(xlsx([[1, "Hà Nội", 1, "Ba Đình", 4, "Phúc Xá", "Phường", "DBSH", "", "", ""]]))
        commune = Commune.objects.select_related("province", "district").get()
        self.assertEqual((commune.province.code, commune.district.code, commune.code), ("01", "001", "00004"))

    def test_it_reads_the_first_sheet_whatever_sheet_is_active(self):
        book = openpyxl.load_workbook(io.BytesIO(xlsx(GOOD_ROWS)))
        book.create_sheet("Ghi chú").append(["không phải dữ liệu"])
        book.active = 1
        buffer = io.BytesIO()
        book.save(buffer)
        self.assertTrue(import_units(buffer.getvalue()).ok)
        self.assertEqual(Commune.objects.count(), 3)

    def test_it_reports_what_it_created(self):
        report = import_units(xlsx(GOOD_ROWS))
        self.assertEqual(report.counts["commune"], {"new": 3, "updated": 0, "unchanged": 0})
        self.assertEqual(report.counts["village"], {"new": 2, "updated": 0, "unchanged": 0})
        self.assertIn("Thôn: 2 mới, 0 cập nhật, 0 không đổi.", report.summary_lines())

    def test_dry_run_writes_nothing(self):
        report = import_units(xlsx(GOOD_ROWS), dry_run=True)
        self.assertEqual(report.counts["commune"]["new"], 3)
        self.assertEqual(unit_counts(), [0, 0, 0, 0])


class ReimportTests(PersonasTestCase):
    def test_reimport_updates_names_without_duplicating_rows(self):
        renamed = [
            "38",
            "Thanh Hoá",
            "392",
            "Triệu Sơn",
            "15934",
            "Dân Lý Mới",
            "Xã",
            "BTB",
            "",
            "T01",
            "Thôn 1",
        ]
        before = unit_counts()
        report = import_units(xlsx([renamed]))
        self.assertEqual(unit_counts(), before)
        self.village_a.refresh_from_db()
        self.assertEqual((self.village_a.name, self.village_a.commune.name), ("Thôn 1", "Dân Lý Mới"))
        self.assertEqual(Province.objects.get(code="38").name, "Thanh Hoá")
        self.assertEqual(report.counts["commune"]["updated"], 1)

    def test_reimport_of_the_same_file_changes_nothing(self):
        data = render_units_file(export_units())
        report = import_units(data)
        self.assertEqual(report.counts["commune"], {"new": 0, "updated": 0, "unchanged": 2})
        self.assertEqual(report.result.totals["skip"], 2)

    def test_a_commune_can_move_directly_under_the_province(self):
        import_units(xlsx([["38", "Thanh Hóa", "", "", "15934", "Dân Lý", "Xã", "BTB", "", "", ""]]))
        self.commune_a.refresh_from_db()
        self.assertIsNone(self.commune_a.district)


class BadRowTests(PersonasTestCase):
    def assertRefused(self, rows, line, *fragments):
        """The file is refused with a reason on spreadsheet row `line`, and nothing changes."""
        before = unit_counts()
        names = list(Commune.objects.order_by("code").values_list("name", flat=True))
        report = import_units(xlsx(rows))
        self.assertFalse(report.ok)
        messages = [error.message for error in report.errors if error.row == line]
        self.assertTrue(
            any(all(fragment in message for fragment in fragments) for message in messages),
            f"no error on row {line} with {fragments}: {[str(error) for error in report.errors]}",
        )
        self.assertEqual(unit_counts(), before)
        self.assertEqual(list(Commune.objects.order_by("code").values_list("name", flat=True)), names)
        return report

    def test_it_rejects_an_unknown_kind(self):
        self.assertRefused([row(), row(Mã_xã="15998", Loại="Làng")], 3, "Loại", "Làng")

    def test_it_rejects_an_unknown_region(self):
        self.assertRefused([row(Vùng="Miền Trung")], 2, "Vùng", "Miền Trung")

    def test_it_rejects_a_bad_commune_group(self):
        self.assertRefused([row(Nhóm_xã="4")], 2, "Nhóm xã", "4")

    def test_it_rejects_a_missing_commune_code(self):
        self.assertRefused([row(Mã_xã="")], 2, "Thiếu Mã xã")

    def test_it_rejects_a_missing_commune_name(self):
        self.assertRefused([row(Xã="")], 2, "Thiếu Xã")

    def test_it_rejects_a_village_code_without_a_name(self):
        self.assertRefused([row(Mã_thôn="T09")], 2, "Mã thôn", "T09", "thiếu Thôn")

    def test_it_rejects_a_district_code_without_a_name(self):
        self.assertRefused([row(Huyện="")], 2, "Mã huyện", "392", "thiếu Huyện")

    def test_it_rejects_a_commune_code_with_another_name_in_the_same_file(self):
        rows = [row(Mã_thôn="T01", Thôn="Thôn Một"), row(Xã="Xã Khác", Mã_thôn="T02", Thôn="Thôn Hai")]
        self.assertRefused(rows, 3, "Mã xã", "15999", "dòng 2", "Xã Khác")

    def test_it_rejects_a_commune_code_under_another_province_in_the_same_file(self):
        rows = [row(), row(Mã_tỉnh="40", Tỉnh="Nghệ An", Mã_huyện="", Huyện="", Mã_thôn="T1", Thôn="A")]
        self.assertRefused(rows, 3, "Mã xã", "dòng 2", "Mã tỉnh", "40")

    def test_it_rejects_a_commune_code_under_another_district_in_the_same_file(self):
        rows = [row(), row(Mã_huyện="393", Huyện="Thọ Xuân", Mã_thôn="T1", Thôn="A")]
        self.assertRefused(rows, 3, "Mã xã", "dòng 2", "Mã huyện", "393")

    def test_it_rejects_the_same_village_twice(self):
        rows = [row(Mã_thôn="T01", Thôn="Thôn Một"), row(Mã_thôn="T01", Thôn="Thôn Một")]
        self.assertRefused(rows, 3, "Mã thôn", "T01", "trùng với dòng 2")

    def test_it_rejects_a_province_code_with_another_name_in_the_same_file(self):
        self.assertRefused([row(), row(Mã_xã="15998", Tỉnh="Thanh Hoa")], 3, "Mã tỉnh", "Tỉnh", "Thanh Hoa")

    def test_it_rejects_a_district_code_that_exists_under_another_province(self):
        rows = [row(Mã_tỉnh="40", Tỉnh="Nghệ An")]
        self.assertRefused(rows, 2, "Mã huyện", "392", "Thanh Hóa", "40")

    def test_it_rejects_a_wrong_header(self):
        header = [*HEADER[:6], "Kiểu", *HEADER[7:]]
        before = unit_counts()
        report = import_units(xlsx([row()], header=header))
        self.assertEqual([error.row for error in report.errors], [1])
        self.assertIn("Thiếu cột: Loại", report.errors[0].message)
        self.assertEqual(unit_counts(), before)

    def test_it_rejects_a_file_that_is_not_a_spreadsheet(self):
        report = import_units(b"PK\x03\x04 not really a zip", format="xlsx")
        self.assertIn("Không đọc được tệp", report.errors[0].message)

    def test_it_lists_every_bad_row_of_a_file(self):
        good, bad_kind, bad_region = row(Mã_xã="1"), row(Mã_xã="2", Loại="?"), row(Mã_xã="4", Vùng="?")
        rows = [good, bad_kind, row(Mã_xã="3"), bad_region, row(Xã="")]
        report = self.assertRefused(rows, 3, "Loại")
        self.assertEqual(sorted({error.row for error in report.errors}), [3, 5, 6])
        self.assertFalse(Commune.objects.filter(code__in=["00001", "00003"]).exists())

    def test_row_numbers_count_blank_lines(self):
        data = csv_file([row(), [""] * 11, row(Mã_xã="15998", Nhóm_xã="9")])
        report = import_units(data, format="csv")
        self.assertEqual([str(error).split(":")[0] for error in report.errors], ["Dòng 4"])


class ImportCommandTests(TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)

    def write(self, name, data):
        path = Path(self.directory.name) / name
        path.write_bytes(data)
        return str(path)

    def test_it_imports_and_prints_counts(self):
        out = io.StringIO()
        call_command("import_units", self.write("dia-ban.xlsx", xlsx(GOOD_ROWS)), stdout=out)
        self.assertIn("Xã: 3 mới, 0 cập nhật, 0 không đổi.", out.getvalue())
        self.assertEqual(unit_counts(), [1, 1, 3, 2])

    def test_it_reads_csv(self):
        call_command("import_units", self.write("dia-ban.csv", csv_file(GOOD_ROWS)), stdout=io.StringIO())
        self.assertEqual(Village.objects.count(), 2)

    def test_it_exits_non_zero_and_prints_the_bad_rows(self):
        path = self.write("dia-ban.xlsx", xlsx([*GOOD_ROWS, row(Loại="Làng"), row(Mã_xã="", Xã="")]))
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("import_units", path, stdout=io.StringIO(), stderr=err)
        lines = err.getvalue().splitlines()
        self.assertTrue(lines[0].startswith("Dòng 6: Loại “Làng” không hợp lệ"), lines)
        self.assertIn("Dòng 7: Thiếu Mã xã.", lines)
        self.assertEqual(unit_counts(), [0, 0, 0, 0])

    def test_dry_run_writes_nothing(self):
        out = io.StringIO()
        call_command("import_units", self.write("dia-ban.xlsx", xlsx(GOOD_ROWS)), "--dry-run", stdout=out)
        self.assertIn("Xem trước", out.getvalue())
        self.assertIn("Thôn: 2 mới", out.getvalue())
        self.assertEqual(unit_counts(), [0, 0, 0, 0])

    def test_it_rejects_a_missing_file(self):
        with self.assertRaisesMessage(CommandError, "Không tìm thấy tệp"):
            call_command("import_units", str(Path(self.directory.name) / "khong-co.xlsx"))


class CommuneClassTests(TestCase):
    """`Phân loại`, an optional column after `Thôn`: the classes a criteria set's region
    rules judge a commune by."""

    def test_it_sets_the_classes_in_their_order(self):
        report = import_units(xlsx([[*row(), "Hải đảo, dbkk"]], header=CLASSES_HEADER))
        self.assertTrue(report.ok, report.errors)
        self.assertEqual(Commune.objects.get(code="15999").classes, ["dbkk", "hai_dao"])

    def test_a_file_without_the_column_leaves_the_classes(self):
        import_units(xlsx([[*row(), "ATK"]], header=CLASSES_HEADER))
        self.assertTrue(import_units(xlsx([row(Xã="Xã Mới Đổi Tên")])).ok)
        commune = Commune.objects.get(code="15999")
        self.assertEqual((commune.name, commune.classes), ("Xã Mới Đổi Tên", ["atk"]))

    def test_an_empty_cell_clears_them(self):
        import_units(xlsx([[*row(), "ATK"]], header=CLASSES_HEADER))
        import_units(xlsx([[*row(), ""]], header=CLASSES_HEADER))
        self.assertEqual(Commune.objects.get(code="15999").classes, [])

    def test_an_unknown_class_is_refused(self):
        report = import_units(xlsx([[*row(), "ĐBKK, Miền núi"]], header=CLASSES_HEADER))
        self.assertEqual(
            [str(error) for error in report.errors],
            [
                "Dòng 2: Phân loại “Miền núi” không hợp lệ: mỗi phân loại là một trong ĐBKK, KV-II, "
                "KV-III, Bãi ngang, Hải đảo, ATK, cách nhau bởi dấu phẩy."
            ],
        )

    def test_the_export_writes_them(self):
        import_units(xlsx([[*row(), "KV-III, ATK"]], header=CLASSES_HEADER))
        self.assertEqual(rows_of(export_units())[0][-3], "KV-III, ATK")


class ExportTests(TestCase):
    def setUp(self):
        import_units(xlsx(GOOD_ROWS))

    def test_it_writes_one_row_per_village_and_one_per_bare_commune(self):
        dataset = export_units()
        self.assertEqual(dataset.headers, EXPORT_HEADER)
        expected = [*GOOD_ROWS[:2], [*THANH_HOA, "15940", "Nưa", "Thị trấn", "BTB", "1", "", ""]]
        self.assertEqual(rows_of(dataset), [[*row, "", "", ""] for row in [GOOD_ROWS[3], *expected]])

    def test_export_then_import_gives_identical_rows(self):
        for file_format in ("xlsx", "csv"):
            with self.subTest(file_format):
                exported = export_units()
                data = render_units_file(exported, format=file_format)
                Village.objects.all().delete()
                Commune.objects.all().delete()
                District.objects.all().delete()
                Province.objects.all().delete()
                self.assertTrue(import_units(data, format=file_format).ok)
                self.assertEqual(rows_of(export_units()), rows_of(exported))

    def test_csv_export_starts_with_a_bom_for_excel(self):
        self.assertTrue(render_units_file(export_units(), format="csv").startswith("\ufeff".encode()))

    def test_export_queries_do_not_grow_with_rows(self):
        # communes with their province and district; their villages; their predecessors
        with self.assertNumQueries(3):
            export_units()
        rows = [row(Mã_xã=str(10000 + n), Mã_thôn=f"T{n}", Thôn=f"Thôn {n}") for n in range(30)]
        import_units(xlsx(rows))
        with self.assertNumQueries(3):
            self.assertEqual(len(export_units()), 34)

    def test_the_command_writes_xlsx_and_csv(self):
        with tempfile.TemporaryDirectory() as directory:
            for name in ("dia-ban.xlsx", "dia-ban.csv"):
                path = Path(directory) / name
                call_command("export_units", "-o", str(path), stdout=io.StringIO())
                report = import_units(path, dry_run=True)
                self.assertEqual(report.counts["village"], {"new": 0, "updated": 0, "unchanged": 2})

    def test_the_command_rejects_other_formats(self):
        with self.assertRaisesMessage(CommandError, ".xlsx hoặc .csv"):
            call_command("export_units", "-o", "dia-ban.pdf")


class AdminImportExportTests(PersonasTestCase):
    def setUp(self):
        self.client.force_login(self.admin)

    def upload(self, data, name="dia-ban.xlsx", file_format="1"):
        # Import formats, in the admin's order: 0 = csv, 1 = xlsx.
        url = reverse("admin:communes_commune_import")
        upload = SimpleUploadedFile(name, data)
        return self.client.post(url, {"resource": "0", "format": file_format, "import_file": upload})

    def test_import_page_shows_the_preview(self):
        response = self.upload(xlsx([row(Mã_thôn="T01", Thôn="Thôn Đồi")]))
        self.assertContains(response, "Xã Mới")
        self.assertContains(response, "Thôn Đồi")
        self.assertIn("confirm_form", response.context)
        self.assertFalse(Commune.objects.filter(code="15999").exists())

    def test_confirming_the_preview_imports_the_file(self):
        response = self.upload(csv_file([row(Mã_thôn="T01", Thôn="Thôn Đồi")]), "dia-ban.csv", "0")
        confirm = response.context["confirm_form"].initial
        response = self.client.post(reverse("admin:communes_commune_process_import"), confirm, follow=True)
        self.assertContains(response, "Đã nhập tệp địa bàn.")
        self.assertEqual(Village.objects.get(code="T01", commune__code="15999").name, "Thôn Đồi")

    def test_confirming_a_file_that_went_bad_since_the_preview_writes_nothing(self):
        response = self.upload(xlsx([row(), row(Mã_xã="15998", Mã_huyện="393", Huyện="Thọ Xuân")]))
        confirm = response.context["confirm_form"].initial
        nghe_an = Province.objects.create(code="40", name="Nghệ An")
        District.objects.create(code="393", name="Thọ Xuân", province=nghe_an)
        response = self.client.post(reverse("admin:communes_commune_process_import"), confirm, follow=True)
        self.assertContains(response, "Không nhập gì: tệp có lỗi. Dòng 3: Mã huyện “393” đã có")
        self.assertFalse(Commune.objects.filter(code__in=["15999", "15998"]).exists())

    def test_import_page_lists_bad_rows_with_their_spreadsheet_row(self):
        response = self.upload(xlsx([row(), row(Mã_xã="15998", Vùng="Miền Trung")]))
        self.assertNotIn("confirm_form", response.context)
        invalid = response.context["result"].invalid_rows
        self.assertEqual([invalid_row.number for invalid_row in invalid], [3])
        self.assertContains(response, "Vùng “Miền Trung” không hợp lệ")

    def test_export_gives_the_units_file(self):
        url = reverse("admin:communes_commune_export")
        response = self.client.post(url, {"resource": "0", "format": "0"})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = [list(values) for values in sheet.iter_rows(values_only=True)]
        self.assertEqual(rows[0], EXPORT_HEADER)
        expected = ["15934", "Dân Lý", "Xã", "BTB", None, "T01", "Thôn Nhất", None, None, None]
        self.assertEqual(rows[1][4:], expected)
        self.assertEqual(len(rows), 3)

    def test_province_export_gives_the_units_under_it(self):
        url = reverse("admin:communes_province_export")
        response = self.client.post(url, {"resource": "0", "format": "1"})
        text = response.content.decode("utf-8-sig")
        self.assertEqual(text.splitlines()[0], ",".join(EXPORT_HEADER))
        self.assertIn("Dân Lực", text)

    def test_it_refuses_import_to_staff_less_users(self):
        self.client.force_login(self.coordinator)
        response = self.upload(xlsx([row()]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Commune.objects.filter(code="15999").exists())

    def test_it_refuses_import_to_staff_who_may_only_view_units(self):
        viewer = get_user_model().objects.create_user("xem", password="x", is_staff=True)
        viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
        self.client.force_login(viewer)
        self.assertEqual(self.client.get(reverse("admin:communes_commune_import")).status_code, 403)
        response = self.client.post(
            reverse("admin:communes_commune_export"), {"resource": "0", "format": "0"}
        )
        self.assertEqual(response["Content-Type"], XLSX.CONTENT_TYPE)

    def test_commune_search_ignores_diacritics(self):
        response = self.client.get(reverse("admin:communes_commune_changelist"), {"q": "dan ly"})
        self.assertContains(response, "Dân Lý")
        self.assertNotContains(response, "Dân Lực")

    def test_every_unit_list_shows_its_rows(self):
        pages = {
            "province": "Thanh Hóa",
            "district": "Triệu Sơn",
            "commune": "Dân Lực",
            "village": "Thôn Đông",
            "department": "Phòng Kinh tế và Hạ tầng",
            "membership": "xa_b",
        }
        for model, text in pages.items():
            with self.subTest(model):
                response = self.client.get(reverse(f"admin:communes_{model}_changelist"))
                self.assertContains(response, text)

    def test_commune_change_page_has_villages_inline(self):
        response = self.client.get(reverse("admin:communes_commune_change", args=[self.commune_a.pk]))
        self.assertContains(response, "Thôn Nhất")
        self.assertContains(response, 'name="predecessors"')

    def test_region_is_exported_as_its_code(self):
        self.assertEqual(rows_of(export_units())[0][7], Region.BTB)


class QueryCountTests(TestCase):
    def rows(self, count):
        return xlsx([row(Mã_xã=str(10000 + n), Mã_thôn=f"T{n}", Thôn=f"Thôn {n}") for n in range(count)])

    def test_a_preview_costs_the_same_for_few_and_many_rows(self):
        # provinces, districts with their province, communes with theirs (none stored yet,
        # so no villages to load); savepoint, rollback to it and its release
        for count in (2, 40):
            with self.subTest(count), self.assertNumQueries(6):
                self.assertEqual(import_units(self.rows(count), dry_run=True).counts["village"]["new"], count)

    def test_an_import_writes_each_level_in_one_insert(self):
        # the preview's lookups and savepoint; one insert each of provinces, districts,
        # communes and villages, and one of each one's history; the release
        for count in (2, 40):
            with self.subTest(count), self.assertNumQueries(13):
                self.assertEqual(import_units(self.rows(count)).counts["commune"]["new"], count)
            Village.objects.all().delete()
            Commune.objects.all().delete()
            District.objects.all().delete()
            Province.objects.all().delete()
