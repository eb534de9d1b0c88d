import pytest

from dossiers.models import Dossier, DossierItem
from dossiers.services import create_dossier, review_item
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase


@pytest.mark.browser
class AuditJourneyTests(BrowserTestCase):
    def test_a_coordinator_finds_who_reviewed_an_item(self):
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=2024, user=self.official_a
        )
        # Submitted (evidence and its checks are the dossier tests' business).
        Dossier.objects.filter(pk=dossier.pk).update(status=Dossier.Status.SUBMITTED)
        item = dossier.items.select_related("dossier__commune", "criterion").get(criterion__number=2)
        review_item(
            item=item, user=self.coordinator, review=DossierItem.Review.INCOMPLETE, comment="Thiếu bản đồ"
        )

        self.log_in("dieuphoi")
        self.page.get_by_role("link", name="Nhật ký thay đổi").click()
        self.page.get_by_label("Loại thay đổi").select_option(label="Thẩm tra thành phần hồ sơ")
        self.page.get_by_role("button", name="Lọc").click()
        row = self.page.locator("tbody tr").first
        self.assertIn("Thiếu bản đồ", row.inner_text())
        self.assertIn("Cần bổ sung", row.inner_text())
        self.assertIn("Dân Lý", row.inner_text())
        self.screenshot("audit-item-review", full_page=True)
