from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import Commune, CommuneGroup, Membership, Province, Region
from criteria.models import Score
from tests.base import AssessmentTestCase

Role = Membership.Role


class CountryDashboardTests(AssessmentTestCase):
    """A user who sees communes of several provinces starts from one line per province,
    opens a province, and from there its groups and communes."""

    url = reverse("reports:dashboard")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Thanh Hóa (38): Xuân Thọ 18/19, Xuân Lai 19/19, one former district.
        cls.score_all(cls.commune_a, 2024, exceptions={"11": Score.Status.NOT_MET})
        cls.score_all(cls.commune_b, 2024)
        # Nghệ An (40): two communes under the province directly, in two commune groups.
        cls.nghe_an = Province.objects.create(code="40", name="Nghệ An")
        cls.vinh_loc = cls.commune_in(cls.nghe_an, "17000", "Vĩnh Lộc", CommuneGroup.GROUP_1)
        cls.hung_nguyen = cls.commune_in(cls.nghe_an, "17100", "Hưng Nguyên", CommuneGroup.GROUP_2)
        cls.score_all(cls.vinh_loc, 2024, status=Score.Status.NOT_MET)
        cls.national = cls.make_user("trunguong", Role.LEADER, province=cls.province)
        Membership.objects.create(user=cls.national, role=Role.LEADER, province=cls.nghe_an)

    @staticmethod
    def commune_in(province, code, name, group):
        return Commune.objects.create(
            code=code, name=name, province=province, region=Region.BTB, commune_group=group
        )

    def setUp(self):
        cache.clear()

    def fetch(self, user=None, **params):
        self.client.force_login(user or self.national)
        return self.client.get(self.url, {"set": self.ntm.code, "year": 2024, **params})

    def test_one_line_per_province_with_its_numbers(self):
        response = self.fetch()
        lines = {line.name: line.totals for line in response.context["overview"].provinces}
        self.assertEqual(list(lines), ["Nghệ An", "Thanh Hóa"])
        self.assertEqual((lines["Thanh Hóa"].all_count, lines["Thanh Hóa"].average_criteria), (2, 18.5))
        # Nghệ An: Vĩnh Lộc assessed with 0 criteria met, Hưng Nguyên not assessed.
        self.assertEqual((lines["Nghệ An"].all_count, lines["Nghệ An"].commune_count), (2, 1))
        self.assertEqual(lines["Nghệ An"].average_criteria, 0)
        # The country's totals: three communes assessed, (18 + 19 + 0) / 3 criteria on average.
        self.assertEqual(response.context["overview"].totals.commune_count, 3)
        self.assertContains(response, '<div class="figure">12,3</div>', html=True)
        self.assertContains(response, f'href="?set={self.ntm.code}&amp;year=2024&amp;province=40"')
        # No commune is listed: the provinces say where to look.
        self.assertNotContains(response, "Vĩnh Lộc")
        self.assertNotContains(response, "Xuân Thọ")

    def test_a_province_opens_its_groups_and_a_group_its_communes(self):
        response = self.fetch(province="40")
        self.assertEqual([tile.name for tile in response.context["groups"]], ["Nhóm 1", "Nhóm 2"])
        self.assertContains(response, "Tất cả các tỉnh")
        self.assertNotContains(response, "Xuân Thọ")
        link = f'href="?set={self.ntm.code}&amp;year=2024&amp;province=40&amp;group=nhom-1"'
        self.assertContains(response, link)
        response = self.fetch(province="40", group="nhom-1")
        self.assertEqual([row.commune for row in response.context["grid_rows"]], [self.vinh_loc])
        self.assertContains(response, "0/19")

    def test_an_unknown_province_says_so_and_shows_every_province(self):
        response = self.fetch(province="99")
        self.assertContains(response, "Không có tỉnh này trong phạm vi theo dõi")
        self.assertEqual(len(response.context["overview"].provinces), 2)

    def test_a_province_user_cannot_open_another_province(self):
        response = self.fetch(self.coordinator, province="40")
        self.assertNotIn("overview", response.context)
        self.assertNotContains(response, "Vĩnh Lộc")
        self.assertEqual(
            {row.commune for row in response.context["grid"].rows}, {self.commune_a, self.commune_b}
        )

    def test_opening_a_province_after_the_country_reads_its_grid_from_the_cache(self):
        self.fetch()
        with CaptureQueriesContext(connection) as after_country:
            self.fetch(province="40")
        with CaptureQueriesContext(connection) as again:
            self.fetch(province="40")
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            self.fetch(province="40")
        # The grid's scores are read only when it is drawn (its query alone selects the
        # values); the work queue beside it is drawn once for the province.
        grid_scores = '"criteria_score"."value_number"'
        self.assertFalse([q for q in after_country.captured_queries if grid_scores in q["sql"]])
        self.assertTrue([q for q in cold.captured_queries if grid_scores in q["sql"]])
        self.assertLess(len(again), len(after_country))
        self.assertLess(len(after_country), len(cold))

    def test_the_country_costs_the_same_queries_for_2_and_5_provinces(self):
        # Queries: session, user, memberships, communes and provinces shown, the data version;
        # on a cold cache the criteria tree, rules and amendments, scores, registrations,
        # recognitions, dossiers; then the work queue, tasks and notifications.
        cold_small, warm_small = self.count_queries()
        for number in range(3):
            province = Province.objects.create(code=f"5{number}", name=f"Tỉnh {number}")
            for index in range(4):
                commune = self.commune_in(province, f"5{number}{index}00", f"Xã {number}.{index}", "1")
                self.score_all(commune, 2024)
            Membership.objects.create(user=self.national, role=Role.LEADER, province=province)
        cache.clear()
        cold_large, warm_large = self.count_queries()
        self.assertEqual(len(self.fetch().context["overview"].provinces), 5)
        self.assertEqual((cold_large, warm_large), (cold_small, warm_small))
        self.assertLess(warm_small, cold_small)

    def count_queries(self):
        """Queries of the country drawn, then from the cache (after a first view, which
        also fills the process's own caches)."""
        self.fetch()
        cache.clear()
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                self.fetch()
            counts.append(len(queries))
        return tuple(counts)
