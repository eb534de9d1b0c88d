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


class CommuneDetailTests(PersonasTestCase):
    def url(self, commune):
        return reverse("communes:commune_detail", args=[commune.code])

    def test_it_shows_the_villages(self):
        self.client.force_login(self.official_a)
        response = self.client.get(self.url(self.commune_a))
        self.assertContains(response, "Thôn Nhất")
        self.assertContains(response, "Bắc Trung Bộ")

    def test_it_hides_other_communes(self):
        self.client.force_login(self.official_b)
        self.assertEqual(self.client.get(self.url(self.commune_a)).status_code, 404)

    def test_outsider_gets_404(self):
        self.client.force_login(self.nobody)
        self.assertEqual(self.client.get(self.url(self.commune_a)).status_code, 404)

    def test_unknown_code_gets_404(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get("/communes/00000/").status_code, 404)

    def test_it_requires_login(self):
        response = self.client.get(self.url(self.commune_a))
        self.assertEqual(response.status_code, 302)

    def test_leader_reads_every_commune(self):
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(self.url(self.commune_b)), "Thôn Đông")

    def test_village_search_folds_diacritics(self):
        Village.objects.create(commune=self.commune_a, code="T02", name="Thôn Đồng Lạc")
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url(self.commune_a), {"q": "dong lac"})
        self.assertEqual([v.name for v in response.context["villages"]], ["Thôn Đồng Lạc"])

    def test_it_links_predecessors_of_a_merged_commune(self):
        merged = Commune.objects.create(
            code="16001", name="Dân Lý Mới", province=self.province, district=self.district
        )
        merged.predecessors.set([self.commune_a, self.commune_b])
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url(merged))
        self.assertContains(response, self.url(self.commune_a))
        self.assertContains(response, "Hình thành từ các xã")

    def test_query_count_does_not_grow_with_villages(self):
        self.client.force_login(self.coordinator)
        # session, user, memberships, commune, villages, predecessors, successors
        with self.assertNumQueries(7):
            self.client.get(self.url(self.commune_a))
        Village.objects.bulk_create(
            Village(commune=self.commune_a, code=f"X{n}", name=f"Thôn {n}", search_name=f"thon {n}")
            for n in range(60)
        )
        with self.assertNumQueries(7):
            response = self.client.get(self.url(self.commune_a))
        self.assertEqual(len(response.context["villages"]), 61)
