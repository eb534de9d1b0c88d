import datetime

from django.urls import reverse
from django.utils import timezone

from criteria.models import CriteriaSet, Recognition, Registration
from tests.base import AssessmentTestCase


class ProgrammeTestCase(AssessmentTestCase):
    """Dân Lý registered for 2025 and was recognised by decision 1234/QĐ-UBND of 20/12/2024."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.registration = Registration.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            target_year=2025,
            registered_on=datetime.date(2024, 1, 15),
        )
        cls.recognition = Recognition.objects.create(
            commune=cls.commune_a,
            criteria_set=cls.ntm,
            decision_number="1234/QĐ-UBND",
            decided_on=datetime.date(2024, 12, 20),
            signer="Chủ tịch UBND tỉnh",
        )
        code = cls.commune_a.code
        cls.register_url = reverse("criteria:registration_create", args=[code])
        cls.confirm_url = reverse("criteria:registration_confirm", args=[code, cls.registration.pk])
        cls.recognise_url = reverse("criteria:recognition_create", args=[code])
        cls.revoke_url = reverse("criteria:recognition_revoke", args=[code, cls.recognition.pk])
        cls.programme_url = f"{reverse('reports:scorecard', args=[code])}#programme"

    def registration_data(self, target_year=2026):
        return {"criteria_set": self.ntm.pk, "target_year": target_year, "registered_on": "10/02/2025"}

    def recognition_data(self):
        return {
            "criteria_set": self.ntm.pk,
            "decision_number": "88/QĐ-UBND",
            "decided_on": "05/01/2025",
            "signer": "Phó Chủ tịch UBND tỉnh",
        }

    def revocation_data(self, revoked_on="01/03/2025", reason="Tiêu chí môi trường không còn đạt"):
        return {"revoked_on": revoked_on, "revocation_reason": reason}

    def every_post(self):
        """Each programme action with data that would be accepted from a coordinator."""
        return [
            (self.register_url, self.registration_data()),
            (self.confirm_url, {}),
            (self.recognise_url, self.recognition_data()),
            (self.revoke_url, self.revocation_data()),
        ]

    def assert_nothing_changed(self):
        self.assertEqual(Registration.objects.count(), 1)
        self.assertIsNone(Registration.objects.get().confirmed_on)
        self.assertEqual(
            list(Recognition.objects.values_list("decision_number", "revoked_on")), [("1234/QĐ-UBND", None)]
        )


class RegistrationTests(ProgrammeTestCase):
    def test_a_commune_official_registers_a_target_year(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.register_url, self.registration_data())
        self.assertRedirects(response, self.programme_url, fetch_redirect_response=False)
        registration = Registration.objects.get(target_year=2026)
        self.assertEqual(
            (registration.commune, registration.registered_on, registration.confirmed_on),
            (self.commune_a, datetime.date(2025, 2, 10), None),
        )

    def test_it_says_the_district_must_confirm(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.register_url, self.registration_data(), follow=True)
        self.assertContains(response, "Đã đăng ký về đích năm 2026. Chờ huyện xác nhận.")

    def test_a_duplicate_registration_is_refused(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.register_url, self.registration_data(target_year=2025))
        self.assertContains(response, "Xã đã đăng ký về đích năm này cho bộ tiêu chí này.")
        self.assertEqual(Registration.objects.count(), 1)

    def test_the_same_year_may_be_registered_by_another_commune(self):
        self.client.force_login(self.official_b)
        url = reverse("criteria:registration_create", args=[self.commune_b.code])
        self.client.post(url, self.registration_data(target_year=2025))
        self.assertEqual(Registration.objects.filter(target_year=2025).count(), 2)

    def test_a_village_set_cannot_be_registered(self):
        village_set = CriteriaSet.objects.create(
            code="TH-THON", name="Thôn NTM", level=CriteriaSet.Level.VILLAGE
        )
        self.client.force_login(self.official_a)
        data = {**self.registration_data(), "criteria_set": village_set.pk}
        response = self.client.post(self.register_url, data)
        self.assertTrue(response.context["form"].has_error("criteria_set"))
        self.assertEqual(Registration.objects.count(), 1)

    def test_coordinator_confirms(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.confirm_url)
        self.assertRedirects(response, self.programme_url, fetch_redirect_response=False)
        registration = Registration.objects.get()
        self.assertEqual(
            (registration.confirmed_on, registration.confirmed_by), (timezone.localdate(), self.coordinator)
        )

    def test_a_registration_dated_ahead_is_confirmed_on_its_date(self):
        ahead = timezone.localdate() + datetime.timedelta(days=10)
        Registration.objects.filter(pk=self.registration.pk).update(registered_on=ahead)
        self.client.force_login(self.coordinator)
        self.client.post(self.confirm_url)
        self.assertEqual(Registration.objects.get().confirmed_on, ahead)

    def test_a_second_confirmation_keeps_the_first(self):
        Registration.objects.filter(pk=self.registration.pk).update(
            confirmed_on=datetime.date(2024, 2, 1), confirmed_by=self.admin
        )
        self.client.force_login(self.coordinator)
        self.client.post(self.confirm_url)
        registration = Registration.objects.get()
        self.assertEqual(
            (registration.confirmed_on, registration.confirmed_by), (datetime.date(2024, 2, 1), self.admin)
        )

    def test_a_commune_official_cannot_confirm(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.post(self.confirm_url).status_code, 403)
        self.assertIsNone(Registration.objects.get().confirmed_on)

    def test_confirm_rejects_get(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.confirm_url).status_code, 405)

    def test_a_registration_of_another_commune_is_not_found(self):
        other = Registration.objects.create(
            commune=self.commune_b,
            criteria_set=self.ntm,
            target_year=2025,
            registered_on=datetime.date(2024, 1, 1),
        )
        self.client.force_login(self.coordinator)
        url = reverse("criteria:registration_confirm", args=[self.commune_a.code, other.pk])
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertIsNone(Registration.objects.get(pk=other.pk).confirmed_on)


class RecognitionTests(ProgrammeTestCase):
    def test_coordinator_records_a_recognition(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.recognise_url, self.recognition_data())
        self.assertRedirects(response, self.programme_url, fetch_redirect_response=False)
        recognition = Recognition.objects.get(decision_number="88/QĐ-UBND")
        self.assertEqual(
            (recognition.commune, recognition.decided_on, recognition.signer),
            (self.commune_a, datetime.date(2025, 1, 5), "Phó Chủ tịch UBND tỉnh"),
        )

    def test_a_commune_official_cannot_record_a_recognition(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.get(self.recognise_url).status_code, 403)
        self.assertEqual(self.client.post(self.recognise_url, self.recognition_data()).status_code, 403)
        self.assertEqual(Recognition.objects.count(), 1)

    def test_coordinator_revokes_with_a_reason_and_a_date(self):
        self.client.force_login(self.coordinator)
        self.client.post(self.revoke_url, self.revocation_data())
        recognition = Recognition.objects.get()
        self.assertEqual(
            (recognition.revoked_on, recognition.revocation_reason),
            (datetime.date(2025, 3, 1), "Tiêu chí môi trường không còn đạt"),
        )

    def test_a_revocation_needs_a_reason(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.revoke_url, self.revocation_data(reason=""))
        self.assertTrue(response.context["form"].has_error("revocation_reason", "required"))
        self.assertIsNone(Recognition.objects.get().revoked_on)

    def test_a_revocation_needs_a_date(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.revoke_url, self.revocation_data(revoked_on=""))
        self.assertTrue(response.context["form"].has_error("revoked_on", "required"))
        self.assertEqual(Recognition.objects.get().revocation_reason, "")

    def test_a_revocation_cannot_precede_the_decision(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.revoke_url, self.revocation_data(revoked_on="19/12/2024"))
        self.assertContains(response, "Ngày thu hồi không thể trước ngày quyết định công nhận.")
        self.assertIsNone(Recognition.objects.get().revoked_on)

    def test_a_revocation_on_the_decision_day_is_accepted(self):
        self.client.force_login(self.coordinator)
        self.client.post(self.revoke_url, self.revocation_data(revoked_on="20/12/2024"))
        self.assertEqual(Recognition.objects.get().revoked_on, datetime.date(2024, 12, 20))

    def test_a_revoked_recognition_is_not_revoked_again(self):
        Recognition.objects.filter(pk=self.recognition.pk).update(
            revoked_on=datetime.date(2025, 1, 1), revocation_reason="Đã thu hồi"
        )
        self.client.force_login(self.coordinator)
        response = self.client.post(self.revoke_url, self.revocation_data(), follow=True)
        self.assertContains(response, "đã được thu hồi ngày 01/01/2025")
        recognition = Recognition.objects.get()
        self.assertEqual(
            (recognition.revoked_on, recognition.revocation_reason), (datetime.date(2025, 1, 1), "Đã thu hồi")
        )

    def test_a_commune_official_cannot_revoke(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.post(self.revoke_url, self.revocation_data()).status_code, 403)
        self.assertIsNone(Recognition.objects.get().revoked_on)


class ProgrammeAccessTests(ProgrammeTestCase):
    def test_leader_gets_403_on_every_post(self):
        self.client.force_login(self.leader)
        for url, data in self.every_post():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assert_nothing_changed()

    def test_department_officer_gets_403_on_every_post(self):
        self.client.force_login(self.department_officer)
        for url, data in self.every_post():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assert_nothing_changed()

    def test_other_commune_official_gets_404(self):
        self.client.force_login(self.official_b)
        for url, data in self.every_post():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assert_nothing_changed()

    def test_user_without_membership_gets_404(self):
        self.client.force_login(self.nobody)
        for url, data in self.every_post():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assert_nothing_changed()

    def test_anonymous_is_sent_to_login(self):
        for url, data in self.every_post():
            with self.subTest(url=url):
                self.assertRedirects(self.client.post(url, data), f"{reverse('login')}?next={url}")
        self.assert_nothing_changed()

    def test_leader_cannot_open_the_forms(self):
        self.client.force_login(self.leader)
        for url in (self.register_url, self.recognise_url, self.revoke_url):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
