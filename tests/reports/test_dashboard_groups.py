from django.urls import reverse

from communes.models import Commune, CommuneGroup, District, Membership
from criteria.models import Score
from tests.base import AssessmentTestCase


class ProvinceGroupsTests(AssessmentTestCase):
    """A province coordinator and leader see the province's communes by former district,
    and by commune group where a commune has no district; a tile opens one group's grid."""

    url = reverse("reports:dashboard")

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other_district = District.objects.create(code="393", name="Nông Cống", province=cls.province)
        cls.commune_c = Commune.objects.create(
            code="15940", name="Tế Lợi", province=cls.province, district=cls.other_district
        )
        # Since 01/7/2025: a commune under the province directly, in commune group 2.
        cls.commune_d = Commune.objects.create(
            code="16000", name="Xã Mới", province=cls.province, commune_group=CommuneGroup.GROUP_2
        )
        cls.score_all(cls.commune_a, 2024, exceptions={"11": Score.Status.NOT_MET})
        cls.score_all(cls.commune_b, 2024)
        cls.score_all(cls.commune_c, 2024, status=Score.Status.NOT_MET)
        cls.province_coordinator = cls.make_user("tinh", Membership.Role.COORDINATOR, province=cls.province)
        cls.province_leader = cls.make_user("lanhdao_tinh", Membership.Role.LEADER, province=cls.province)

    def fetch(self, user, **params):
        self.client.force_login(user)
        return self.client.get(self.url, {"set": self.ntm.code, "year": 2024, **params})

    def test_the_province_sees_one_tile_per_group_with_its_average(self):
        for user in (self.province_coordinator, self.province_leader):
            with self.subTest(user.username):
                response = self.fetch(user)
                tiles = {tile.name: tile for tile in response.context["groups"]}
                self.assertEqual(list(tiles), ["Nhóm 2", "Nông Cống", "Triệu Sơn"])
                # Triệu Sơn: 18 and 19 criteria met; Nông Cống: none; group 2: not assessed.
                self.assertEqual(tiles["Triệu Sơn"].totals.average_criteria, 18.5)
                self.assertEqual(tiles["Nông Cống"].totals.average_criteria, 0)
                self.assertEqual(tiles["Nhóm 2"].totals.all_count, 1)
                self.assertContains(response, '<div class="figure">18,5</div>', html=True)
                # No grid of every commune: the tiles say where to look.
                self.assertEqual(response.context["grid_rows"], [])
                self.assertContains(
                    response, f'href="?set={self.ntm.code}&amp;year=2024&amp;group=huyen-392"'
                )

    def test_a_tile_opens_the_grid_of_its_communes(self):
        response = self.fetch(self.province_coordinator, group="huyen-392")
        self.assertEqual(
            [row.commune for row in response.context["grid_rows"]], [self.commune_b, self.commune_a]
        )
        self.assertEqual(response.context["summary"].average_criteria, 18.5)
        self.assertContains(response, "18/19")
        self.assertNotContains(response, "Tế Lợi</a>")

    def test_an_unknown_group_says_so_and_shows_the_tiles(self):
        response = self.fetch(self.province_coordinator, group="huyen-999")
        self.assertContains(response, "Không có nhóm xã này trong phạm vi theo dõi")
        self.assertEqual(len(response.context["groups"]), 3)
        self.assertEqual(response.context["grid_rows"], [])

    def test_a_district_sees_its_grid_without_tiles(self):
        response = self.fetch(self.coordinator)
        self.assertEqual(response.context["groups"], [])
        self.assertEqual(len(response.context["grid_rows"]), 2)

    def test_a_group_cannot_show_communes_outside_the_users_scope(self):
        response = self.fetch(self.coordinator, group="huyen-393")
        self.assertNotContains(response, "Tế Lợi")
