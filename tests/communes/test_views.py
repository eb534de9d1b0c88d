from django.urls import reverse

from communes.models import Commune, Village
from tests.base import PersonasTestCase


class CommuneListTests(PersonasTestCase):
    url = reverse("communes:commune_list")

    def test_it_lists_the_district_communes(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertContains(response, "Dân Lý")
        self.assertContains(response, "Dân Lực")

    def test_it_requires_login(self):
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")

    def test_commune_official_sees_only_own_commune(self):
        self.client.force_login(self.official_a)
        response = self.client.get(self.url)
        self.assertContains(response, "Dân Lý")
        self.assertNotContains(response, "Dân Lực")

    def test_search_folds_diacritics(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url, {"q": "dan ly"})
        self.assertContains(response, "Dân Lý")
        self.assertNotContains(response, "Dân Lực")

    def test_search_with_diacritics_and_capitals(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url, {"q": "DÂN LỰC"})
        self.assertEqual([c.name for c in response.context["page"]], ["Dân Lực"])

    def test_user_without_membership_sees_an_empty_list(self):
        self.client.force_login(self.nobody)
        response = self.client.get(self.url)
        self.assertEqual(response.context["page"].paginator.count, 0)

    def test_query_count_does_not_grow_with_communes(self):
        self.client.force_login(self.coordinator)
        # session, user, memberships, count, page of communes (with village counts)
        with self.assertNumQueries(5):
            self.client.get(self.url)
        for n in range(40):
            commune = Commune.objects.create(
                code=f"9{n:04d}", name=f"Xã {n}", province=self.province, district=self.district
            )
            Village.objects.create(commune=commune, code="T01", name="Thôn 1")
        with self.assertNumQueries(5):
            response = self.client.get(self.url)
        self.assertEqual(response.context["page"].paginator.count, 42)
