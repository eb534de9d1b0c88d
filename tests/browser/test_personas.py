import pytest
from playwright.sync_api import expect

from communes.models import Village
from tests.browser.base import BrowserTestCase


@pytest.mark.browser
class PersonaNavigationTests(BrowserTestCase):
    def nav_labels(self):
        return (
            self.page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link").all_inner_texts()
        )

    def test_coordinator_logs_in_and_sees_the_district(self):
        self.log_in("dieuphoi")
        self.assertEqual(
            self.nav_labels(),
            [
                "Tổng quan",
                "Xã",
                "Hồ sơ",
                "Cuộc họp",
                "Nhiệm vụ",
                "Báo cáo",
                "Bộ tiêu chí",
                "Nhật ký thay đổi",
            ],
        )
        self.page.get_by_role("link", name="Xã", exact=True).click()
        expect(self.page.get_by_role("link", name="Dân Lực")).to_be_visible()
        self.screenshot("coordinator-home", full_page=True)

    def test_department_officer_sees_the_district_without_admin(self):
        self.log_in("phongkt")
        self.assertEqual(
            self.nav_labels(), ["Tổng quan", "Xã", "Hồ sơ", "Cuộc họp", "Nhiệm vụ", "Báo cáo", "Bộ tiêu chí"]
        )
        self.screenshot("department-home")

    def test_commune_official_sees_only_own_commune(self):
        self.log_in("xa_a")
        self.assertEqual(
            self.nav_labels(), ["Tổng quan", "Xã của tôi", "Hồ sơ", "Nhiệm vụ", "Báo cáo", "Bộ tiêu chí"]
        )
        self.page.get_by_role("link", name="Xã của tôi").click()
        expect(self.page.get_by_role("link", name="Dân Lý")).to_be_visible()
        expect(self.page.get_by_role("link", name="Dân Lực")).to_have_count(0)
        self.screenshot("commune-official-communes")

    def test_leader_sees_read_only_badge(self):
        self.log_in("lanhdao")
        expect(self.page.get_by_text("Chỉ xem")).to_be_visible()
        self.screenshot("leader-home")

    def test_administrator_sees_the_admin_link(self):
        self.log_in("quantri")
        self.assertIn("Quản trị hệ thống", self.nav_labels())

    def test_wrong_password_shows_a_vietnamese_message(self):
        self.log_in("lanhdao", password="sai-mat-khau")
        expect(self.page.get_by_role("alert").get_by_text("Vui lòng điền vào Tên đăng nhập")).to_be_visible()
        self.screenshot("login-error")

    def test_search_without_diacritics_finds_the_commune(self):
        self.log_in("dieuphoi")
        self.page.get_by_role("link", name="Xã", exact=True).click()
        self.page.get_by_label("Tìm xã").fill("dan luc")
        self.page.get_by_role("button", name="Tìm").click()
        rows = self.page.locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Dân Lực")

    def test_commune_page_on_a_phone(self):
        Village.objects.create(commune=self.commune_a, code="T02", name="Thôn Yên Lược")
        self.page.set_viewport_size({"width": 390, "height": 844})
        self.log_in("xa_a")
        self.page.goto(f"{self.live_server_url}/communes/{self.commune_a.code}/")
        expect(self.page.get_by_role("cell", name="Thôn Yên Lược")).to_be_visible()
        # Nothing may stick out sideways on a phone except inside the scrolling table wrapper.
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        self.assertLessEqual(overflow, 0)
        self.screenshot("commune-detail-phone", full_page=True)

    def test_language_switcher_turns_the_site_english(self):
        self.log_in("lanhdao")
        self.page.get_by_label("Ngôn ngữ").select_option("en")
        self.page.get_by_role("button", name="Đổi").click()
        expect(self.page.locator("html")).to_have_attribute("lang", "en")
        expect(self.page.get_by_role("link", name="Overview")).to_be_visible()
        self.screenshot("leader-home-english")
