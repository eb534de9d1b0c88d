import datetime

from django.urls import reverse

from communes.models import Commune, Village
from criteria.models import CriteriaSet, Criterion, Indicator, Registration, Score
from tests.base import AssessmentTestCase

UNMET = dict.fromkeys(("2.1", "2.2", "11", "13.2", "17.5"), Score.Status.NOT_MET)


class ScorecardTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)

    def url(self, commune=None):
        return reverse("reports:scorecard", args=[(commune or self.commune_a).code])

    def get(self, user, commune=None, **params):
        self.client.force_login(user)
        return self.fetch(commune, **params)

    def fetch(self, commune=None, **params):
        return self.client.get(self.url(commune), {"set": self.ntm.code, "year": 2024, **params})

    def test_it_shows_the_counts(self):
        response = self.get(self.official_a)
        self.assertContains(response, "15/19")
        self.assertContains(response, "52/57")

    def test_it_lists_exactly_the_unmet_indicators_first(self):
        response = self.get(self.leader)
        self.assertEqual(
            response.context["standing"].unmet_indicator_codes, ["2.1", "2.2", "11", "13.2", "17.5"]
        )
        html = response.content.decode()
        self.assertLess(html.index('id="unmet"'), html.index('id="criterion-1"'))
        self.assertEqual(
            [c.criterion.number for c in response.context["standing"].unmet_criteria], [2, 11, 13, 17]
        )

    def test_every_criterion_has_an_anchor_and_its_indicators(self):
        response = self.get(self.leader)
        for number in range(1, 20):
            self.assertContains(response, f'id="criterion-{number}"')
        self.assertContains(response, "Mai táng phù hợp với quy định và theo quy hoạch")

    def test_it_shows_value_target_and_verification(self):
        Score.objects.filter(commune=self.commune_a, indicator=self.indicators["3.1"]).update(
            value_number=85.5, verification=Score.Verification.VERIFIED
        )
        response = self.get(self.leader)
        self.assertContains(response, "85,5")
        self.assertContains(response, "≥80%")
        self.assertContains(response, "Đã thẩm tra, xác nhận")

    def test_it_shows_the_commune_facts_and_villages(self):
        response = self.get(self.coordinator)
        self.assertContains(response, "Thôn Nhất")
        self.assertContains(response, "Bắc Trung Bộ")

    def test_registration_and_risk_are_shown(self):
        Registration.objects.create(
            commune=self.commune_a,
            criteria_set=self.ntm,
            target_year=2024,
            registered_on=datetime.date(2023, 12, 1),
        )
        response = self.get(self.leader)
        self.assertTrue(response.context["row"].at_risk)
        self.assertContains(response, "Có nguy cơ không về đích năm 2024")

    def test_it_links_predecessors_of_a_merged_commune(self):
        merged = Commune.objects.create(
            code="16001", name="Dân Lý Mới", province=self.province, district=self.district
        )
        merged.predecessors.set([self.commune_a, self.commune_b])
        response = self.get(self.coordinator, commune=merged)
        self.assertContains(response, self.url(self.commune_a))
        self.assertContains(response, "Hình thành từ các xã")

    def test_village_results_are_included_where_a_village_set_is_used(self):
        village_set = CriteriaSet.objects.create(
            code="TH-THON-NTM", name="Bộ tiêu chí thôn NTM", level="village"
        )
        criterion = Criterion.objects.create(criteria_set=village_set, number=1, name="Đường thôn")
        indicator = Indicator.objects.create(criterion=criterion, code="1", text="Đường thôn được cứng hóa")
        Score.objects.create(
            indicator=indicator, commune=self.commune_a, village=self.village_a, year=2024, status="met"
        )
        response = self.get(self.leader)
        ((used_set, standings),) = response.context["village_results"]
        self.assertEqual(used_set, village_set)
        self.assertEqual((standings[0].place, standings[0].criteria_met), (self.village_a, 1))
        self.assertContains(response, "Thôn theo Bộ tiêu chí thôn NTM")

    def test_entry_links_only_for_those_who_may_enter(self):
        entry = reverse("criteria:score_entry", args=[self.commune_a.code, self.ntm.code, 2024, 2])
        self.assertContains(self.get(self.official_a), entry)
        self.assertContains(self.get(self.official_a), "Nhập, thẩm tra và lịch sử")
        self.assertContains(self.get(self.leader), "Chi tiết, thẩm tra và lịch sử")

    def test_it_hides_other_communes(self):
        self.assertEqual(self.get(self.official_b).status_code, 404)

    def test_outsider_gets_404(self):
        self.assertEqual(self.get(self.nobody).status_code, 404)

    def test_unknown_code_gets_404(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get("/communes/00000/").status_code, 404)

    def test_it_requires_login(self):
        response = self.client.get(self.url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}")

    def test_query_count_does_not_grow_with_villages(self):
        # session, user, memberships, commune, the sets (choices and default: one list), criteria,
        # indicators, targets, the set's region rules and amendments, scores, registrations,
        # recognitions, village sets in use,
        # registrations list, recognitions list, villages, predecessors, successors, dossier,
        # the owners in the commune's district
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(21):
            self.fetch()
        Village.objects.bulk_create(
            Village(commune=self.commune_a, code=f"X{n}", name=f"Thôn {n}", search_name=f"thon {n}")
            for n in range(60)
        )
        with self.assertNumQueries(21):
            response = self.fetch()
        self.assertEqual(len(response.context["villages"]), 61)

    def test_query_count_is_the_same_with_3_and_60_communes_in_the_district(self):
        def add_communes(numbers):
            for n in numbers:
                commune = Commune.objects.create(
                    code=f"5{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
                )
                self.score_all(commune, 2024)

        add_communes(range(1))
        self.client.force_login(self.coordinator)
        # the same 21 queries as above, whatever the size of the district
        with self.assertNumQueries(21):
            self.fetch()
        add_communes(range(1, 58))
        with self.assertNumQueries(21):
            response = self.fetch()
        self.assertEqual(response.context["standing"].criteria_met, 15)


class EnglishTests(AssessmentTestCase):
    """English shows the library's English names, and numbers and plurals as English writes them."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024, exceptions=UNMET)
        Score.objects.filter(commune=cls.commune_a, indicator=cls.indicators["3.1"]).update(value_number=15.6)

    def scorecard(self, language):
        self.client.force_login(self.official_a)
        self.client.post(reverse("set_language"), {"language": language, "next": "/"})
        url = reverse("reports:scorecard", args=[self.commune_a.code])
        return self.client.get(url, {"set": self.ntm.code, "year": 2024})

    def test_names_and_decimals_follow_the_language(self):
        english = self.scorecard("en")
        self.assertContains(english, "Criterion 1: Planning")
        self.assertContains(english, "2. Transport")
        self.assertContains(english, "National criteria set for new-rural (NTM) communes, 2021-2025")
        self.assertContains(english, "15.6 %")
        self.assertNotContains(english, "15,6")
        vietnamese = self.scorecard("vi")
        self.assertContains(vietnamese, "Tiêu chí 1: Quy hoạch")
        self.assertContains(vietnamese, "15,6 %")

    def test_plurals_follow_the_language(self):
        self.client.force_login(self.official_a)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        self.assertContains(self.client.get(reverse("communes:commune_list")), "1 commune")
        self.assertContains(self.scorecard("en"), "1 village")
