from django.urls import reverse

from communes.models import Commune
from reports.views import COMMUNE_LINKS_PER_PAGE
from tests.base import AssessmentTestCase


class ReportIndexTests(AssessmentTestCase):
    url = reverse("reports:index")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.score_all(cls.commune_a, 2024)

    def get(self, user, **params):
        self.client.force_login(user)
        return self.client.get(self.url, params)

    def test_it_links_every_report_with_the_filters(self):
        response = self.get(self.leader, as_of="2024-04-30")
        query = f"set={self.ntm.code}&amp;year=2024&amp;as_of=2024-04-30"
        for name in (
            "district",
            "district_pdf",
            "district_xlsx",
            "dossiers",
            "dossiers_pdf",
            "dossiers_xlsx",
        ):
            with self.subTest(name):
                self.assertContains(response, f'href="{reverse(f"reports:{name}")}?{query}"')
        self.assertContains(
            response, f'href="{reverse("reports:commune", args=[self.commune_a.code])}?{query}"'
        )

    def test_a_code_that_needs_quoting_is_linked_as_reverse_quotes_it(self):
        Commune.objects.create(code="Đ 1", name="Xã <Mới>", province=self.province, district=self.district)
        response = self.get(self.leader)
        query = f"set={self.ntm.code}&amp;year=2024"
        self.assertContains(
            response, f'<a href="/reports/communes/%C4%90%201/?{query}">Xã &lt;Mới&gt;</a>', html=True
        )
        self.assertContains(response, f'href="{reverse("reports:commune_pdf", args=["Đ 1"])}?{query}"')

    def test_a_commune_official_is_offered_only_their_commune(self):
        response = self.get(self.official_a)
        self.assertEqual(list(response.context["communes"]), [self.commune_a])

    def test_it_is_in_the_navigation(self):
        nav = self.get(self.official_a).context["nav_items"]
        self.assertIn({"label": "Báo cáo", "url": self.url, "active": True}, nav)

    def test_the_dashboard_and_scorecard_link_to_their_reports(self):
        self.client.force_login(self.leader)
        query = f"set={self.ntm.code}&amp;year=2024"
        self.assertContains(self.client.get("/"), f'href="{reverse("reports:district")}?{query}"')
        scorecard = self.client.get(reverse("reports:scorecard", args=[self.commune_a.code]))
        self.assertContains(
            scorecard, f'href="{reverse("reports:commune", args=[self.commune_a.code])}?{query}"'
        )

    def test_it_requires_login(self):
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next={self.url}")

    def test_query_count_is_the_same_for_2_and_130_communes(self):
        # session, user, the sets (the choices and the default: one list), its latest
        # year, memberships, count and page of communes, the units of the scope and the
        # names of their provinces and former districts, snapshots, the districts whose
        # signature block the coordinator keeps
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(12):
            self.client.get(self.url)
        for n in range(128):
            Commune.objects.create(
                code=f"7{n:04d}", name=f"Xã {n:03d}", province=self.province, district=self.district
            )
        with self.assertNumQueries(12):
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["communes"]), COMMUNE_LINKS_PER_PAGE)
        self.assertContains(response, f"?set={self.ntm.code}&amp;year=2024&amp;page=2")
        # Dân Lục, Dân Lý, then Xã 000–097 on page 1; Xã 098–127 on page 2.
        response = self.client.get(self.url, {"page": 2})
        self.assertEqual(response.context["communes"][0].name, "Xã 098")
        self.assertEqual(len(response.context["communes"]), 30)
