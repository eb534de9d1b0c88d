import re
from decimal import Decimal

from django.urls import reverse

from communes.models import Department, Membership
from criteria.models import Score
from tests.base import AssessmentTestCase

YEAR = 2024
Status = Score.Status
Verification = Score.Verification
REASON = "Tự đánh giá trên trang tiêu chí"


def field_errors(response, name: str) -> list[str]:
    """The errors shown in the field block of the input named `name` (empty when none)."""
    html = response.content.decode()
    for block in re.findall(r'<div class="field field-error">(.*?)</div>', html, re.S):
        if f'name="{name}"' in block:
            return re.findall(r"<li>(.*?)</li>", block)
    return []


def table_row(response, indicator) -> str:
    """The HTML of the indicator's row in the results and verification table."""
    html = response.content.decode()
    return re.search(rf'<tr id="indicator-{indicator.pk}">(.*?)</tr>', html, re.S).group(1)


class CriterionPageTestCase(AssessmentTestCase):
    """Criterion 3 of QD318 for Dân Lý: 3.1 (numeric, ≥80%) and 3.2 (yes/no), both owned by
    Phòng Kinh tế và Hạ tầng."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.watered, cls.disaster = cls.indicators["3.1"], cls.indicators["3.2"]
        for indicator in (cls.watered, cls.disaster):
            cls.assign_owner(indicator.criterion, cls.department, indicator=indicator)
        cls.url = cls.page_url(cls.commune_a)

    @staticmethod
    def page_url(commune, set_code="QD318-2022-XA-NTM", year=YEAR, number=3):
        return reverse("criteria:score_entry", args=[commune.code, set_code, year, number])

    def entry_data(self, changes=None) -> dict:
        """A first entry: both indicators blank (version 0) except `changes` ({"3.1": {...}})."""
        data = {}
        for indicator in (self.watered, self.disaster):
            fields = {"value": "", "status": "", "override_reason": "", "note": "", "version": 0}
            fields.update((changes or {}).get(indicator.code, {}))
            data.update({f"i{indicator.pk}-{name}": value for name, value in fields.items()})
        return data

    def posted_back(self, response, changes=None) -> dict:
        """What the browser sends back from the rendered page, with `changes`."""
        data = {}
        for row in response.context["rows"]:
            form = row["form"]
            values = {name: form[name].value() for name in form.fields}
            values.update((changes or {}).get(row["indicator"].code, {}))
            data.update({f"{form.prefix}-{name}": "" if v is None else v for name, v in values.items()})
        return data

    def score(self, indicator, *, by=None, **fields):
        """A score saved by `by` (default: the official of Dân Lý), as the site saves it."""
        score = Score(indicator=indicator, commune=self.commune_a, year=YEAR, **fields)
        return self.save_as(score, by or self.official_a)

    @staticmethod
    def save_as(score, user):
        score._history_user = user
        score.save()
        return score


class ScoreEntryTests(CriterionPageTestCase):
    def test_an_official_enters_two_scores(self):
        self.client.force_login(self.official_a)
        data = self.entry_data({"3.1": {"value": "85,5"}, "3.2": {"status": "met"}})
        response = self.client.post(self.url, data)
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        watered = Score.objects.get(indicator=self.watered, commune=self.commune_a, year=YEAR)
        self.assertEqual((watered.value_number, watered.status), (Decimal("85.5"), Status.MET))
        disaster = Score.objects.get(indicator=self.disaster, commune=self.commune_a, year=YEAR)
        self.assertEqual(disaster.status, Status.MET)
        self.assertEqual({watered.entered_by, disaster.entered_by}, {self.official_a})

    def test_a_value_below_the_target_is_saved_as_not_met(self):
        self.client.force_login(self.official_a)
        self.client.post(self.url, self.entry_data({"3.1": {"value": "79,9"}}))
        self.assertEqual(Score.objects.get(indicator=self.watered).status, Status.NOT_MET)

    def test_each_score_has_one_history_record_with_user_and_reason(self):
        self.client.force_login(self.official_a)
        self.client.post(self.url, self.entry_data({"3.1": {"value": "85,5"}, "3.2": {"status": "met"}}))
        records = Score.history.order_by("indicator__code")
        self.assertEqual([r.indicator.code for r in records], ["3.1", "3.2"])
        self.assertEqual(
            {(r.history_user, r.history_change_reason) for r in records}, {(self.official_a, REASON)}
        )

    def test_it_confirms_how_many_were_saved(self):
        self.client.force_login(self.official_a)
        data = self.entry_data({"3.1": {"value": "85,5"}, "3.2": {"status": "met"}})
        response = self.client.post(self.url, data, follow=True)
        self.assertContains(response, "Đã lưu 2 chỉ tiêu của tiêu chí 3.")

    def test_a_value_that_is_not_a_number_is_shown_next_to_its_field(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.url, self.entry_data({"3.1": {"value": "abc"}}))
        self.assertEqual(
            field_errors(response, f"i{self.watered.pk}-value"), ["Giá trị phải là số, ví dụ 85,5."]
        )

    def test_nan_is_refused_next_to_its_field(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.url, self.entry_data({"3.1": {"value": "NaN"}}))
        self.assertEqual(
            field_errors(response, f"i{self.watered.pk}-value"), ["Giá trị phải là số, ví dụ 85,5."]
        )

    def test_a_value_too_large_to_store_is_refused_next_to_its_field(self):
        # value_number keeps 14 digits, 4 of them decimals.
        self.client.force_login(self.official_a)
        response = self.client.post(self.url, self.entry_data({"3.1": {"value": "12345678901"}}))
        self.assertEqual(len(field_errors(response, f"i{self.watered.pk}-value")), 1)
        self.assertFalse(Score.objects.exists())

    def test_nothing_is_saved_when_one_field_is_wrong(self):
        self.client.force_login(self.official_a)
        self.client.post(self.url, self.entry_data({"3.1": {"value": "abc"}, "3.2": {"status": "met"}}))
        self.assertFalse(Score.objects.exists())

    def test_an_override_without_reason_is_shown_next_to_the_reason_field(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.url, self.entry_data({"3.1": {"value": "70", "status": "met"}}))
        (error,) = field_errors(response, f"i{self.watered.pk}-override_reason")
        self.assertIn("phải nêu lý do", error)
        self.assertFalse(Score.objects.exists())

    def test_an_override_with_reason_is_saved(self):
        self.client.force_login(self.official_a)
        reason = "Diện tích bị lũ cuốn trôi đã được khôi phục"
        data = self.entry_data({"3.1": {"value": "70", "status": "met", "override_reason": reason}})
        self.client.post(self.url, data)
        score = Score.objects.get(indicator=self.watered)
        self.assertEqual((score.status, score.override_reason), (Status.MET, reason))

    def test_an_override_is_the_history_reason(self):
        self.client.force_login(self.official_a)
        data = self.entry_data({"3.1": {"value": "70", "status": "met", "override_reason": "Đo lại"}})
        self.client.post(self.url, data)
        self.assertEqual(Score.history.get().history_change_reason, "Đo lại")

    def test_not_applicable_is_not_offered_for_an_indicator_that_always_applies(self):
        self.client.force_login(self.official_a)
        response = self.client.get(self.url)
        form = response.context["rows"][1]["form"]
        self.assertEqual(
            [v for v, _label in form.fields["status"].choices], ["", "met", "not_met", "basically_met"]
        )
        self.assertNotContains(response, 'value="not_applicable"')

    def test_not_applicable_is_refused_for_an_indicator_that_always_applies(self):
        self.client.force_login(self.official_a)
        response = self.client.post(self.url, self.entry_data({"3.2": {"status": "not_applicable"}}))
        self.assertEqual(len(field_errors(response, f"i{self.disaster.pk}-status")), 1)
        self.assertFalse(Score.objects.exists())

    def test_a_stale_form_is_refused(self):
        self.score(self.watered, value_number=75, status=Status.NOT_MET)
        self.client.force_login(self.official_a)
        data = self.posted_back(self.client.get(self.url), {"3.1": {"value": "85,5"}})
        other = Score.objects.get(indicator=self.watered)
        other.value_number = 60
        self.save_as(other, self.coordinator)
        response = self.client.post(self.url, data)
        self.assertContains(response, "vừa được người khác cập nhật", status_code=409)
        self.assertEqual(Score.objects.get(indicator=self.watered).value_number, 60)

    def test_a_score_created_since_the_page_was_opened_is_stale(self):
        self.client.force_login(self.official_a)
        data = self.posted_back(self.client.get(self.url), {"3.2": {"status": "not_met"}})
        self.score(self.disaster, status=Status.MET)
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Score.objects.get(indicator=self.disaster).status, Status.MET)

    def test_an_unchanged_form_saves_nothing(self):
        self.score(self.watered, value_number=Decimal("85.5"), status=Status.MET)
        self.score(self.disaster, status=Status.MET)
        self.client.force_login(self.official_a)
        response = self.client.post(self.url, self.posted_back(self.client.get(self.url)), follow=True)
        self.assertContains(response, "Không có thay đổi nào để lưu")
        self.assertEqual(list(Score.objects.values_list("version", flat=True)), [1, 1])

    def test_a_status_chosen_without_a_value_is_kept_when_the_note_changes(self):
        self.client.force_login(self.official_a)
        self.client.post(self.url, self.entry_data({"3.1": {"status": "met"}}))
        data = self.posted_back(self.client.get(self.url), {"3.1": {"note": "Theo biên bản kiểm tra"}})
        self.client.post(self.url, data)
        score = Score.objects.get(indicator=self.watered)
        self.assertEqual((score.note, score.status), ("Theo biên bản kiểm tra", Status.MET))

    def test_changing_one_indicator_saves_only_that_one(self):
        self.score(self.watered, value_number=Decimal("85.5"), status=Status.MET)
        self.score(self.disaster, status=Status.MET)
        self.client.force_login(self.official_a)
        data = self.posted_back(self.client.get(self.url), {"3.2": {"status": "not_met"}})
        self.client.post(self.url, data)
        versions = dict(Score.objects.values_list("indicator__code", "version"))
        self.assertEqual(versions, {"3.1": 1, "3.2": 2})


class ScoreEntryAccessTests(CriterionPageTestCase):
    def post(self, user=None, url=None, **extra):
        if user:
            self.client.force_login(user)
        return self.client.post(url or self.url, {**self.entry_data({"3.2": {"status": "met"}}), **extra})

    def test_an_official_sees_the_entry_form(self):
        self.client.force_login(self.official_a)
        self.assertContains(self.client.get(self.url), "Lưu tự đánh giá")

    def test_it_requires_login_to_read(self):
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")

    def test_it_requires_login_to_save(self):
        response = self.post()
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")
        self.assertFalse(Score.objects.exists())

    def test_it_hides_other_communes(self):
        self.client.force_login(self.official_b)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.post().status_code, 404)
        self.assertFalse(Score.objects.exists())

    def test_it_hides_everything_from_a_user_without_membership(self):
        self.client.force_login(self.nobody)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.post().status_code, 404)

    def test_a_change_made_outside_the_site_is_shown_as_by_the_system(self):
        # `import_scores` without --user, or a deleted account, leaves the history without a user.
        self.score(self.disaster, status=Status.MET)
        Score.history.update(history_user=None)
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(self.url), "hệ thống:")

    def test_leader_reads_without_the_entry_form(self):
        self.score(self.disaster, status=Status.NOT_MET)
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertNotContains(response, "Lưu tự đánh giá")
        self.assertIn("Chưa đạt", table_row(response, self.disaster))

    def test_leader_cannot_save(self):
        self.assertEqual(self.post(self.leader).status_code, 403)
        self.assertFalse(Score.objects.exists())

    def test_department_officer_reads_without_the_entry_form(self):
        self.client.force_login(self.department_officer)
        self.assertNotContains(self.client.get(self.url), "Lưu tự đánh giá")

    def test_department_officer_cannot_save(self):
        self.assertEqual(self.post(self.department_officer).status_code, 403)
        self.assertFalse(Score.objects.exists())

    def test_coordinator_saves_for_the_commune_with_a_reason(self):
        behalf = {"behalf-on_behalf": "on", "behalf-on_behalf_reason": "Xã chưa có cán bộ nhập"}
        self.assertEqual(self.post(self.coordinator, **behalf).status_code, 302)
        score = Score.objects.get()
        self.assertEqual(
            (score.entered_by, score.on_behalf_reason), (self.coordinator, "Xã chưa có cán bộ nhập")
        )
        self.assertEqual(score.history.first().history_change_reason, "Thay mặt xã: Xã chưa có cán bộ nhập")

    def test_coordinator_without_thay_mat_xa_saves_nothing(self):
        response = self.post(self.coordinator, **{"behalf-on_behalf_reason": "Xã chưa có cán bộ"})
        self.assertContains(response, "phải chọn “Thay mặt xã” và ghi lý do", status_code=200)
        self.assertFalse(Score.objects.exists())

    def test_the_commune_official_is_not_asked_for_thay_mat_xa(self):
        self.client.force_login(self.official_a)
        self.assertNotContains(self.client.get(self.url), "Thay mặt xã")

    def test_an_unknown_set_is_not_found(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.get(self.page_url(self.commune_a, set_code="KHONG-CO")).status_code, 404)

    def test_an_implausible_year_is_not_found(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.get(self.page_url(self.commune_a, year=1999)).status_code, 404)
        self.assertEqual(self.post(url=self.page_url(self.commune_a, year=1999)).status_code, 404)

    def test_an_unknown_criterion_is_not_found(self):
        self.client.force_login(self.official_a)
        self.assertEqual(self.client.get(self.page_url(self.commune_a, number=99)).status_code, 404)

    def test_query_count_does_not_grow_with_indicators(self):
        for indicator in self.indicators.values():
            if indicator.criterion.number in (3, 17):
                self.score(indicator, status=Status.MET)
        self.client.force_login(self.official_a)
        # session, user, memberships, commune, set, the set's region rules and amendments,
        # criterion, its indicators, their targets, the owners in the commune's district,
        # scores (with who entered and verified them), their history, the set's criteria numbers
        with self.assertNumQueries(14):
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["rows"]), 2)
        with self.assertNumQueries(14):
            response = self.client.get(self.page_url(self.commune_a, number=17))
        self.assertEqual(len(response.context["rows"]), 11)


class ScoreVerifyTests(CriterionPageTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other_department = Department.objects.create(
            name="Phòng Nông nghiệp và Môi trường",
            short_name="NN&MT",
            level=Department.Level.DISTRICT,
            district=cls.district,
        )
        cls.other_officer = cls.make_user(
            "phongnn", Membership.Role.DEPARTMENT, district=cls.district, department=cls.other_department
        )
        cls.verify_url = reverse(
            "criteria:score_verify", args=[cls.commune_a.code, cls.ntm.code, YEAR, 3, cls.watered.pk]
        )

    def setUp(self):
        self.entered = self.score(
            self.watered, value_number=Decimal("85.5"), status=Status.MET, entered_by=self.official_a
        )

    def verify(self, user, decision="1", comment="", version=None):
        self.client.force_login(user)
        data = {"decision": decision, "comment": comment, "version": version or self.entered.version}
        # Each row's verification form has its own prefix, so labels and ids never clash.
        prefixed = {f"v{self.watered.pk}-{name}": value for name, value in data.items()}
        return self.client.post(self.verify_url, prefixed)

    def current(self) -> Score:
        return Score.objects.get(pk=self.entered.pk)

    def test_the_owning_department_confirms(self):
        response = self.verify(self.department_officer)
        self.assertRedirects(
            response, f"{self.url}#indicator-{self.watered.pk}", fetch_redirect_response=False
        )
        score = self.current()
        self.assertEqual(
            (score.verification, score.verified_by), (Verification.VERIFIED, self.department_officer)
        )

    def test_a_confirmation_is_in_the_history(self):
        self.verify(self.department_officer)
        record = Score.history.latest()
        self.assertEqual((record.history_user, record.verification), (self.department_officer, "verified"))

    def test_a_rejection_needs_a_comment(self):
        response = self.verify(self.department_officer, decision="0")
        errors = field_errors(response, f"v{self.watered.pk}-comment")
        self.assertEqual(errors, ["Khi không xác nhận, hãy ghi ý kiến thẩm tra."])
        self.assertEqual(self.current().verification, Verification.PENDING)

    def test_a_rejection_with_a_comment_is_stored(self):
        self.verify(self.department_officer, decision="0", comment="Thiếu bảng thống kê diện tích")
        score = self.current()
        self.assertEqual(score.verification, Verification.REJECTED)
        self.assertEqual(score.verification_comment, "Thiếu bảng thống kê diện tích")

    def test_a_coordinator_may_verify(self):
        self.verify(self.coordinator)
        self.assertEqual(self.current().verified_by, self.coordinator)

    def test_another_department_cannot_verify(self):
        self.assertEqual(self.verify(self.other_officer).status_code, 403)
        self.assertEqual(self.current().verification, Verification.PENDING)

    def test_a_commune_official_cannot_verify(self):
        self.assertEqual(self.verify(self.official_a).status_code, 403)
        self.assertEqual(self.current().verification, Verification.PENDING)

    def test_leader_cannot_verify(self):
        self.assertEqual(self.verify(self.leader).status_code, 403)

    def test_an_official_of_another_commune_gets_not_found(self):
        self.assertEqual(self.verify(self.official_b).status_code, 404)

    def test_it_requires_login(self):
        response = self.client.post(
            self.verify_url, {f"v{self.watered.pk}-decision": "1", f"v{self.watered.pk}-version": 1}
        )
        self.assertRedirects(response, f"{reverse('login')}?next={self.verify_url}")

    def test_it_rejects_get(self):
        self.client.force_login(self.department_officer)
        self.assertEqual(self.client.get(self.verify_url).status_code, 405)

    def test_a_score_not_entered_cannot_be_verified(self):
        self.client.force_login(self.department_officer)
        url = reverse(
            "criteria:score_verify", args=[self.commune_a.code, self.ntm.code, YEAR, 3, self.disaster.pk]
        )
        self.assertEqual(self.client.post(url, {"decision": "1", "version": 1}).status_code, 404)

    def test_a_stale_verification_is_refused(self):
        read_version = self.entered.version
        self.entered.value_number = 60
        self.save_as(self.entered, self.official_a)
        response = self.verify(self.department_officer, version=read_version)
        self.assertContains(response, "vừa được người khác cập nhật", status_code=409)
        self.assertEqual(self.current().verification, Verification.PENDING)

    def test_a_changed_value_goes_back_to_pending(self):
        self.verify(self.department_officer)
        self.client.force_login(self.official_a)
        data = self.posted_back(self.client.get(self.url), {"3.1": {"value": "82"}})
        self.client.post(self.url, data)
        score = self.current()
        self.assertEqual((score.value_number, score.verification, score.verified_by), (82, "pending", None))

    def test_a_note_alone_keeps_the_verification(self):
        self.verify(self.department_officer)
        self.client.force_login(self.official_a)
        data = self.posted_back(self.client.get(self.url), {"3.1": {"note": "Số liệu năm 2024"}})
        self.client.post(self.url, data)
        score = self.current()
        self.assertEqual((score.note, score.verification), ("Số liệu năm 2024", Verification.VERIFIED))

    def test_the_page_shows_the_self_assessment_and_the_verification(self):
        self.verify(self.department_officer, decision="0", comment="Thiếu bảng thống kê")
        self.client.force_login(self.leader)
        row = table_row(self.client.get(self.url), self.watered)
        self.assertIn('<span class="status status-met">', row)
        self.assertIn("Không xác nhận", row)
        self.assertIn("Thiếu bảng thống kê", row)

    def test_the_owning_department_sees_the_verification_form(self):
        self.client.force_login(self.department_officer)
        self.assertIn("Ghi thẩm tra", table_row(self.client.get(self.url), self.watered))

    def test_another_department_does_not_see_the_verification_form(self):
        self.client.force_login(self.other_officer)
        self.assertNotIn("Ghi thẩm tra", table_row(self.client.get(self.url), self.watered))
