import shutil
import subprocess
import tempfile

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from dossiers.demo import tiny_pdf
from meetings.models import Task
from tests.base import load_shipped_set
from tests.browser.base import OUTPUT, BrowserTestCase


@pytest.mark.browser
class MeetingJourneyTests(BrowserTestCase):
    """The coordinator records a meeting whose conclusion becomes a task; the commune
    official finds the task on the home page and closes it with evidence."""

    def setUp(self):
        super().setUp()
        media = tempfile.mkdtemp(prefix="ntm-media-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        settings_override = override_settings(MEDIA_ROOT=media)
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")

    def test_a_conclusion_becomes_a_task_that_the_commune_closes(self):
        # The coordinator starts at the home page and records the meeting.
        self.log_in("dieuphoi")
        self.page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Cuộc họp"
        ).click()
        self.page.get_by_role("link", name="Ghi cuộc họp mới").click()
        self.page.get_by_label("Ngày họp").fill("02/11/2024")
        self.page.get_by_label("Nội dung cuộc họp").fill("Nghe báo cáo tiến độ hồ sơ xét công nhận xã NTM")
        self.page.get_by_label("Chủ trì").fill("Phó Chủ tịch UBND huyện")
        self.page.get_by_role("button", name="Lưu cuộc họp").click()
        expect(self.page.get_by_text("Đã ghi cuộc họp.")).to_be_visible()

        # Its conclusion goes to Dân Lý, due 10/11/2024.
        self.page.get_by_label("Nội dung kết luận").fill("Xã Dân Lý hoàn thiện hồ sơ chung")
        self.page.get_by_label("Đơn vị thực hiện").select_option(label="Dân Lý")
        self.page.get_by_label("Hạn hoàn thành").fill("10/11/2024")
        self.page.get_by_role("button", name="Ghi kết luận").click()
        expect(self.page.get_by_text("Đã ghi kết luận số 1.")).to_be_visible()
        conclusion = self.page.locator("#conclusion-1")
        self.assertIn("UBND xã Dân Lý", conclusion.inner_text())
        self.assertIn("10/11/2024", conclusion.inner_text())
        self.screenshot("meeting-1-conclusion-recorded", full_page=True)

        # The notice prints alone: the navigation and buttons stay off the paper.
        self.page.get_by_role("link", name="Thông báo kết luận").click()
        self.page.emulate_media(media="print")
        expect(self.page.locator(".site-header")).to_be_hidden()
        expect(self.page.locator(".actions")).to_be_hidden()
        expect(self.page.locator(".paper")).to_be_visible()
        pdf = OUTPUT / "meeting-notice-printed-by-the-browser.pdf"
        self.page.pdf(path=str(pdf), format="A4")
        printed = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode()
        self.assertIn("THÔNG BÁO", printed)
        self.assertIn("Xã Dân Lý hoàn thiện hồ sơ chung", printed)
        self.assertNotIn("Tải PDF", printed)
        self.assertNotIn("Đăng xuất", printed)
        self.page.emulate_media(media="screen")

        # The commune official starts at the home page, finds the task and closes it.
        self.context.clear_cookies()
        self.log_in("xa_a")
        my_tasks = self.page.locator(".my-tasks")
        self.assertIn("Xã Dân Lý hoàn thiện hồ sơ chung", my_tasks.inner_text())
        self.screenshot("meeting-2-commune-home")
        my_tasks.get_by_role("link", name="Xã Dân Lý hoàn thiện hồ sơ chung").click()
        self.page.get_by_label("Kết quả thực hiện").fill("Đã nộp tờ trình và biên bản họp")
        self.page.get_by_label("Tệp minh chứng (không bắt buộc)").set_input_files(
            files=[{"name": "to-trinh.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf("to trinh")}]
        )
        self.page.get_by_role("button", name="Báo hoàn thành").click()
        expect(self.page.get_by_text("Đã báo hoàn thành nhiệm vụ.")).to_be_visible()
        expect(self.page.locator(".task-state-done")).to_be_visible()
        self.screenshot("meeting-3-task-closed", full_page=True)
        task = Task.objects.get()
        self.assertEqual((task.status, task.evidence_name), (Task.Status.DONE, "to-trinh.pdf"))
