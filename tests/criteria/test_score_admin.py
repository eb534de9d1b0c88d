"""A score edited in the admin is judged as any other entry: its result comes from the
value and the target that applies, a contradicting result needs a reason, a changed value
voids the department's verification, and the history says who and why. The voiding rule
answers the same through the entry page, the import and the admin."""

from decimal import Decimal

from django.urls import reverse

from communes.models import Region
from criteria.models import IndicatorTarget, Score
from criteria.resources import COLUMNS, import_scores
from criteria.services import ScoreEdit, record_scores
from tests.base import AssessmentTestCase
from tools.xlsx import write_xlsx


class ScoreAdminTests(AssessmentTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.watered = cls.indicators["3.1"]
        IndicatorTarget.objects.create(indicator=cls.watered, region=Region.BTB, value="≥90%")

    def setUp(self):
        self.client.force_login(self.admin)
        self.score = Score.objects.create(
            indicator=self.watered,
            commune=self.commune_a,
            year=2024,
            value_number=Decimal("95"),
            status=Score.Status.MET,
            verification=Score.Verification.VERIFIED,
            verified_by=self.department_officer,
        )

    def post(self, **changes):
        score = self.score
        data = {
            "indicator": score.indicator_id,
            "commune": score.commune_id,
            "village": "",
            "year": score.year,
            "value_number": score.value_number,
            "value_text": score.value_text,
            "status": "",
            "override_reason": score.override_reason,
            "note": score.note,
            "verification": score.verification,
            "verified_by": score.verified_by_id or "",
            "verified_at_0": "",
            "verified_at_1": "",
            "verification_comment": score.verification_comment,
            **changes,
        }
        response = self.client.post(reverse("admin:criteria_score_change", args=[score.pk]), data)
        self.score.refresh_from_db()
        return response

    def test_an_empty_result_is_computed_from_the_value_and_the_target(self):
        self.assertEqual(self.post(value_number="85.5").status_code, 302)
        self.assertEqual(
            (self.score.value_number, self.score.status), (Decimal("85.5"), Score.Status.NOT_MET)
        )

    def test_a_result_contradicting_the_value_needs_a_reason(self):
        response = self.post(value_number="85", status=Score.Status.MET)
        self.assertContains(response, "phải nêu lý do")
        self.assertEqual(self.score.value_number, Decimal("95"))

    def test_a_result_contradicting_the_value_with_a_reason_is_kept_as_an_override(self):
        self.post(value_number="85", status=Score.Status.MET, override_reason="Đo lại tháng 6")
        self.assertEqual((self.score.status, self.score.override_reason), ("met", "Đo lại tháng 6"))
        self.assertEqual(self.score.history.latest().history_change_reason, "Đo lại tháng 6")

    def test_not_applicable_needs_a_conditional_indicator(self):
        response = self.post(value_number="", status=Score.Status.NOT_APPLICABLE)
        self.assertContains(response, "không phải chỉ tiêu “nếu có”")
        self.assertEqual(self.score.status, Score.Status.MET)

    def test_a_changed_value_voids_the_verification(self):
        self.post(value_number="80")
        self.assertEqual(
            (self.score.verification, self.score.verified_by), (Score.Verification.PENDING, None)
        )

    def test_a_changed_note_keeps_the_verification(self):
        self.post(note="Bổ sung biên bản")
        self.assertEqual((self.score.note, self.score.verification), ("Bổ sung biên bản", "verified"))

    def test_the_history_names_the_admin_and_the_reason(self):
        self.post(value_number="92")
        record = self.score.history.latest()
        self.assertEqual(
            (record.history_user, record.history_change_reason), (self.admin, "Sửa trong trang quản trị")
        )
        self.assertEqual((self.score.entered_by, self.score.version), (self.admin, 2))


class VerificationRuleTests(AssessmentTestCase):
    """One rule, three paths: the entry page's service, the import and the admin."""

    def verified_score(self):
        Score.objects.all().delete()
        return Score.objects.create(
            indicator=self.indicators["1.1"],
            commune=self.commune_a,
            year=2024,
            status=Score.Status.MET,
            verification=Score.Verification.VERIFIED,
            verified_by=self.department_officer,
        )

    def through_the_entry_page(self, status, note):
        score = self.verified_score()
        score.indicator = self.indicators["1.1"]
        score.assess(value_number=None, value_text="", status=status, reason="", target=None)
        score.note = note
        record_scores(
            commune=self.commune_a,
            year=2024,
            edits=[ScoreEdit(score, 1)],
            user=self.official_a,
            reason="Sửa",
        )

    def through_the_import(self, status, note):
        self.verified_score()
        row = [self.commune_a.code, "Dân Lý", "", self.ntm.code, "1.1", 2024, "", status, note]
        words = {Score.Status.MET: "Đạt", Score.Status.NOT_MET: "Chưa đạt"}
        row[7] = words[status]
        self.assertTrue(import_scores(write_xlsx([COLUMNS, row]), user=self.coordinator).ok)

    def through_the_admin(self, status, note):
        score = self.verified_score()
        self.client.force_login(self.admin)
        data = {
            "indicator": score.indicator_id,
            "commune": score.commune_id,
            "year": 2024,
            "status": status,
            "note": note,
            "verification": score.verification,
            "verified_by": score.verified_by_id,
        }
        self.client.post(reverse("admin:criteria_score_change", args=[score.pk]), data)

    def test_each_path_voids_a_changed_result_and_keeps_a_changed_note(self):
        for path in (self.through_the_entry_page, self.through_the_import, self.through_the_admin):
            with self.subTest(path.__name__):
                path(Score.Status.NOT_MET, "")
                self.assertEqual(Score.objects.get().verification, Score.Verification.PENDING)
                path(Score.Status.MET, "Bổ sung biên bản")
                score = Score.objects.get()
                self.assertEqual((score.note, score.verification), ("Bổ sung biên bản", "verified"))
