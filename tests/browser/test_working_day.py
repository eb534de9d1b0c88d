import datetime
import shutil
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from playwright.sync_api import expect

from communes.models import Department
from criteria.models import Indicator, Score
from dossiers.demo import tiny_pdf
from dossiers.models import Dossier
from dossiers.services import create_dossier, submit_dossier, upload_document
from reports.content import build_report
from reports.models import ReportKind
from reports.services import save_snapshot
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase

YEAR = 2024
PLAN_KINDS = [f"Tài liệu quy hoạch {n}" for n in range(1, 6)]


@pytest.mark.browser
class WorkingDayTests(BrowserTestCase):
    """Each role starts at / and finishes its task from its queue, without typing an address."""

    def setUp(self):
        super().setUp()
        media = tempfile.mkdtemp(prefix="ntm-media-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        media_settings = override_settings(MEDIA_ROOT=media)
        media_settings.enable()
        self.addCleanup(media_settings.disable)
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        Indicator.objects.filter(criterion__criteria_set=self.ntm, criterion__number=1).update(
            required_evidence=[]
        )
        Indicator.objects.filter(criterion__criteria_set=self.ntm, code="1.1").update(
            required_evidence=PLAN_KINDS
        )
        for indicator in Indicator.objects.filter(criterion__criteria_set=self.ntm):
            Score.objects.create(
                indicator=indicator,
                commune=self.commune_a,
                year=YEAR,
                status=Score.Status.MET,
                entered_by=self.official_a,
                verification=Score.Verification.VERIFIED,
            )
        self.dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=YEAR, user=self.official_a
        )
        for item in self.dossier.items.select_related("dossier__commune", "criterion"):
            if item.criterion and item.criterion.number == 1:
                continue
            kinds = [""] if item.is_general else item.required_evidence()
            for n, kind in enumerate(kinds):
                upload = SimpleUploadedFile("tai-lieu.pdf", tiny_pdf(f"{item.pk}-{n}"))
                upload_document(item=item, user=self.official_a, upload=upload, evidence_kind=kind)

    def test_the_commune_uploads_five_files_in_one_go_and_submits(self):
        self.log_in("xa_a")
        expect(self.page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
        self.page.get_by_role("link", name="1. Quy hoạch:").click()
        self.page.get_by_label("Tệp").set_input_files(
            [
                {"name": f"quy-hoach-{n}.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf(f"QH {n}")}
                for n in range(5)
            ]
        )
        expect(self.page.get_by_text("Sẵn sàng gửi 5 tệp.")).to_be_visible()
        self.screenshot("workday-1-commune-five-files", full_page=True)
        self.page.get_by_role("button", name="Tải lên").click()
        expect(self.page.get_by_text("Đã tải lên “quy-hoach-4” (phiên bản 1).")).to_be_visible()
        self.page.get_by_role("link", name=f"Dân Lý {YEAR}").click()
        self.page.get_by_role("button", name="Nộp hồ sơ cho huyện").click()
        expect(self.page.get_by_text("Hồ sơ: Xã đã nộp, chờ huyện thẩm tra.")).to_be_visible()
        self.screenshot("workday-2-commune-submitted", full_page=True)
        self.dossier.refresh_from_db()
        self.assertEqual(self.dossier.status, Dossier.Status.SUBMITTED)

    def test_the_department_verifies_from_its_queue(self):
        self.assign_owner(self.ntm.criteria.get(number=2), self.department)
        Score.objects.filter(commune=self.commune_a, indicator__code="2.1").update(
            verification=Score.Verification.PENDING
        )
        self.log_in("phongkt")
        self.page.get_by_role("link", name="Kết quả chờ phòng thẩm tra").click()
        self.page.get_by_role("link", name="2.1").click()
        row = self.page.locator("tr", has=self.page.get_by_text("Chờ thẩm tra"))
        row.get_by_label("Xác nhận").first.check()
        row.get_by_role("button", name="Ghi thẩm tra").click()
        expect(self.page.get_by_text("Đã ghi kết quả thẩm tra chỉ tiêu 2.1.")).to_be_visible()
        self.screenshot("workday-3-department-verified", full_page=True)
        self.assertEqual(
            Score.objects.get(commune=self.commune_a, indicator__code="2.1").verified_by,
            self.department_officer,
        )

    def test_the_coordinator_reviews_accepts_and_sends(self):
        item = self.dossier.items.get(criterion__number=1)
        for n, kind in enumerate(PLAN_KINDS):
            upload = SimpleUploadedFile("qh.pdf", tiny_pdf(f"qh-{n}"))
            upload_document(item=item, user=self.official_a, upload=upload, evidence_kind=kind)
        submit_dossier(dossier=self.dossier, user=self.official_a)
        Department.objects.create(name="Sở Y tế", short_name="SYT", level="province", province=self.province)
        self.log_in("dieuphoi")
        self.page.get_by_role("link", name="Hồ sơ xã đã nộp, chờ huyện thẩm tra").click()
        self.page.get_by_role("link", name="Dân Lý").click()
        for item in self.dossier.items.order_by("pk"):
            self.page.get_by_role("link", name=item.title, exact=True).click()
            self.page.get_by_label("Đạt yêu cầu").check()
            self.page.get_by_role("button", name="Ghi ý kiến thẩm tra").click()
            expect(self.page.get_by_text("Đã ghi ý kiến thẩm tra.")).to_be_visible()
            self.page.get_by_role("link", name=f"Dân Lý {YEAR}").click()
        self.page.get_by_role("button", name="Chấp nhận hồ sơ").click()
        expect(self.page.get_by_text("Hồ sơ: Huyện đã thẩm tra, chấp nhận.")).to_be_visible()
        self.page.get_by_role("button", name="Gửi hồ sơ lên tỉnh").click()
        expect(self.page.get_by_text("Hồ sơ: Đã gửi tỉnh thẩm định.")).to_be_visible()
        self.screenshot("workday-4-coordinator-sent", full_page=True)
        self.dossier.refresh_from_db()
        self.assertEqual(self.dossier.status, Dossier.Status.SENT)

    def test_the_leader_opens_the_meeting_copy(self):
        report = build_report(
            ReportKind.COMMUNE, communes=None, commune=self.commune_a, criteria_set=self.ntm, year=YEAR
        )
        save_snapshot(report=report, user=self.coordinator, meeting_date=datetime.date(2024, 11, 2))
        self.log_in("lanhdao")
        self.screenshot("workday-5-leader-home", full_page=True)
        with self.page.expect_download() as download:
            self.page.get_by_role("link", name="Bản báo cáo cho cuộc họp ngày 02/11/2024").click()
        self.assertTrue(download.value.suggested_filename.endswith(".pdf"))
