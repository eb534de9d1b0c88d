"""Owners of criteria per district (or province): two districts of one province verify the
same national set through their own departments; the coordinator edits the assignment."""

from django.urls import reverse

from communes.models import Commune, Department, District
from criteria.access import can_verify
from criteria.models import CriterionOwner, Score
from criteria.services import verify_score
from tests.base import AssessmentTestCase


class TwoDistrictsTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other_district = District.objects.create(code="393", name="Nông Cống", province=cls.province)
        cls.commune_c = Commune.objects.create(
            code="16000", name="Tế Lợi", province=cls.province, district=cls.other_district
        )
        cls.other_department = Department.objects.create(
            name="Phòng Kinh tế và Hạ tầng Nông Cống",
            short_name="KT&HT",
            level=Department.Level.DISTRICT,
            district=cls.other_district,
        )
        cls.other_officer = cls.make_user(
            "phongkt_nc", "department", district=cls.other_district, department=cls.other_department
        )
        transport = cls.ntm.criteria.get(number=2)
        cls.assign_owner(transport, cls.department)
        cls.assign_owner(transport, cls.other_department)
        cls.road = cls.indicators["2.1"]
        cls.score_all(cls.commune_a, 2024)
        cls.score_all(cls.commune_c, 2024)
        Score.objects.update(entered_by=cls.official_a)

    def score(self, commune):
        return Score.objects.select_related("commune", "indicator__criterion").get(
            commune=commune, indicator=self.road, year=2024
        )

    def test_each_district_verifies_through_its_own_department(self):
        for officer, commune in (
            (self.department_officer, self.commune_a),
            (self.other_officer, self.commune_c),
        ):
            with self.subTest(officer.username):
                score = self.score(commune)
                verify_score(score=score, user=officer, verified=True, comment="", read_version=score.version)
                self.assertEqual(self.score(commune).verified_by, officer)

    def test_neither_verifies_the_other_districts_commune(self):
        self.assertFalse(can_verify(self.department_officer, self.commune_c, self.road))
        self.assertFalse(can_verify(self.other_officer, self.commune_a, self.road))

    def test_each_officers_queue_holds_only_their_district(self):
        for officer, commune in (
            (self.department_officer, self.commune_a),
            (self.other_officer, self.commune_c),
        ):
            with self.subTest(officer.username):
                self.client.force_login(officer)
                scores = (
                    self.client.get(reverse("criteria:verification_queue")).context["page"].paginator.count
                )
                self.assertEqual(
                    scores, Score.objects.filter(commune=commune, indicator__criterion__number=2).count()
                )

    def test_nobody_verifies_a_result_they_entered(self):
        score = self.score(self.commune_a)
        Score.objects.filter(pk=score.pk).update(entered_by=self.department_officer)
        score = self.score(self.commune_a)
        with self.assertRaisesMessage(Exception, "không tự thẩm tra"):
            verify_score(
                score=score,
                user=self.department_officer,
                verified=True,
                comment="",
                read_version=score.version,
            )


class OwnersPageTests(AssessmentTestCase):
    def url(self, level="district", code="392"):
        return reverse("criteria:owners", args=[self.ntm.code, level, code])

    def test_the_coordinator_assigns_a_criterion_and_an_indicator(self):
        self.client.force_login(self.coordinator)
        other = Department.objects.create(
            name="Phòng Tư pháp", short_name="TP", level=Department.Level.DISTRICT, district=self.district
        )
        law = self.indicators["18.5"]
        data = {f"c{self.ntm.criteria.get(number=18).pk}": self.department.pk, f"i{law.pk}": other.pk}
        response = self.client.post(self.url(), data)
        self.assertEqual(response.status_code, 302)
        rows = set(CriterionOwner.objects.values_list("criterion__number", "indicator__code", "department"))
        self.assertEqual(rows, {(18, None, self.department.pk), (18, "18.5", other.pk)})

    def test_the_province_assignment_lists_only_provincial_departments(self):
        Department.objects.create(
            name="Sở Y tế", short_name="SYT", level=Department.Level.PROVINCE, province=self.province
        )
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("province", "38"))
        self.assertEqual([d.name for d in response.context["form"].departments.values()], ["Sở Y tế"])

    def test_the_leader_reads_but_does_not_change_it(self):
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        self.assertEqual(self.client.post(self.url(), {}).status_code, 403)

    def test_a_commune_official_does_not_see_it(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_is_reachable_from_the_set_page(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(self.ntm.get_absolute_url()), self.url())
