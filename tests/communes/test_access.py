from communes.access import access_for
from communes.models import Commune, Membership, Province
from tests.base import PersonasTestCase


class AccessTests(PersonasTestCase):
    def test_district_roles_see_every_commune_of_the_district(self):
        for user in (self.coordinator, self.department_officer, self.leader):
            visible = set(access_for(user).visible_communes().values_list("name", flat=True))
            self.assertEqual(visible, {"Dân Lý", "Dân Lực"}, user.username)

    def test_commune_official_sees_only_own_commune(self):
        visible = list(access_for(self.official_a).visible_communes())
        self.assertEqual(visible, [self.commune_a])
        self.assertFalse(access_for(self.official_a).can_see_commune(self.commune_b))

    def test_user_without_membership_sees_nothing(self):
        self.assertFalse(access_for(self.nobody).visible_communes().exists())

    def test_communes_of_another_district_stay_hidden(self):
        other = Province.objects.create(code="40", name="Nghệ An")
        far = Commune.objects.create(code="17000", name="Xã Xa", province=other)
        self.assertFalse(access_for(self.coordinator).can_see_commune(far))
        self.assertNotIn(far, access_for(self.leader).visible_communes())

    def test_province_membership_covers_communes_without_district(self):
        merged = Commune.objects.create(code="16000", name="Xã Mới", province=self.province)
        user = self.make_user("tinh", Membership.Role.COORDINATOR, province=self.province)
        self.assertTrue(access_for(user).can_change_commune(merged))

    def test_who_may_change_a_commune(self):
        self.assertTrue(access_for(self.coordinator).can_change_commune(self.commune_a))
        self.assertTrue(access_for(self.official_a).can_change_commune(self.commune_a))
        self.assertFalse(access_for(self.official_b).can_change_commune(self.commune_a))
        self.assertFalse(access_for(self.leader).can_change_commune(self.commune_a))
        self.assertFalse(access_for(self.department_officer).can_change_commune(self.commune_a))

    def test_leader_is_read_only(self):
        self.assertTrue(access_for(self.leader).is_read_only)
        self.assertFalse(access_for(self.coordinator).is_read_only)

    def test_department_officer_verifies_for_own_department(self):
        self.assertEqual(
            access_for(self.department_officer).verifies_for(self.commune_a), {self.department.pk}
        )
        self.assertEqual(access_for(self.coordinator).verifies_for(self.commune_a), frozenset())

    def test_superuser_sees_and_changes_everything(self):
        access = access_for(self.admin)
        self.assertEqual(access.visible_communes().count(), 2)
        self.assertTrue(access.can_change_commune(self.commune_b))

    def test_access_is_computed_once_per_user_object(self):
        access_for(self.leader)
        with self.assertNumQueries(0):
            access_for(self.leader).visible_communes()
