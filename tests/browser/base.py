"""Browser tests: Playwright driving Debian's Chromium against a live server."""

from pathlib import Path

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from playwright.sync_api import sync_playwright

from tests.base import PASSWORD, Personas

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
# Without these, Chromium tries to reach Google's services, which an office
# intranet (and CI) refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class BrowserTestCase(Personas, StaticLiveServerTestCase):
    """Starts one Chromium per class; a fresh page (and cookie jar) per test.

    There is deliberately no skip: if Chromium cannot start, these tests fail.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        OUTPUT.mkdir(parents=True, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self):
        self.create_personas()
        # An English browser, as on many office PCs: the app must still speak Vietnamese.
        self.context = self.browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()

    def tearDown(self):
        self.context.close()

    def log_in(self, username, password=PASSWORD):
        self.page.goto(f"{self.live_server_url}/accounts/login/")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(password)
        self.page.get_by_role("button", name="Đăng nhập").click()

    def screenshot(self, name, **kwargs):
        path = OUTPUT / f"{name}.png"
        self.page.screenshot(path=str(path), **kwargs)
        return path
