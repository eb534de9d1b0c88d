import io
import os
from datetime import timedelta

import openpyxl
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from communes.models import Commune
from criteria.models import ImportUpload, Score
from tests.base import AssessmentTestCase

HEADER = ["Mã xã", "Xã", "Mã thôn", "Bộ tiêu chí", "Mã chỉ tiêu", "Năm", "Giá trị", "Kết quả", "Ghi chú"]


def xlsx(rows, name="ket-qua.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def read_xlsx(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]


class ScoresImportPageTests(AssessmentTestCase):
    url = reverse("criteria:scores_import")

    @staticmethod
    def confirmation(preview):
        return {"upload": preview.context["confirm_form"].initial["upload"]}

    def good_file(self):
        return xlsx(
            [
                [self.commune_a.code, "Dân Lý", "", self.ntm.code, "3.2", 2024, "", "Đạt", ""],
                [self.commune_a.code, "Dân Lý", "", self.ntm.code, "2.1", 2024, "", "Chưa đạt", ""],
            ]
        )

    def test_coordinator_previews_then_confirms(self):
        self.client.force_login(self.coordinator)
        preview = self.client.post(self.url, {"file": self.good_file()})
        self.assertContains(preview, "Xác nhận nhập")
        self.assertContains(preview, "Thêm mới")
        self.assertEqual(Score.objects.count(), 0)
        response = self.client.post(self.url, self.confirmation(preview))
        self.assertRedirects(response, reverse("reports:dashboard"))
        statuses = dict(Score.objects.values_list("indicator__code", "status"))
        self.assertEqual(statuses, {"3.2": "met", "2.1": "not_met"})

    def test_a_bad_row_is_listed_and_nothing_can_be_confirmed(self):
        self.client.force_login(self.coordinator)
        bad = xlsx([[self.commune_a.code, "Dân Lý", "", self.ntm.code, "2.99", 2024, "", "Đạt", ""]])
        response = self.client.post(self.url, {"file": bad})
        self.assertContains(response, "Dòng 2")
        self.assertNotContains(response, "Xác nhận nhập")
        self.assertNotIn("confirm_form", response.context)
        self.assertEqual(Score.objects.count(), 0)
        self.assertFalse(ImportUpload.objects.exists())

    def test_a_preview_is_confirmed_once(self):
        self.client.force_login(self.coordinator)
        confirmation = self.confirmation(self.client.post(self.url, {"file": self.good_file()}))
        self.client.post(self.url, confirmation)
        response = self.client.post(self.url, confirmation, follow=True)
        self.assertContains(response, "Phiên xem trước đã hết hạn hoặc đã được nhập")
        self.assertEqual(Score.history.count(), 2)

    def test_a_preview_confirmed_after_it_expired_is_refused(self):
        self.client.force_login(self.coordinator)
        confirmation = self.confirmation(self.client.post(self.url, {"file": self.good_file()}))
        ImportUpload.objects.update(uploaded_at=timezone.now() - ImportUpload.LIFETIME)
        response = self.client.post(self.url, confirmation, follow=True)
        self.assertContains(response, "Phiên xem trước đã hết hạn hoặc đã được nhập")
        self.assertEqual(Score.objects.count(), 0)

    def test_a_confirmation_of_nothing_is_refused(self):
        self.client.force_login(self.coordinator)
        for value in ("", "abc", "999"):
            with self.subTest(value):
                response = self.client.post(self.url, {"upload": value}, follow=True)
                self.assertContains(response, "Phiên xem trước đã hết hạn hoặc đã được nhập")

    def test_another_users_preview_is_refused(self):
        self.client.force_login(self.coordinator)
        confirmation = self.confirmation(self.client.post(self.url, {"file": self.good_file()}))
        self.client.force_login(self.admin)
        self.client.post(self.url, confirmation)
        self.assertEqual(Score.objects.count(), 0)

    def test_the_confirmation_reads_the_rows_the_preview_kept(self):
        self.client.force_login(self.coordinator)
        confirmation = self.confirmation(self.client.post(self.url, {"file": self.good_file()}))
        with ImportUpload.objects.get().file.open("rb") as kept:
            self.assertEqual(
                kept.read().decode().splitlines()[1],
                f"{self.commune_a.code},Dân Lý,,{self.ntm.code},3.2,2024,,Đạt",
            )
        self.client.post(self.url, confirmation)
        self.assertFalse(ImportUpload.objects.exists())

    def test_a_wrong_file_type_is_refused_next_to_the_field(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.url, {"file": SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.7")})
        self.assertContains(response, "Chỉ nhận tệp .xlsx hoặc .csv.")

    @override_settings(IMPORT_MAX_MB=1)
    def test_an_oversized_file_is_refused(self):
        self.client.force_login(self.coordinator)
        big = SimpleUploadedFile("lon.csv", b"x" * (1024 * 1024 + 1))
        self.assertContains(self.client.post(self.url, {"file": big}), "Giới hạn là 1 MB")

    def test_an_empty_file_is_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.url, {"file": SimpleUploadedFile("rong.csv", b"")})
        self.assertContains(response, "Tập tin được gửi là rỗng.")
        self.assertEqual(Score.objects.count(), 0)

    def test_commune_official_cannot_import(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.post(self.url, {"file": self.good_file()}).status_code, 403)
        self.assertEqual(Score.objects.count(), 0)

    def test_leader_cannot_import(self):
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_department_officer_cannot_import(self):
        self.client.force_login(self.department_officer)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_it_requires_login(self):
        self.assertEqual(self.client.post(self.url, {"file": self.good_file()}).status_code, 302)
        self.assertEqual(Score.objects.count(), 0)


class ScoresExportTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions={"2.1": Score.Status.NOT_MET})
        cls.score_all(cls.commune_b, 2024)

    def export(self, user, format="xlsx", **params):
        self.client.force_login(user)
        return self.client.get(
            reverse("criteria:scores_export", args=[format]), {"set": self.ntm.code, "year": 2024, **params}
        )

    def test_it_writes_the_design_columns_and_every_score(self):
        rows = read_xlsx(self.export(self.leader).content)
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(len(rows), 1 + 2 * 57)
        self.assertIn(
            [self.commune_a.code, "Dân Lý", "", self.ntm.code, "2.1", 2024, "", "Chưa đạt", ""], rows
        )

    def test_it_is_an_attachment_named_for_the_filter(self):
        response = self.export(self.leader)
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="ket-qua-{self.ntm.code}-2024.xlsx"'
        )

    def test_csv_has_a_bom_for_excel(self):
        content = self.export(self.leader, format="csv").content
        self.assertTrue(content.startswith("\ufeff".encode()))
        self.assertIn("Mã xã", content.decode("utf-8-sig").splitlines()[0])

    def test_commune_official_exports_only_own_commune(self):
        rows = read_xlsx(self.export(self.official_b).content)[1:]
        self.assertEqual({row[0] for row in rows}, {self.commune_b.code})

    def test_outsider_exports_nothing(self):
        self.assertEqual(len(read_xlsx(self.export(self.nobody).content)), 1)

    def test_it_requires_login(self):
        response = self.client.get(reverse("criteria:scores_export", args=["xlsx"]))
        self.assertEqual(response.status_code, 302)

    def test_a_format_other_than_xlsx_or_csv_is_not_found(self):
        for file_format in ("json", "pdf", "XLSX", "xls", "csv.exe"):
            with self.subTest(file_format):
                self.assertEqual(self.export(self.leader, format=file_format).status_code, 404)

    def test_query_count_is_the_same_for_3_and_60_communes(self):
        self.client.force_login(self.leader)
        url = reverse("criteria:scores_export", args=["xlsx"])
        params = {"set": self.ntm.code, "year": 2024}
        self.add_communes(1)
        # session, user, set, memberships, communes, indicators, their targets, scores, the
        # set's region rules and amendments
        with self.assertNumQueries(10):
            response = self.client.get(url, params)
        self.assertEqual(len(read_xlsx(response.content)), 1 + 3 * 57)
        self.add_communes(57, start=1)
        with self.assertNumQueries(10):
            response = self.client.get(url, params)
        self.assertEqual(len(read_xlsx(response.content)), 1 + 60 * 57)

    def add_communes(self, count, start=0):
        for n in range(start, start + count):
            commune = Commune.objects.create(
                code=f"6{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            self.score_all(commune, 2024)


class ScoresTemplateTests(AssessmentTestCase):
    def url(self, commune):
        return reverse("criteria:scores_template", args=[commune.code, self.ntm.code, 2024])

    def test_it_lists_every_indicator_for_the_commune(self):
        self.client.force_login(self.official_a)
        rows = read_xlsx(self.client.get(self.url(self.commune_a)).content)
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(len(rows), 58)
        self.assertEqual({row[0] for row in rows[1:]}, {self.commune_a.code})
        self.assertEqual(rows[1][4], "1.1")

    def test_it_hides_other_communes(self):
        self.client.force_login(self.official_b)
        self.assertEqual(self.client.get(self.url(self.commune_a)).status_code, 404)

    def test_a_year_the_programme_cannot_have_is_not_found(self):
        self.client.force_login(self.official_a)
        for year in (2009, 2101, 99999):
            with self.subTest(year):
                url = reverse("criteria:scores_template", args=[self.commune_a.code, self.ntm.code, year])
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_requires_login(self):
        self.assertEqual(self.client.get(self.url(self.commune_a)).status_code, 302)


class ClearImportUploadsTests(AssessmentTestCase):
    def keep(self, name, *, age):
        upload = ImportUpload(kind=ImportUpload.Kind.SCORES, original_name=name, uploaded_by=self.coordinator)
        upload.file.save("rows.csv", ContentFile(b"Ma xa\r\n"))
        ImportUpload.objects.filter(pk=upload.pk).update(uploaded_at=timezone.now() - age)
        return upload

    def orphan(self, *, age):
        name = default_storage.save("imports/orphan.csv", ContentFile(b""))
        then = (timezone.now() - age).timestamp()
        os.utime(default_storage.path(name), (then, then))
        return name

    def test_it_removes_expired_previews_and_old_files_without_a_preview(self):
        stale, fresh = (
            self.keep("cu.xlsx", age=ImportUpload.LIFETIME),
            self.keep("moi.xlsx", age=timedelta(0)),
        )
        old_orphan, new_orphan = self.orphan(age=ImportUpload.LIFETIME), self.orphan(age=timedelta(0))
        out = io.StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("clear_import_uploads", stdout=out)
        self.assertEqual(list(ImportUpload.objects.values_list("original_name", flat=True)), ["moi.xlsx"])
        self.assertEqual(
            [
                default_storage.exists(name)
                for name in (stale.file.name, fresh.file.name, old_orphan, new_orphan)
            ],
            [False, True, False, True],
        )
        self.assertIn("Đã xóa 1 bản xem trước quá hạn và 1 tệp", out.getvalue())
