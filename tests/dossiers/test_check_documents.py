"""`check_documents`: every stored file against the rows that name it, and the repair of
what crashes leave behind; a missing file is a page that names it, never a 500."""

import csv
import datetime
import io
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from dossiers.models import Dossier
from reports.content import build_report
from reports.models import ReportKind
from reports.services import save_snapshot
from tests.dossiers.base import YEAR, DossierTestCase, tiny_pdf, tiny_png

PARTIAL = ".0123456789abcdef0123456789abcdef.partial"


def age(path: Path, minutes: int = 120) -> None:
    """Make a file look written `minutes` ago."""
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


class StoreTestCase(DossierTestCase):
    """Each test tampers with the files: each gets a store of its own."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)

    def setUp(self):
        media_root = tempfile.mkdtemp(prefix="ntm-check-documents-")
        self.addCleanup(shutil.rmtree, media_root, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=media_root))
        uploads = tempfile.mkdtemp(prefix="ntm-check-uploads-")
        self.addCleanup(shutil.rmtree, uploads, ignore_errors=True)
        self.enterContext(override_settings(FILE_UPLOAD_TEMP_DIR=uploads))
        self.root = Path(media_root)
        self.plan = self.upload(
            self.item(self.dossier, 1), tiny_pdf("quy hoach"), title="Quyết định quy hoạch"
        )
        self.photo = self.upload(
            self.item(self.dossier, 17), tiny_png("anh"), name="anh.png", title="Ảnh hiện trạng"
        )

    def stored_path(self, field_file) -> Path:
        return self.root / field_file.name

    def check(self, *args, **options):
        """The command's output, and its exit status as manage.py would give it."""
        out = io.StringIO()
        try:
            call_command("check_documents", *args, stdout=out, **options)
        except CommandError as error:
            return out.getvalue() + str(error), error.returncode
        return out.getvalue(), 0

    def snapshot(self):
        report = build_report(
            ReportKind.COMMUNE, communes=None, commune=self.commune_a, criteria_set=self.ntm, year=YEAR
        )
        return save_snapshot(report=report, user=self.coordinator, meeting_date=datetime.date(2024, 6, 2))


class CheckTests(StoreTestCase):
    def test_it_passes_on_an_intact_store(self):
        out, status = self.check()
        self.assertEqual(status, 0)
        self.assertIn("Đã kiểm tra: 2 tài liệu minh chứng.", out)
        self.assertIn("Mọi tệp đều khớp mã băm.", out)

    def test_it_reports_an_altered_file(self):
        # Same size, other bytes: only the hash tells.
        content = self.stored_path(self.plan.file).read_bytes()
        self.stored_path(self.plan.file).write_bytes(content.replace(b"quy hoach", b"quy hoacx"))
        out, status = self.check()
        self.assertEqual(status, 1)
        self.assertIn(
            f"TỆP BỊ THAY ĐỔI: {self.plan.file.name} — tài liệu minh chứng “Quyết định quy hoạch (v1)” "
            "(mã băm SHA-256 khác bản ghi)",
            out,
        )

    def test_it_reports_a_file_of_another_size(self):
        self.stored_path(self.plan.file).write_bytes(b"%PDF-1.4 cut")
        out, _status = self.check()
        self.assertIn(f"(12 byte, bản ghi ghi {self.plan.size} byte)", out)

    def test_it_reports_a_missing_file(self):
        self.stored_path(self.plan.file).unlink()
        out, status = self.check()
        self.assertEqual(status, 1)
        self.assertIn(
            f"THIẾU TỆP: {self.plan.file.name} — tài liệu minh chứng “Quyết định quy hoạch (v1)”", out
        )

    def test_it_reports_a_file_no_row_names(self):
        stray = self.root / "dossiers" / str(self.dossier.pk) / "la.pdf"
        stray.write_bytes(tiny_pdf("la"))
        age(stray)
        out, status = self.check()
        self.assertEqual(status, 1)
        self.assertIn(f"TỆP KHÔNG THUỘC BẢN GHI NÀO: dossiers/{self.dossier.pk}/la.pdf", out)

    def test_a_file_written_just_now_may_be_an_upload_in_progress(self):
        stray = self.root / "dossiers" / str(self.dossier.pk) / "dang-tai.pdf"
        stray.write_bytes(tiny_pdf("dang tai"))
        out, status = self.check()
        self.assertEqual(status, 0)
        self.assertIn(f"Bỏ qua (mới ghi, có thể đang tải lên): dossiers/{self.dossier.pk}/dang-tai.pdf", out)

    def test_it_reports_stale_temporaries(self):
        partial = self.root / "dossiers" / str(self.dossier.pk) / PARTIAL
        partial.write_bytes(b"%PDF-1.4 half")
        body = Path(settings.FILE_UPLOAD_TEMP_DIR) / "tmpk1ll3d.upload.pdf"
        body.write_bytes(b"x" * 1000)
        for path in (partial, body):
            age(path)
        out, status = self.check()
        self.assertEqual(status, 1)
        self.assertIn(f"TỆP TẠM BỎ DỞ: dossiers/{self.dossier.pk}/{PARTIAL}", out)
        self.assertIn("TỆP TẠM BỎ DỞ: tmpk1ll3d.upload.pdf", out)

    def test_it_counts_every_problem(self):
        self.stored_path(self.plan.file).unlink()
        stray = self.root / "dossiers" / "la.pdf"
        stray.write_bytes(b"x")
        age(stray)
        out, _status = self.check()
        self.assertIn("Có 2 vấn đề.", out)

    def test_it_checks_saved_reports_too(self):
        snapshot = self.snapshot()
        self.assertIn("1 bản báo cáo đã lưu", self.check()[0])
        self.stored_path(snapshot.file).write_bytes(b"%PDF-1.7 another report")
        out, status = self.check()
        self.assertEqual(status, 1)
        self.assertIn(f"TỆP BỊ THAY ĐỔI: {snapshot.file.name} — bản báo cáo đã lưu “{snapshot}”", out)

    def test_a_missing_saved_report_is_reported(self):
        snapshot = self.snapshot()
        self.stored_path(snapshot.file).unlink()
        self.assertIn(f"THIẾU TỆP: {snapshot.file.name}", self.check()[0])


class RepairTests(StoreTestCase):
    def leave_crash_remains(self):
        """What a killed upload leaves: a half-written temporary, a body being received,
        a complete file whose row never committed."""
        folder = self.root / "dossiers" / str(self.dossier.pk)
        self.partial = folder / PARTIAL
        self.partial.write_bytes(b"%PDF-1.4 half")
        self.body = Path(settings.FILE_UPLOAD_TEMP_DIR) / "tmpk1ll3d.upload.pdf"
        self.body.write_bytes(b"x" * 1000)
        self.orphan = folder / "0123456789abcdef0123456789abcdef.pdf"
        self.orphan.write_bytes(tiny_pdf("khong co dong"))
        for path in (self.partial, self.body, self.orphan):
            age(path)

    def test_repair_removes_temporaries_and_lists_orphans(self):
        self.leave_crash_remains()
        out, status = self.check(repair=True)
        self.assertEqual(status, 1)
        self.assertFalse(self.partial.exists() or self.body.exists())
        self.assertTrue(self.orphan.exists())
        self.assertIn(f"TỆP KHÔNG THUỘC BẢN GHI NÀO: {self.orphan.relative_to(self.root)}", out)
        self.assertIn("Chạy lại với --repair --delete-orphans", out)

    def test_delete_orphans_leaves_a_clean_store(self):
        self.leave_crash_remains()
        out, status = self.check(repair=True, delete_orphans=True)
        self.assertEqual(status, 0, out)
        self.assertFalse(self.orphan.exists())
        self.assertEqual(self.check()[1], 0)
        self.assertEqual(
            {p.name for p in self.root.rglob("*") if p.is_file()},
            {Path(self.plan.file.name).name, Path(self.photo.file.name).name},
        )

    def test_repair_never_removes_what_rows_name(self):
        self.stored_path(self.plan.file).write_bytes(b"changed")
        out, status = self.check(repair=True, delete_orphans=True)
        self.assertEqual(status, 1)
        self.assertTrue(self.stored_path(self.plan.file).exists())
        self.assertIn("không tự sửa được: hãy khôi phục chúng từ bản sao lưu", out)

    def test_repair_leaves_a_write_in_progress_alone(self):
        self.leave_crash_remains()
        fresh = self.root / "dossiers" / str(self.dossier.pk) / ".fedcba9876543210fedcba9876543210.partial"
        fresh.write_bytes(b"being written")
        self.check(repair=True, delete_orphans=True)
        self.assertTrue(fresh.exists())

    def test_start_up_cleans_only_stale_temporaries(self):
        self.leave_crash_remains()
        out, status = self.check(clean_temporaries=True)
        self.assertEqual(status, 0)
        self.assertFalse(self.partial.exists() or self.body.exists())
        self.assertTrue(self.orphan.exists())
        self.assertIn("ĐÃ XOÁ TỆP TẠM: tmpk1ll3d.upload.pdf", out)

    def test_delete_orphans_needs_repair(self):
        out, status = self.check(delete_orphans=True)
        self.assertEqual(status, 1)
        self.assertIn("--delete-orphans chỉ dùng cùng --repair.", out)


class MissingFileTests(StoreTestCase):
    def test_a_missing_document_is_a_page_that_names_it(self):
        self.stored_path(self.plan.file).unlink()
        self.client.force_login(self.official_a)
        response = self.client.get(self.plan.get_absolute_url())
        self.assertContains(
            response,
            "Máy chủ không còn tệp của tài liệu “Quyết định quy hoạch” (phiên bản 1, tệp gốc “bao-cao.pdf”).",
            status_code=404,
        )
        self.assertContains(response, self.plan.file.name, status_code=404)

    def test_a_missing_document_shown_inline_is_a_page_too(self):
        self.stored_path(self.plan.file).unlink()
        self.client.force_login(self.official_a)
        url = reverse("dossiers:document_inline", args=[self.dossier.pk, self.plan.pk])
        response = self.client.get(url)
        self.assertContains(response, "Không tìm thấy tệp", status_code=404)

    def test_a_missing_saved_report_is_a_page_that_names_it(self):
        snapshot = self.snapshot()
        self.stored_path(snapshot.file).unlink()
        self.client.force_login(self.coordinator)
        response = self.client.get(snapshot.get_absolute_url())
        self.assertContains(
            response, f"Máy chủ không còn tệp của bản báo cáo đã lưu số {snapshot.number}", status_code=404
        )

    def test_a_package_names_the_missing_file_and_holds_the_rest(self):
        self.stored_path(self.plan.file).unlink()
        Dossier.objects.filter(pk=self.dossier.pk).update(status=Dossier.Status.ACCEPTED)
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("dossiers:package", args=[self.dossier.pk]))
        self.assertEqual(response.status_code, 200)
        archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
        self.assertEqual(
            sorted(archive.namelist()),
            ["manifest.csv", "tieu-chi-17-moi-truong-va-an-toan-thuc-pham/anh-hien-trang-v1.png"],
        )
        rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
        missing = next(row for row in rows if row["title"] == "Quyết định quy hoạch")
        self.assertEqual(missing["file"], "")
        self.assertEqual(
            missing["note"], f"THIẾU TỆP: máy chủ không còn tệp {self.plan.file.name}, gói không có nó"
        )
        photo = next(row for row in rows if row["title"] == "Ảnh hiện trạng")
        self.assertEqual((photo["file"], photo["note"]), ("anh-hien-trang-v1.png", ""))
