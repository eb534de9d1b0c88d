import shutil
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from playwright.sync_api import expect

from communes.models import Department
from criteria.models import Indicator, Score
from dossiers.demo import tiny_pdf, tiny_png
from dossiers.models import Appraisal, Dossier, DossierItem
from dossiers.services import create_dossier, upload_document
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase


@pytest.mark.browser
class DossierJourneyTests(BrowserTestCase):
    """Commune uploads and submits; the district returns it; the commune completes
    and resubmits; the district accepts and records two provincial appraisals."""

    def setUp(self):
        super().setUp()
        media = tempfile.mkdtemp(prefix="ntm-media-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        settings_override = override_settings(MEDIA_ROOT=media)
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        # Criterion 1 asks for one document, so one upload completes it.
        Indicator.objects.filter(criterion__criteria_set=self.ntm, criterion__number=1).update(
            required_evidence=["Quyết định phê duyệt quy hoạch chung xây dựng xã"]
        )
        for n in (1, 2):
            Department.objects.create(
                name=f"Sở thẩm định {n}",
                short_name=f"S{n}",
                level=Department.Level.PROVINCE,
                province=self.province,
            )
        # Dân Lý meets every criterion, entered by its official and verified.
        for indicator in Indicator.objects.filter(criterion__criteria_set=self.ntm):
            Score.objects.create(
                indicator=indicator,
                commune=self.commune_a,
                year=2024,
                status=Score.Status.MET,
                entered_by=self.official_a,
                verification=Score.Verification.VERIFIED,
            )
        self.dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=2024, user=self.official_a
        )
        # Everything is in place but criterion 1 and the meeting minutes.
        for item in self.dossier.items.select_related("criterion").prefetch_related("criterion__indicators"):
            if item.general_kind == DossierItem.GeneralKind.MEETING_MINUTES or (
                item.criterion and item.criterion.number == 1
            ):
                continue
            for n, kind in enumerate(item.required_evidence() if item.criterion else [""]):
                upload = SimpleUploadedFile("tai-lieu.pdf", tiny_pdf(f"{item.pk}-{n}"))
                upload_document(item=item, user=self.official_a, upload=upload, evidence_kind=kind)

    def item_url(self, **where):
        item = self.dossier.items.get(**where)
        return f"{self.live_server_url}/dossiers/{self.dossier.pk}/items/{item.pk}/"

    def test_commune_submits_district_returns_commune_completes_district_accepts_and_records(self):
        base = f"{self.live_server_url}/dossiers/{self.dossier.pk}/"

        # The commune official uploads a PDF and a phone photo.
        self.log_in("xa_a")
        self.page.goto(self.item_url(criterion__number=1))
        self.page.get_by_label("Tệp").set_input_files(
            files=[
                {"name": "quyet-dinh-quy-hoach.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf("QH")}
            ]
        )
        self.page.get_by_label("Loại minh chứng").select_option(
            label="Quyết định phê duyệt quy hoạch chung xây dựng xã"
        )
        self.page.get_by_label("Ngày của tài liệu").fill("15/03/2024")
        self.page.get_by_role("button", name="Tải lên").click()
        expect(self.page.get_by_text("Đã tải lên")).to_be_visible()
        self.page.goto(self.item_url(general_kind=DossierItem.GeneralKind.MEETING_MINUTES))
        self.page.get_by_label("Tệp").set_input_files(
            files=[{"name": "bien-ban-hop.png", "mimeType": "image/png", "buffer": tiny_png("bien-ban")}]
        )
        self.page.get_by_role("button", name="Tải lên").click()
        expect(self.page.get_by_text("Đã tải lên")).to_be_visible()
        self.screenshot("dossier-1-photo-uploaded", full_page=True)

        # … and submits.
        self.page.goto(base)
        self.page.get_by_role("button", name="Nộp hồ sơ cho huyện").click()
        expect(self.page.get_by_text("Xã đã nộp, chờ huyện thẩm tra").first).to_be_visible()

        # The coordinator asks for a supplement on criterion 3 and returns the dossier.
        coordinator = self.browser.new_context(locale="vi-VN")
        commune_page, coordinator_page = self.page, coordinator.new_page()
        self.page = coordinator_page
        self.log_in("dieuphoi")
        self.page.goto(self.item_url(criterion__number=3))
        self.page.get_by_label("Cần bổ sung").check()
        self.page.get_by_label("Ý kiến").fill("Thiếu ảnh hiện trạng kênh mương")
        self.page.get_by_role("button", name="Ghi ý kiến thẩm tra").click()
        self.page.goto(base)
        self.page.locator("form").filter(has_text="Trả lại để bổ sung").get_by_label("Ý kiến").fill(
            "Bổ sung hồ sơ tiêu chí 3"
        )
        self.page.get_by_role("button", name="Trả lại để bổ sung").click()
        expect(self.page.get_by_text("Huyện trả lại để bổ sung").first).to_be_visible()

        # The commune sees the comment, adds the missing photo and resubmits.
        self.page = commune_page
        self.page.goto(base)
        # At the top (the district's reason and the items to fix) and in the item's row.
        expect(self.page.get_by_text("Thiếu ảnh hiện trạng kênh mương")).to_have_count(2)
        self.screenshot("dossier-2-returned-with-comments", full_page=True)
        self.page.goto(self.item_url(criterion__number=3))
        self.page.get_by_label("Tệp").set_input_files(
            files=[{"name": "anh-kenh-muong.png", "mimeType": "image/png", "buffer": tiny_png("kenh")}]
        )
        self.page.get_by_role("button", name="Tải lên").click()
        expect(self.page.get_by_text("Đã tải lên")).to_be_visible()
        self.page.goto(base)
        self.page.get_by_role("button", name="Nộp hồ sơ cho huyện").click()

        # The coordinator accepts and records two departments' appraisals.
        self.page = coordinator_page
        self.page.goto(base)
        # Not every item was reviewed: the coordinator accepts past that gate, with a reason.
        self.page.locator("form").filter(has_text="Chấp nhận hồ sơ").get_by_label(
            "Lý do vẫn chuyển bước khi chưa đủ điều kiện"
        ).fill("Ban Chỉ đạo đã xem xét hồ sơ tại cuộc họp")
        self.page.get_by_role("button", name="Chấp nhận hồ sơ").click()
        expect(self.page.get_by_text("Huyện đã thẩm tra, chấp nhận").first).to_be_visible()
        self.page.get_by_role("link", name="Thẩm định của sở, ngành").click()
        for n, (sent, inspected, result) in enumerate(
            [("01/10/2024", "08/10/2024", "Đạt"), ("02/10/2024", "", "Chờ kết quả")], start=1
        ):
            panel = self.page.locator("details").filter(has_text=f"Sở thẩm định {n}")
            panel.locator("summary").click()
            panel.get_by_label("Ngày gửi hồ sơ").fill(sent)
            panel.get_by_label("Ngày về kiểm tra").fill(inspected)
            panel.get_by_label("Kết quả").select_option(label=result)
            panel.get_by_role("button", name="Lưu").click()
        expect(self.page.get_by_text("Đã gửi 2/2 ngành, 1 ngành đã về kiểm tra")).to_be_visible()
        self.screenshot("dossier-3-appraisals", full_page=True)
        coordinator.close()

        self.dossier.refresh_from_db()
        self.assertEqual(self.dossier.status, Dossier.Status.SENT)
        self.assertEqual(
            sorted(Appraisal.objects.filter(dossier=self.dossier).values_list("result", flat=True)),
            ["agreed", "pending"],
        )
        self.assertEqual(
            list(self.dossier.transitions.values_list("to_status", flat=True)),
            ["submitted", "returned", "submitted", "accepted", "sent"],
        )
