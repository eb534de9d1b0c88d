import pytest
from playwright.sync_api import expect

from communes.models import Commune, CommuneGroup, Membership, Province, Region
from criteria.models import Indicator, Score
from tests.base import load_shipped_set
from tests.browser.base import BrowserTestCase

YEAR = 2024


@pytest.mark.browser
class CountryJourneyTests(BrowserTestCase):
    """A user of several provinces goes from the country to a province, a group and a
    commune by clicking, and back."""

    def setUp(self):
        super().setUp()
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        nghe_an = Province.objects.create(code="40", name="Nghệ An")
        self.vinh_loc = Commune.objects.create(
            code="17000",
            name="Vĩnh Lộc",
            province=nghe_an,
            region=Region.BTB,
            commune_group=CommuneGroup.GROUP_1,
        )
        Commune.objects.create(
            code="17100",
            name="Hưng Nguyên",
            province=nghe_an,
            region=Region.BTB,
            commune_group=CommuneGroup.GROUP_2,
        )
        indicators = list(Indicator.objects.filter(criterion__criteria_set=self.ntm))
        Score.objects.bulk_create(
            Score(indicator=indicator, commune=commune, year=YEAR, status=Score.Status.MET)
            for commune in (self.vinh_loc, self.commune_a)
            for indicator in indicators
        )
        national = self.make_user("trunguong", Membership.Role.LEADER, province=self.province)
        Membership.objects.create(user=national, role=Membership.Role.LEADER, province=nghe_an)
        self.log_in("trunguong")

    def test_country_province_group_commune_and_back(self):
        page = self.page
        provinces = page.get_by_role("table").filter(has_text="Số xã theo số tiêu chí đạt")
        expect(provinces.get_by_role("row")).to_have_count(4)  # two header rows, two provinces
        expect(provinces.get_by_role("row", name="Nghệ An")).to_contain_text("19,0")
        self.screenshot("country-1-provinces")
        provinces.get_by_role("link", name="Nghệ An").click()
        expect(page.get_by_role("heading", name="Các nhóm xã")).to_be_visible()
        page.get_by_role("link", name="Nhóm 1").click()
        grid = page.locator("table.grid")
        expect(grid.get_by_role("link", name="Vĩnh Lộc")).to_be_visible()
        expect(grid).not_to_contain_text("Hưng Nguyên")
        expect(grid).not_to_contain_text(self.commune_a.name)
        self.screenshot("country-2-group")
        grid.get_by_role("link", name="Vĩnh Lộc").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Vĩnh Lộc")
        page.go_back()
        page.get_by_role("link", name="Tất cả các tỉnh").click()
        expect(page.get_by_role("heading", name="Các tỉnh")).to_be_visible()
