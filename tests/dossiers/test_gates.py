"""The gates of the workflow, the coordinator's override, separation of duties, sending to
the province with the province's assignment, and withdrawing after acceptance."""

import datetime

from django.urls import reverse

from communes.models import Department
from criteria.models import Score
from dossiers.models import Appraisal, Dossier, DossierItem, Transition
from dossiers.services import (
    WorkflowError,
    accept_dossier,
    send_to_province,
    submit_dossier,
    withdraw_document,
)
from tests.dossiers.base import YEAR, DossierTestCase
from tests.reports.documents import pdf_text

Status = Dossier.Status


class GateTestCase(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.fill(cls.dossier)

    def short_of_four_criteria(self):
        """Dân Lý at 15/19: criteria 2, 5, 11 and 17 not met this year."""
        codes = ["2.1", "5", "11", "17.1"]
        Score.objects.filter(commune=self.commune_a, year=YEAR, indicator__code__in=codes).update(
            status=Score.Status.NOT_MET
        )

    def act(self, user, action, **data):
        self.client.force_login(user)
        url = reverse("dossiers:dossier_action", args=[self.dossier.pk, action])
        return self.client.post(url, {f"{action}-{k}": v for k, v in data.items()}, follow=True)


class SubmitGateTests(GateTestCase):
    def test_a_dossier_at_15_of_19_cannot_be_submitted(self):
        self.short_of_four_criteria()
        response = self.act(self.official_a, "submit")
        self.assertEqual(
            self.messages_of(response),
            ["Xã mới đạt 15/19 tiêu chí theo tự đánh giá năm 2024; chưa đạt tiêu chí 2, 5, 11, 17."],
        )
        self.assertStatus(self.dossier, Status.DRAFT)

    def test_the_commune_cannot_override(self):
        self.short_of_four_criteria()
        with self.assertRaisesMessage(WorkflowError, "Chỉ Văn phòng điều phối được chuyển bước"):
            submit_dossier(dossier=self.dossier, user=self.official_a, override_reason="Xin đặc cách")
        self.assertStatus(self.dossier, Status.DRAFT)

    def test_the_coordinators_override_is_logged_and_printed(self):
        self.short_of_four_criteria()
        self.act(
            self.coordinator,
            "submit",
            on_behalf="on",
            on_behalf_reason="Xã mất điện, nộp qua huyện",
            override_reason="Ban Chỉ đạo cho nộp trước, tiêu chí 17 xong trong tháng 11",
        )
        self.assertStatus(self.dossier, Status.SUBMITTED)
        step = Transition.objects.get(dossier=self.dossier)
        self.assertEqual(step.on_behalf_reason, "Xã mất điện, nộp qua huyện")
        self.assertTrue(step.override_reason.startswith("Ban Chỉ đạo cho nộp trước"))
        self.assertIn("15/19", step.override_reason)
        page = self.client.get(self.dossier.get_absolute_url())
        self.assertContains(page, "Vượt điều kiện: Ban Chỉ đạo cho nộp trước")
        self.assertContains(page, "Thay mặt xã: Xã mất điện, nộp qua huyện")
        pdf = self.client.get(reverse("reports:dossiers_pdf"), {"set": self.ntm.code, "year": YEAR})
        text = " ".join(pdf_text(pdf.content).split())
        self.assertIn("Hồ sơ được chuyển bước khi chưa đủ điều kiện", text)
        self.assertIn("Ban Chỉ đạo cho nộp trước, tiêu chí 17 xong trong tháng 11", text)

    def test_the_coordinator_submitting_for_the_commune_must_say_so(self):
        response = self.act(self.coordinator, "submit")
        self.assertIn("phải chọn “Thay mặt xã” và ghi lý do", self.messages_of(response)[0])
        self.assertStatus(self.dossier, Status.DRAFT)


class AcceptGateTests(GateTestCase):
    def setUp(self):
        submit_dossier(dossier=self.dossier, user=self.official_a)

    def test_accept_needs_every_item_reviewed(self):
        response = self.act(self.coordinator, "accept")
        self.assertIn("Chưa xem xét 23 thành phần hồ sơ", self.messages_of(response)[0])
        self.assertStatus(self.dossier, Status.SUBMITTED)

    def test_accept_needs_every_criterion_verified_by_its_department(self):
        self.review_all(self.dossier)
        Score.objects.filter(commune=self.commune_a, indicator__code="2.1").update(
            verification=Score.Verification.PENDING
        )
        response = self.act(self.coordinator, "accept")
        self.assertEqual(
            self.messages_of(response), ["Tiêu chí chưa được phòng, ban phụ trách thẩm tra xác nhận: 2."]
        )

    def test_nobody_accepts_a_dossier_they_submitted(self):
        dossier = self.open_dossier(self.commune_b)
        self.fill(dossier)
        submit_dossier(dossier=dossier, user=self.coordinator, on_behalf_reason="Xã nhờ huyện nộp")
        self.review_all(dossier, user=self.admin)
        with self.assertRaisesMessage(WorkflowError, "người khác của huyện phải chấp nhận"):
            accept_dossier(dossier=dossier, user=self.coordinator)
        accept_dossier(dossier=dossier, user=self.admin)
        self.assertStatus(dossier, Status.ACCEPTED)

    def test_nobody_reviews_evidence_they_uploaded(self):
        item = self.item(self.dossier, 3)
        self.upload(item, name="anh-kenh.pdf", user=self.coordinator, on_behalf_reason="Xã gửi qua thư")
        self.client.force_login(self.coordinator)
        response = self.client.post(self.item_url(item), {"review": "complete", "comment": ""})
        self.assertContains(response, "không tự thẩm tra", status_code=400)


class SendAndWithdrawTests(GateTestCase):
    def setUp(self):
        submit_dossier(dossier=self.dossier, user=self.official_a)
        self.review_all(self.dossier)

    def test_only_an_accepted_dossier_goes_to_the_province(self):
        with self.assertRaisesMessage(WorkflowError, "Chỉ gửi hồ sơ lên tỉnh khi huyện đã chấp nhận"):
            send_to_province(dossier=self.dossier, user=self.coordinator)
        self.assertFalse(Appraisal.objects.exists())

    def test_sending_gives_each_department_the_criteria_the_province_assigned(self):
        accept_dossier(dossier=self.dossier, user=self.coordinator)
        for number in (1, 9):
            self.assign_owner(self.ntm.criteria.get(number=number), self.sgtvt)
        self.assign_owner(self.ntm.criteria.get(number=15), self.syt)
        response = self.act(self.coordinator, "send", due_on="")
        self.assertStatus(self.dossier, Status.SENT)
        criteria = {
            a.department.short_name: sorted(c.number for c in a.criteria.all())
            for a in Appraisal.objects.filter(dossier=self.dossier)
        }
        self.assertEqual(criteria, {"SGTVT": [1, 9], "SNNPTNT": [], "SYT": [15]})
        self.assertIn("Hồ sơ: Đã gửi tỉnh thẩm định.", self.messages_of(response))

    def test_withdrawing_after_acceptance_reopens_review(self):
        accept_dossier(dossier=self.dossier, user=self.coordinator)
        item = self.general_item(self.dossier, DossierItem.GeneralKind.MEETING_MINUTES)
        withdraw_document(document=item.documents.get(), user=self.coordinator, reason="Thiếu chữ ký")
        self.assertStatus(self.dossier, Status.SUBMITTED)
        item.refresh_from_db()
        self.assertEqual(item.review, DossierItem.Review.PENDING)
        step = Transition.objects.filter(dossier=self.dossier).last()
        self.assertEqual((step.from_status, step.to_status), (Status.ACCEPTED, Status.SUBMITTED))
        self.assertIn("Thiếu chữ ký", step.comment)


class StatusEverywhereTests(GateTestCase):
    def test_the_dashboard_and_the_list_say_each_dossiers_state(self):
        submit_dossier(dossier=self.dossier, user=self.official_a)
        self.client.force_login(self.leader)
        query = {"set": self.ntm.code, "year": YEAR}
        for url in (reverse("reports:dashboard"), reverse("dossiers:progress")):
            with self.subTest(url):
                self.assertContains(
                    self.client.get(url, query),
                    'status-submitted" title="Xã đã nộp, chờ huyện thẩm tra">đã nộp<',
                )


class OwnersPerProvinceTests(DossierTestCase):
    def test_the_appraisal_form_starts_from_the_provinces_assignment(self):
        dossier = self.accepted_dossier()
        self.assign_owner(self.ntm.criteria.get(number=15), self.syt)
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("dossiers:appraisals", args=[dossier.pk]))
        form = next(r["form"] for r in response.context["rows"] if r["department"] == self.syt)
        self.assertEqual(form.initial["criteria"], [self.ntm.criteria.get(number=15).pk])
        self.assertContains(response, reverse("criteria:owners", args=[self.ntm.code, "province", "38"]))


class DueDateTests(DossierTestCase):
    def test_the_coordinator_sets_the_day_the_commune_must_submit_by(self):
        dossier = self.open_dossier()
        self.client.force_login(self.coordinator)
        self.client.post(reverse("dossiers:dossier_due", args=[dossier.pk]), {"due-due_on": "30/11/2024"})
        dossier.refresh_from_db()
        self.assertEqual(dossier.due_on, datetime.date(2024, 11, 30))

    def test_the_leader_cannot(self):
        dossier = self.open_dossier()
        self.client.force_login(self.leader)
        response = self.client.post(
            reverse("dossiers:dossier_due", args=[dossier.pk]), {"due-due_on": "30/11/2024"}
        )
        self.assertEqual(response.status_code, 403)


class ProvincialDepartmentsTests(DossierTestCase):
    def test_a_province_without_departments_cannot_be_sent_to(self):
        Department.objects.filter(level=Department.Level.PROVINCE).delete()
        dossier = self.accepted_dossier()
        with self.assertRaisesMessage(WorkflowError, "chưa có sở, ngành"):
            send_to_province(dossier=dossier, user=self.coordinator)
