import pytest
from playwright.sync_api import expect

from criteria.models import CriteriaSet, Indicator
from tests.browser.base import OUTPUT, BrowserTestCase
from tests.criteria.test_workbook import provincial_sheets, xlsx_bytes


def provincial_workbook(target=90):
    return xlsx_bytes(provincial_sheets(target=target))


@pytest.mark.browser
class CriteriaImportJourneyTests(BrowserTestCase):
    def test_coordinator_uploads_previews_and_confirms_a_workbook(self):
        good = OUTPUT / "bo-tieu-chi-tinh.xlsx"
        good.write_bytes(provincial_workbook())
        bad = OUTPUT / "bo-tieu-chi-loi.xlsx"
        bad.write_bytes(provincial_workbook(target="tám mươi"))
        self.log_in("dieuphoi")
        self.page.goto(f"{self.live_server_url}/criteria/")
        self.page.get_by_role("link", name="Nhập bộ tiêu chí từ Excel").click()

        # A bad file: its row is named, nothing is offered to confirm.
        self.page.get_by_label("Tệp bộ tiêu chí (.xlsx)").set_input_files(str(bad))
        self.page.get_by_role("button", name="Xem trước").click()
        expect(self.page.get_by_text("Có 1 lỗi. Không dòng nào được ghi")).to_be_visible()
        expect(self.page.get_by_text("Trang “Mức đạt”, dòng 2")).to_be_visible()
        expect(self.page.get_by_role("button", name="Xác nhận nhập")).to_have_count(0)

        # The corrected file: a preview, then the confirmation writes it.
        self.page.get_by_label("Tệp bộ tiêu chí (.xlsx)").set_input_files(str(good))
        self.page.get_by_role("button", name="Xem trước").click()
        expect(self.page.get_by_text("Xem trước: bo-tieu-chi-tinh.xlsx")).to_be_visible()
        expect(self.page.get_by_text("Bộ tiêu chí TH-XA-NTM: tạo mới.")).to_be_visible()
        self.screenshot("criteria-import-1-preview", full_page=True)
        self.assertFalse(CriteriaSet.objects.filter(code="TH-XA-NTM").exists())
        self.page.get_by_role("button", name="Xác nhận nhập").click()
        expect(self.page.get_by_text("Đã nhập tệp bo-tieu-chi-tinh.xlsx.")).to_be_visible()
        expect(self.page.get_by_role("heading", name="Độ đầy đủ")).to_be_visible()
        self.screenshot("criteria-import-2-set-page", full_page=True)
        indicator = Indicator.objects.get(criterion__criteria_set__code="TH-XA-NTM", code="1.1")
        self.assertEqual([t.value for t in indicator.targets.all()], ["≥90%"])
