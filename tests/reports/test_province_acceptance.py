"""A province at the size the 2025 reform made it: three former districts of 50 communes
each, run by the province's coordinator and leader, and a merger of three communes on
01/7/2025 that keeps every earlier number, as of any date."""

from django.core.cache import cache
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from communes.models import Commune, District, Membership, Region
from communes.services import merge_communes
from criteria.models import Score
from ntm.lib.text import fold
from tests.base import AssessmentTestCase
from tests.communes.test_mergers import ENTERED, EVE, ON, YEAR

PER_DISTRICT = 50
MERGED = ("15934", "15937", "39203")


class ProvinceOf150CommunesTests(AssessmentTestCase):
    """Triệu Sơn's 50 communes meet all 19 criteria, Nông Cống's 18 (criterion 11 not met),
    Như Thanh's none."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        nong_cong = District.objects.create(code="393", name="Nông Cống", province=cls.province)
        nhu_thanh = District.objects.create(code="394", name="Như Thanh", province=cls.province)
        # Triệu Sơn has Dân Lý and Dân Lực already: 48 more, then 50 in each of the others.
        new = [
            (district, f"{district.code}{n:02}")
            for district, first in ((cls.district, 3), (nong_cong, 1), (nhu_thanh, 1))
            for n in range(first, PER_DISTRICT + 1)
        ]
        bulk_create_with_history(
            [
                Commune(
                    code=code,
                    name=f"Xã {code}",
                    search_name=fold(f"Xã {code}"),
                    province=cls.province,
                    district=district,
                    region=Region.BTB,
                )
                for district, code in new
            ],
            Commune,
        )
        unmet = {"392": {}, "393": {"11": Score.Status.NOT_MET}, "394": None}
        scores = [
            Score(
                indicator=indicator,
                commune=commune,
                year=YEAR,
                status=Score.Status.NOT_MET
                if unmet[commune.district.code] is None
                else unmet[commune.district.code].get(code, Score.Status.MET),
            )
            for commune in Commune.objects.select_related("district")
            for code, indicator in cls.indicators.items()
        ]
        bulk_create_with_history(scores, Score, default_date=ENTERED)
        cls.province_coordinator = cls.make_user("tinh", Membership.Role.COORDINATOR, province=cls.province)
        cls.province_leader = cls.make_user("lanhdao_tinh", Membership.Role.LEADER, province=cls.province)

    def setUp(self):
        cache.clear()

    def dashboard(self, user, **params):
        self.client.force_login(user)
        return self.client.get(reverse("reports:dashboard"), {"set": self.ntm.code, "year": YEAR, **params})

    def tiles(self, response) -> dict:
        """{former district: (communes, average criteria met)} of the province's tiles."""
        return {t.name: (t.totals.all_count, t.totals.average_criteria) for t in response.context["groups"]}

    def test_the_province_coordinator_and_leader_see_its_150_communes_by_former_district(self):
        self.assertEqual(Commune.objects.filter(province=self.province).count(), 150)
        for user in (self.province_coordinator, self.province_leader):
            with self.subTest(user.username):
                response = self.dashboard(user)
                self.assertEqual(
                    self.tiles(response), {"Như Thanh": (50, 0), "Nông Cống": (50, 18), "Triệu Sơn": (50, 19)}
                )
                summary = response.context["summary"]
                self.assertEqual((summary.all_count, round(summary.average_criteria, 1)), (150, 12.3))
                self.assertContains(response, '<div class="figure">12,3</div>', html=True)
                # Tiles, not a grid of 150 rows.
                self.assertEqual(response.context["grid_rows"], [])

    def test_a_tile_opens_the_50_communes_of_its_former_district(self):
        response = self.dashboard(self.province_leader, group="huyen-393")
        rows = response.context["grid_rows"]
        self.assertEqual(len(rows), PER_DISTRICT)
        self.assertEqual({(r.commune.district.code, r.standing.criteria_met) for r in rows}, {("393", 18)})
        self.assertContains(response, "18/19", count=PER_DISTRICT)

    def test_the_province_report_has_a_row_and_an_annex_per_former_district(self):
        self.client.force_login(self.province_leader)
        response = self.client.get(reverse("reports:district"), {"set": self.ntm.code, "year": YEAR})
        self.assertContains(response, "UBND TỈNH THANH HÓA")
        for annex in ("Huyện Như Thanh cũ", "Huyện Nông Cống cũ", "Huyện Triệu Sơn cũ"):
            self.assertContains(response, annex)

    def test_a_merger_of_three_communes_keeps_every_earlier_number_as_of_any_date(self):
        self.client.force_login(self.province_coordinator)
        merge_communes(into_code="99001", from_codes=list(MERGED), on=ON, name="Xã Dân Hòa")
        before = {"Như Thanh": (50, 0), "Nông Cống": (50, 18), "Triệu Sơn": (50, 19)}
        for as_of in (ENTERED.date(), EVE):
            with self.subTest(as_of=as_of):
                self.assertEqual(self.tiles(self.dashboard(self.province_coordinator, as_of=as_of)), before)
        # From the merger on, Triệu Sơn has 47 old communes and the new one, which has
        # no results of its own yet, so the average is of the 47.
        for as_of in ({"as_of": ON.isoformat()}, {}):
            with self.subTest(**as_of):
                response = self.dashboard(self.province_coordinator, **as_of)
                self.assertEqual(self.tiles(response)["Triệu Sơn"], (48, 19))
                self.assertEqual(response.context["summary"].all_count, 148)
        for code in MERGED:
            for as_of in (EVE, ON, None):
                with self.subTest(code=code, as_of=as_of):
                    query = {
                        "set": self.ntm.code,
                        "year": YEAR,
                        **({"as_of": as_of.isoformat()} if as_of else {}),
                    }
                    response = self.client.get(reverse("reports:scorecard", args=[code]), query)
                    self.assertEqual(response.context["standing"].criteria_met, 19)
        response = self.client.get(
            reverse("reports:scorecard", args=["99001"]), {"set": self.ntm.code, "year": YEAR}
        )
        numbers = {r.commune.code: r.standing.criteria_met for r in response.context["predecessor_rows"]}
        self.assertEqual(numbers, dict.fromkeys(MERGED, 19))
