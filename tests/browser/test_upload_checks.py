import shutil
import tempfile

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from dossiers.models import Document
from dossiers.services import create_dossier
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase
from tests.dossiers.test_active_content import WITH_SCRIPT

MB = 1024 * 1024


@pytest.mark.browser
class UploadCheckTests(BrowserTestCase):
    """What the commune official sees when a sending is too large, and when a PDF carries
    a script."""

    def setUp(self):
        super().setUp()
        media = tempfile.mkdtemp(prefix="ntm-media-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        self.enterContext(override_settings(MEDIA_ROOT=media, UPLOAD_MAX_MB=1, UPLOAD_MAX_REQUEST_MB=1))
        dossier = create_dossier(
            commune=self.commune_a,
            criteria_set=load_shipped_set("QD318-2022-XA-NTM"),
            year=2024,
            user=self.official_a,
        )
        item = dossier.items.get(criterion__number=1)
        self.log_in("xa_a")
        self.page.goto(f"{self.live_server_url}/dossiers/{dossier.pk}/items/{item.pk}/")

    def choose(self, *files):
        self.page.get_by_label("Tệp").set_input_files(
            [{"name": name, "mimeType": "application/pdf", "buffer": content} for name, content in files]
        )

    def test_files_over_the_total_of_one_sending_are_not_sent(self):
        self.choose(
            ("a.pdf", b"%PDF-1.4\n" + b"a" * 700 * 1024), ("b.pdf", b"%PDF-1.4\n" + b"b" * 700 * 1024)
        )
        expect(self.page.locator(".upload-message")).to_contain_text(
            "Chưa gửi: các tệp cộng lại 1,4 MB, quá giới hạn 1,0 MB cho một lần gửi. Hãy gửi làm nhiều lần."
        )
        expect(self.page.get_by_role("button", name="Tải lên")).to_be_disabled()
        self.screenshot("upload-total-too-large", full_page=True)

    def test_a_pdf_with_a_script_is_kept_with_a_warning(self):
        self.choose(("to-trinh.pdf", WITH_SCRIPT))
        self.page.get_by_role("button", name="Tải lên").click()
        # The script gives the file the first kind still missing, which titles it.
        expect(self.page.locator(".messages")).to_contain_text(
            "Tệp PDF chứa JavaScript hoặc lệnh tự chạy: “Quyết định phê duyệt quy hoạch chung xây dựng xã” "
            "chỉ được tải về, không mở xem trong trang."
        )
        expect(self.page.locator(".document-list")).to_contain_text("chỉ tải về, không mở xem trong trang.")
        self.assertTrue(Document.objects.get().pdf_scripts)
        self.screenshot("upload-pdf-with-script", full_page=True)
