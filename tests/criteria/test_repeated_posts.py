"""A form sent twice (a double click, a retry after a timeout, the back button) gives the
result of one: no server error, no second row, no second history record."""

from decimal import Decimal
from unittest import mock

from django import forms
from django.urls import reverse

from criteria.forms import CopySetForm, RecognitionForm, RegistrationForm
from criteria.models import CriteriaSet, Recognition, Registration, Score
from tests.criteria.test_assessment_views import CriterionPageTestCase
from tests.criteria.test_programme_views import ProgrammeTestCase

Status = Score.Status


class RepeatedProgrammePostTests(ProgrammeTestCase):
    def post_twice(self, url, data):
        self.client.force_login(self.coordinator)
        return self.client.post(url, data), self.client.post(url, data)

    def test_registering_a_year_twice_keeps_one_registration(self):
        first, second = self.post_twice(self.register_url, self.registration_data())
        self.assertEqual(first.status_code, 302)
        self.assertContains(second, "Xã đã đăng ký về đích năm này cho bộ tiêu chí này.")
        self.assertEqual(Registration.objects.filter(target_year=2026).count(), 1)

    def test_a_registration_that_races_past_the_form_is_the_forms_error(self):
        # As when two posts pass the form's check together: the constraint refuses the second.
        Registration.objects.create(
            commune=self.commune_a, criteria_set=self.ntm, target_year=2026, registered_on="2025-02-01"
        )
        self.client.force_login(self.official_a)
        with mock.patch.object(RegistrationForm, "clean", forms.ModelForm.clean):
            response = self.client.post(self.register_url, self.registration_data())
        self.assertContains(response, "Xã đã đăng ký về đích năm này cho bộ tiêu chí này.")
        self.assertEqual(Registration.objects.filter(target_year=2026).count(), 1)

    def test_confirming_twice_confirms_once(self):
        first, second = self.post_twice(self.confirm_url, {})
        self.assertEqual((first.status_code, second.status_code), (302, 302))
        self.registration.refresh_from_db()
        self.assertEqual(self.registration.confirmed_by, self.coordinator)
        self.assertEqual(self.registration.history.filter(confirmed_by__isnull=False).count(), 1)

    def test_recording_a_decision_twice_keeps_one(self):
        first, second = self.post_twice(self.recognise_url, self.recognition_data())
        self.assertEqual(first.status_code, 302)
        self.assertContains(second, "Quyết định số này đã được ghi cho xã và bộ tiêu chí này.")
        self.assertEqual(Recognition.objects.filter(decision_number="88/QĐ-UBND").count(), 1)

    def test_a_decision_that_races_past_the_form_is_the_forms_error(self):
        Recognition.objects.create(
            commune=self.commune_a,
            criteria_set=self.ntm,
            decision_number="88/QĐ-UBND",
            decided_on="2025-01-05",
        )
        self.client.force_login(self.coordinator)
        with mock.patch.object(RecognitionForm, "clean", forms.ModelForm.clean):
            response = self.client.post(self.recognise_url, self.recognition_data())
        self.assertContains(response, "Quyết định số này đã được ghi cho xã và bộ tiêu chí này.")
        self.assertEqual(Recognition.objects.filter(decision_number="88/QĐ-UBND").count(), 1)

    def test_revoking_twice_revokes_once(self):
        first, second = self.post_twice(self.revoke_url, self.revocation_data())
        self.assertRedirects(second, self.programme_url, fetch_redirect_response=False)
        self.assertEqual(self.recognition.history.filter(revoked_on__isnull=False).count(), 1)

    def test_copying_a_set_that_races_past_the_form_is_the_forms_error(self):
        self.client.force_login(self.coordinator)
        data = {"code": "TH-2022-XA-NTM", "name": "Bộ tiêu chí tỉnh", "issuer": self.province.pk}
        self.client.post(reverse("criteria:set_copy", args=[self.ntm.code]), data)
        with mock.patch.object(CopySetForm, "clean_code", lambda form: form.cleaned_data["code"]):
            response = self.client.post(reverse("criteria:set_copy", args=[self.ntm.code]), data)
        self.assertContains(response, "Đã có bộ tiêu chí với mã này.")
        self.assertEqual(CriteriaSet.objects.filter(code="TH-2022-XA-NTM").count(), 1)


class RepeatedScorePostTests(CriterionPageTestCase):
    def test_the_same_scores_sent_twice_are_saved_once(self):
        self.client.force_login(self.official_a)
        data = self.entry_data({"3.1": {"value": "85,5"}, "3.2": {"status": "met"}})
        self.client.post(self.url, data)
        response = self.client.post(self.url, data, follow=True)
        self.assertContains(response, "Đã lưu 2 chỉ tiêu của tiêu chí 3.")
        self.assertEqual(sorted(Score.objects.values_list("version", flat=True)), [1, 1])
        self.assertEqual(Score.history.count(), 2)

    def test_a_different_value_on_a_stale_form_is_still_a_conflict(self):
        self.client.force_login(self.official_a)
        self.client.post(self.url, self.entry_data({"3.1": {"value": "85,5"}}))
        response = self.client.post(self.url, self.entry_data({"3.1": {"value": "90"}}))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Score.objects.get(indicator=self.watered).value_number, Decimal("85.5"))

    def test_a_verification_sent_twice_is_recorded_once(self):
        score = self.score(self.watered, value_number=Decimal("85.5"), status=Status.MET)
        self.client.force_login(self.department_officer)
        url = reverse(
            "criteria:score_verify", args=[self.commune_a.code, self.ntm.code, 2024, 3, self.watered.pk]
        )
        data = {f"v{self.watered.pk}-decision": "1", f"v{self.watered.pk}-version": score.version}
        self.client.post(url, data)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        score.refresh_from_db()
        self.assertEqual((score.verification, score.version), (Score.Verification.VERIFIED, 2))
