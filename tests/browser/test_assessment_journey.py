import pytest
from playwright.sync_api import expect

from criteria.models import Criterion, Indicator, IndicatorTarget, Score
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase


@pytest.mark.browser
class AssessmentJourneyTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        self.assign_owner(Criterion.objects.get(criteria_set=self.ntm, number=3), self.department)
        # The target a province's workbook gives 3.1 (the shipped set has none: none is known).
        IndicatorTarget.objects.create(indicator=self.indicator("3.1"), value="≥80%", source="tests")
        # Dân Lý has met everything but irrigation (criterion 3), which nobody has assessed yet.
        others = Indicator.objects.filter(criterion__criteria_set=self.ntm).exclude(criterion__number=3)
        Score.objects.bulk_create(
            Score(indicator=i, commune=self.commune_a, year=2024, status=Score.Status.MET) for i in others
        )

    def test_official_enters_department_verifies_leader_sees_the_change(self):
        base = self.live_server_url
        query = f"?set={self.ntm.code}&year=2024"

        # The leader's dashboard before: 18/19, criterion 3 not assessed.
        self.log_in("lanhdao")
        self.page.goto(f"{base}/{query}")
        row = self.page.get_by_role("row").filter(has_text="Dân Lý")
        self.assertIn("18/19", row.inner_text())
        self.assertIn("55/57", row.inner_text())

        # The commune official enters the two indicators of criterion 3.
        official = self.browser.new_context(locale="vi-VN")
        page = official.new_page()
        self.page, saved_page = page, self.page
        self.log_in("xa_a")
        page.goto(f"{base}/communes/{self.commune_a.code}/{query}")
        page.locator("#criterion-3").get_by_role("link", name="Nhập, thẩm tra và lịch sử").click()
        page.locator("#entry-" + str(self.indicator("3.1").pk)).get_by_label("Giá trị").fill("85,5")
        page.locator("#entry-" + str(self.indicator("3.2").pk)).get_by_label("Kết quả").select_option(
            label="Đạt"
        )
        page.get_by_role("button", name="Lưu tự đánh giá").click()
        expect(page.get_by_text("Đã lưu 2 chỉ tiêu của tiêu chí 3.")).to_be_visible()
        self.screenshot("journey-1-official-entered", full_page=True)
        official.close()

        # The department that owns criterion 3 confirms indicator 3.1.
        department = self.browser.new_context(locale="vi-VN")
        self.page = department.new_page()
        self.log_in("phongkt")
        self.page.goto(f"{base}/communes/{self.commune_a.code}/assessment/{self.ntm.code}/2024/3/")
        row = self.page.locator(f"#indicator-{self.indicator('3.1').pk}")
        row.get_by_label("Xác nhận", exact=True).check()
        row.get_by_role("button", name="Ghi thẩm tra").click()
        expect(self.page.get_by_text("Đã ghi kết quả thẩm tra chỉ tiêu 3.1.")).to_be_visible()
        self.assertIn(
            "Đã thẩm tra, xác nhận", self.page.locator(f"#indicator-{self.indicator('3.1').pk}").inner_text()
        )
        self.screenshot("journey-2-department-verified", full_page=True)
        department.close()

        # The leader reloads the dashboard: Dân Lý now meets every criterion.
        self.page = saved_page
        self.page.reload()
        row = self.page.get_by_role("row").filter(has_text="Dân Lý")
        self.assertIn("19/19", row.inner_text())
        self.assertIn("57/57", row.inner_text())
        self.screenshot("journey-3-leader-dashboard", full_page=True)
        score = Score.objects.get(commune=self.commune_a, indicator=self.indicator("3.1"), year=2024)
        self.assertEqual((score.status, score.verification), (Score.Status.MET, Score.Verification.VERIFIED))

    def indicator(self, code):
        return self.ntm.criteria.get(number=3).indicators.get(code=code)
