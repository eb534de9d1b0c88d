import datetime

from django.urls import reverse

from communes.models import Department, Province
from criteria.models import Recognition
from dossiers.models import Appraisal, Document, Dossier, Transition
from dossiers.services import WorkflowError, record_appraisal, record_recognition
from tests.dossiers.base import DossierTestCase, tiny_pdf

Status = Dossier.Status
Result = Appraisal.Result
SENT = datetime.date(2024, 10, 1)
INSPECTED = datetime.date(2024, 10, 9)


class AppraisalTestCase(DossierTestCase):
    """Commune A's complete dossier, accepted by the district; three provincial departments."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.accepted_dossier(cls.commune_a)
        cls.url = reverse("dossiers:appraisals", args=[cls.dossier.pk])

    def record(self, department, *, sent_on=SENT, inspected_on=None, result=Result.PENDING, criteria=(2,)):
        return record_appraisal(
            dossier=self.dossier,
            department=department,
            user=self.coordinator,
            sent_on=sent_on,
            inspected_on=inspected_on,
            result=result,
            comments="",
            criteria=self.ntm.criteria.filter(number__in=criteria),
        )

    def post(self, user, department, **fields):
        self.client.force_login(user)
        fields = {"result": Result.PENDING, **fields}
        data = {"department": department.pk, **{f"d{department.pk}-{k}": v for k, v in fields.items()}}
        return self.client.post(self.url, data)

    def criterion_pks(self, *numbers):
        return list(self.ntm.criteria.filter(number__in=numbers).values_list("pk", flat=True))

    def all_agreed(self):
        for department in (self.sgtvt, self.snn, self.syt):
            self.record(department, inspected_on=INSPECTED, result=Result.AGREED)


class RecordAppraisalTests(AppraisalTestCase):
    def test_the_first_sent_date_moves_the_dossier_to_sent(self):
        self.post(self.coordinator, self.sgtvt, sent_on="01/10/2024", criteria=self.criterion_pks(2, 3))
        appraisal = Appraisal.objects.get(dossier=self.dossier)
        self.assertEqual((appraisal.department, appraisal.sent_on), (self.sgtvt, SENT))
        self.assertEqual(sorted(c.number for c in appraisal.criteria.all()), [2, 3])
        self.assertStatus(self.dossier, Status.SENT)
        self.assertEqual(Transition.objects.filter(dossier=self.dossier).last().to_status, Status.SENT)

    def test_the_documents_seen_default_to_the_current_versions_of_its_criteria(self):
        roads = self.item(self.dossier, 2)
        old = Document.objects.filter(item=roads).first()
        new = self.upload(
            roads, tiny_pdf("ban moi"), title=old.title, user=self.coordinator, on_behalf_reason="Bản mới"
        )
        self.post(self.coordinator, self.sgtvt, sent_on="01/10/2024", criteria=self.criterion_pks(2))
        seen = set(Appraisal.objects.get().documents_seen.all())
        self.assertEqual(seen, set(Document.objects.current().filter(item=roads)))
        self.assertIn(new, seen)
        self.assertNotIn(old, seen)

    def test_a_result_without_a_sent_date_is_refused_next_to_the_field(self):
        response = self.post(self.coordinator, self.sgtvt, result=Result.AGREED)
        form = next(r["form"] for r in response.context["rows"] if r["department"] == self.sgtvt)
        self.assertEqual(form.errors["result"], ["Chưa gửi hồ sơ cho sở, ngành này thì chưa thể có kết quả."])
        self.assertFalse(Appraisal.objects.exists())
        self.assertStatus(self.dossier, Status.ACCEPTED)

    def test_the_service_refuses_a_result_without_a_sent_date(self):
        with self.assertRaisesMessage(
            WorkflowError, "Chưa gửi hồ sơ cho sở, ngành này thì chưa thể có kết quả."
        ):
            self.record(self.sgtvt, sent_on=None, result=Result.AGREED)
        self.assertFalse(Appraisal.objects.exists())

    def test_inspected_before_sent_is_refused_next_to_the_field(self):
        response = self.post(self.coordinator, self.sgtvt, sent_on="10/10/2024", inspected_on="05/10/2024")
        message = "Ngày về kiểm tra không thể trước ngày gửi hồ sơ."
        form = next(r["form"] for r in response.context["rows"] if r["department"] == self.sgtvt)
        self.assertEqual(form.errors["inspected_on"], [message])
        self.assertContains(
            response, f'<ul class="errorlist" role="alert"><li>{message}</li></ul>', html=True
        )
        self.assertFalse(Appraisal.objects.exists())

    def test_inspected_without_sent_is_refused(self):
        response = self.post(self.coordinator, self.sgtvt, inspected_on="05/10/2024")
        self.assertContains(response, "Chưa có ngày gửi hồ sơ thì chưa thể về kiểm tra.")
        self.assertFalse(Appraisal.objects.exists())

    def test_appraisals_wait_for_the_district_to_accept(self):
        draft = self.open_dossier(self.commune_b)
        with self.assertRaisesMessage(WorkflowError, "Chỉ ghi thẩm định khi huyện đã chấp nhận hồ sơ."):
            record_appraisal(
                dossier=draft,
                department=self.sgtvt,
                user=self.coordinator,
                sent_on=SENT,
                inspected_on=None,
                result=Result.PENDING,
                comments="",
                criteria=[],
            )
        self.assertFalse(Appraisal.objects.exists())

    def test_a_department_that_is_not_a_number_gives_404(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.post(self.url, {"department": "abc"}).status_code, 404)

    def test_a_department_of_another_province_gives_404(self):
        other = Department.objects.create(
            name="Sở Y tế Nghệ An",
            short_name="SYT-NA",
            level=Department.Level.PROVINCE,
            province=self.other_province(),
        )
        self.assertEqual(self.post(self.coordinator, other, sent_on="01/10/2024").status_code, 404)
        self.assertFalse(Appraisal.objects.exists())

    def other_province(self):
        return Province.objects.create(code="40", name="Nghệ An")

    def test_only_the_coordinator_records(self):
        for user in (self.leader, self.official_a, self.department_officer):
            with self.subTest(user=user.username):
                self.assertEqual(self.post(user, self.sgtvt, sent_on="01/10/2024").status_code, 403)
        self.assertFalse(Appraisal.objects.exists())
        self.assertStatus(self.dossier, Status.ACCEPTED)


class CountTests(AppraisalTestCase):
    def setUp(self):
        self.record(self.sgtvt, inspected_on=INSPECTED)
        self.record(self.snn)

    def test_the_appraisals_page_counts_sent_and_inspected(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.url)
        self.assertContains(response, "Đã gửi 2/3 ngành, 1 ngành đã về kiểm tra")

    def test_the_dossier_page_counts_sent_and_inspected(self):
        self.client.force_login(self.leader)
        response = self.client.get(self.dossier.get_absolute_url())
        self.assertContains(response, '<div class="figure">2/3</div>', html=True)
        self.assertContains(response, "1 ngành đã về kiểm tra")

    def test_the_dossier_page_says_it_in_the_words_of_the_issue(self):
        # Issue 4: "The dossier page and the dashboard show 'đã gửi 8/17 ngành, 5 ngành đã về kiểm tra'".
        self.client.force_login(self.leader)
        response = self.client.get(self.dossier.get_absolute_url())
        self.assertIn("đã gửi 2/3 ngành, 1 ngành đã về kiểm tra", response.content.decode().lower())

    def test_the_dashboard_counts_sent_and_inspected(self):
        self.client.force_login(self.leader)
        response = self.client.get(reverse("reports:dashboard"), {"set": self.ntm.code, "year": 2024})
        self.assertContains(response, "đã gửi 2/3 ngành, 1 ngành đã về kiểm tra")


class OverallRuleTests(AppraisalTestCase):
    def test_the_first_agreed_answer_does_not_make_it_appraised(self):
        self.record(self.sgtvt, inspected_on=INSPECTED, result=Result.AGREED)
        self.assertStatus(self.dossier, Status.SENT)

    def test_not_appraised_while_a_department_has_not_been_sent(self):
        self.record(self.sgtvt, result=Result.AGREED)
        self.record(self.snn, result=Result.AGREED)
        self.assertStatus(self.dossier, Status.SENT)

    def test_not_appraised_while_a_department_is_pending(self):
        self.record(self.sgtvt, result=Result.AGREED)
        self.record(self.snn, result=Result.AGREED)
        self.record(self.syt, result=Result.PENDING)
        self.assertStatus(self.dossier, Status.SENT)

    def test_not_appraised_while_a_department_asks_for_supplements(self):
        self.record(self.sgtvt, result=Result.AGREED)
        self.record(self.snn, result=Result.NEEDS_SUPPLEMENT)
        self.record(self.syt, result=Result.AGREED)
        self.assertStatus(self.dossier, Status.SENT)

    def test_appraised_when_all_three_agree(self):
        self.all_agreed()
        self.assertStatus(self.dossier, Status.APPRAISED)
        last = Transition.objects.filter(dossier=self.dossier).last()
        self.assertEqual(
            (last.from_status, last.to_status, last.actor), ("sent", "appraised", self.coordinator)
        )

    def test_a_changed_answer_takes_it_back_to_sent(self):
        self.all_agreed()
        self.record(self.snn, inspected_on=INSPECTED, result=Result.NEEDS_SUPPLEMENT)
        self.assertStatus(self.dossier, Status.SENT)
        last = Transition.objects.filter(dossier=self.dossier).last()
        self.assertEqual((last.from_status, last.to_status), ("appraised", "sent"))

    def test_the_page_says_when_every_department_agreed(self):
        self.all_agreed()
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url)
        self.assertContains(response, "Đã gửi 3/3 ngành, 3 ngành đã về kiểm tra, 3 ngành đã có kết quả.")
        self.assertContains(response, "Tất cả sở, ngành đã thẩm định đạt")


class RecognitionTests(AppraisalTestCase):
    decision = {"decision_number": "5102/QĐ-UBND", "decided_on": "26/12/2024", "signer": "Chủ tịch UBND tỉnh"}

    def post_decision(self, user):
        self.client.force_login(user)
        return self.client.post(
            reverse("dossiers:recognition", args=[self.dossier.pk]), self.decision, follow=True
        )

    def test_the_decision_is_recorded_as_a_recognition(self):
        self.all_agreed()
        self.post_decision(self.coordinator)
        recognition = Recognition.objects.get()
        self.assertEqual(
            (
                recognition.commune,
                recognition.criteria_set,
                recognition.decision_number,
                recognition.decided_on,
            ),
            (self.commune_a, self.ntm, "5102/QĐ-UBND", datetime.date(2024, 12, 26)),
        )
        self.dossier.refresh_from_db()
        self.assertEqual((self.dossier.status, self.dossier.recognition), (Status.RECOGNISED, recognition))

    def test_the_dossier_page_shows_the_decision(self):
        self.all_agreed()
        response = self.post_decision(self.coordinator)
        self.assertContains(response, "Đã có quyết định công nhận số 5102/QĐ-UBND ngày 26/12/2024.")

    def test_it_is_refused_before_every_department_agreed(self):
        self.record(self.sgtvt, result=Result.AGREED)
        response = self.post_decision(self.coordinator)
        message = "Chỉ ghi quyết định công nhận khi các sở, ngành đã thẩm định đạt."
        self.assertIn(message, self.messages_of(response))
        self.assertFalse(Recognition.objects.exists())
        self.assertStatus(self.dossier, Status.SENT)

    def test_the_service_refuses_it_on_an_accepted_dossier(self):
        with self.assertRaises(WorkflowError):
            record_recognition(
                dossier=self.dossier, user=self.coordinator, decision_number="1/QĐ", decided_on=SENT
            )
        self.assertFalse(Recognition.objects.exists())

    def test_only_the_coordinator_records_it(self):
        self.all_agreed()
        for user in (self.leader, self.official_a, self.department_officer):
            with self.subTest(user=user.username):
                self.assertEqual(self.post_decision(user).status_code, 403)
        self.assertFalse(Recognition.objects.exists())
        self.assertStatus(self.dossier, Status.APPRAISED)

    def test_it_rejects_get(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(
            self.client.get(reverse("dossiers:recognition", args=[self.dossier.pk])).status_code, 405
        )
