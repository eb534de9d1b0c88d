import pytest

from criteria.models import Indicator, Score
from dossiers.services import create_dossier
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase

YEAR = 2024


@pytest.mark.browser
class ContentSecurityPolicyTests(BrowserTestCase):
    """The pages people use, the report previews among them, break no rule of the
    Content-Security-Policy: Chromium reports every refused inline style or script."""

    def setUp(self):
        super().setUp()
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        Score.objects.bulk_create(
            Score(indicator=indicator, commune=commune, year=YEAR, status=Score.Status.MET)
            for indicator in Indicator.objects.filter(criterion__criteria_set=self.ntm)
            for commune in (self.commune_a, self.commune_b)
        )
        self.dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=YEAR, user=self.coordinator
        )
        self.violations = []
        self.page.on("console", self.note_violation)

    def note_violation(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(message.text)

    def visit(self, path):
        self.page.goto(f"{self.live_server_url}{path}?set={self.ntm.code}&year={YEAR}")

    def test_the_pages_and_report_previews_keep_to_the_policy(self):
        self.log_in("dieuphoi")
        a = self.commune_a.code
        for path in (
            "/",
            f"/communes/{a}/",
            f"/communes/{a}/assessment/{self.ntm.code}/{YEAR}/1/",
            f"/dossiers/{self.dossier.pk}/",
            "/reports/",
            "/reports/district/",
            f"/reports/communes/{a}/",
            "/reports/dossiers/",
        ):
            with self.subTest(path):
                self.visit(path)
                self.assertEqual(self.violations, [])
        self.visit("/reports/district/")
        # The legend's colour swatches and the column widths survive without style attributes.
        self.assertTrue(self.page.locator(".legend .swatch").first.is_visible())
        widths = self.page.evaluate(
            "[...document.querySelectorAll('table.data col')].slice(0, 2)"
            ".map(c => c.getBoundingClientRect().width)"
        )
        self.assertLess(widths[0] * 2, widths[1])
        self.screenshot("district-report-preview-under-csp", full_page=True)

    def test_the_admin_keeps_to_the_policy(self):
        self.log_in("quantri")
        change = f"/admin/communes/commune/{self.commune_a.pk}/change/"
        for path in ("/admin/", "/admin/communes/commune/", change):
            with self.subTest(path):
                self.page.goto(f"{self.live_server_url}{path}")
                self.assertEqual(self.violations, [])
