from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.models import Document, Dossier, DossierItem, Transition
from dossiers.services import (
    WorkflowError,
    accept_dossier,
    return_dossier,
    review_item,
    submit_dossier,
    withdraw_document,
)
from tests.dossiers.base import DossierTestCase, tiny_pdf

Status = Dossier.Status
Review = DossierItem.Review
POVERTY_DECISION = "Quyết định phê duyệt kết quả rà soát hộ nghèo, hộ cận nghèo"


class WorkflowTestCase(DossierTestCase):
    """Commune A's dossier with every item complete, still a draft."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dossier = cls.open_dossier(cls.commune_a)
        cls.fill(cls.dossier, user=cls.official_a)
        cls.roads = cls.item(cls.dossier, 2)
        cls.irrigation = cls.item(cls.dossier, 3)
        cls.poverty = cls.item(cls.dossier, 11)

    def act(self, user, action, comment=""):
        self.client.force_login(user)
        url = reverse("dossiers:dossier_action", args=[self.dossier.pk, action])
        return self.client.post(url, {f"{action}-comment": comment}, follow=True)

    def review(self, user, item, review, comment=""):
        self.client.force_login(user)
        return self.client.post(self.item_url(item), {"review": review, "comment": comment})

    def submitted(self):
        submit_dossier(dossier=self.dossier, user=self.official_a)

    def withdraw_poverty_decision(self):
        document = Document.objects.current().get(item=self.poverty)
        withdraw_document(document=document, user=self.official_a, reason="Quyết định cũ")

    def transitions(self):
        return list(
            Transition.objects.filter(dossier=self.dossier).values_list(
                "from_status", "to_status", "actor__username", "comment"
            )
        )


class SubmitTests(WorkflowTestCase):
    def test_commune_official_submits_a_complete_dossier(self):
        self.act(self.official_a, "submit", "Tờ trình số 12/TTr-UBND")
        self.assertStatus(self.dossier, Status.SUBMITTED)
        self.assertEqual(self.transitions(), [("draft", "submitted", "xa_a", "Tờ trình số 12/TTr-UBND")])

    def test_submitting_says_the_new_status(self):
        response = self.act(self.official_a, "submit")
        self.assertIn("Hồ sơ: Xã đã nộp, chờ huyện thẩm tra.", self.messages_of(response))

    def test_it_refuses_to_submit_while_items_are_missing(self):
        self.withdraw_poverty_decision()
        minutes = self.general_item(self.dossier, DossierItem.GeneralKind.MEETING_MINUTES)
        withdraw_document(document=minutes.documents.get(), user=self.official_a, reason="Thiếu chữ ký")
        response = self.act(self.official_a, "submit")
        message = "Còn thiếu hồ sơ ở: 11. Nghèo đa chiều; Biên bản cuộc họp đề nghị xét công nhận."
        self.assertEqual(self.messages_of(response), [message])
        self.assertStatus(self.dossier, Status.DRAFT)
        self.assertEqual(self.transitions(), [])

    def test_the_dossier_page_says_which_items_are_missing(self):
        self.withdraw_poverty_decision()
        self.client.force_login(self.official_a)
        response = self.client.get(self.dossier.get_absolute_url())
        self.assertContains(response, "Chưa đủ điều kiện nộp hồ sơ:")
        self.assertContains(response, "Còn thiếu hồ sơ ở: 11. Nghèo đa chiều.")

    def test_another_communes_official_cannot_submit(self):
        self.assertEqual(self.act(self.official_b, "submit").status_code, 404)
        self.assertStatus(self.dossier, Status.DRAFT)

    def test_leader_cannot_submit(self):
        self.assertEqual(self.act(self.leader, "submit").status_code, 403)
        self.assertStatus(self.dossier, Status.DRAFT)

    def test_department_officer_cannot_submit(self):
        self.assertEqual(self.act(self.department_officer, "submit").status_code, 403)
        self.assertStatus(self.dossier, Status.DRAFT)


class ReturnAndAcceptTests(WorkflowTestCase):
    def test_coordinator_returns_with_a_comment(self):
        self.submitted()
        self.act(self.coordinator, "return", "Bổ sung hồ sơ tiêu chí 11")
        self.assertStatus(self.dossier, Status.RETURNED)
        self.assertEqual(
            self.transitions()[-1], ("submitted", "returned", "dieuphoi", "Bổ sung hồ sơ tiêu chí 11")
        )

    def test_return_needs_a_comment(self):
        self.submitted()
        response = self.act(self.coordinator, "return", "   ")
        self.assertIn("Khi trả lại hồ sơ, hãy ghi nội dung cần bổ sung.", self.messages_of(response))
        self.assertStatus(self.dossier, Status.SUBMITTED)

    def test_coordinator_accepts(self):
        self.submitted()
        self.review_all(self.dossier)
        self.act(self.coordinator, "accept", "Đủ điều kiện trình tỉnh")
        self.assertStatus(self.dossier, Status.ACCEPTED)
        self.assertEqual(
            self.transitions()[-1], ("submitted", "accepted", "dieuphoi", "Đủ điều kiện trình tỉnh")
        )

    def test_commune_official_cannot_return_or_accept(self):
        self.submitted()
        for action in ("return", "accept"):
            with self.subTest(action=action):
                self.assertEqual(self.act(self.official_a, action, "Tự duyệt").status_code, 403)
        self.assertStatus(self.dossier, Status.SUBMITTED)

    def test_leader_cannot_return_or_accept(self):
        self.submitted()
        for action in ("return", "accept"):
            with self.subTest(action=action):
                self.assertEqual(self.act(self.leader, action, "Ý kiến lãnh đạo").status_code, 403)
        self.assertStatus(self.dossier, Status.SUBMITTED)

    def test_leader_gets_403_whatever_the_state(self):
        # A read-only user is refused for who they are, before the state is looked at.
        for action, comment in (("accept", ""), ("return", ""), ("return", "Ý kiến")):
            with self.subTest(action=action, comment=comment):
                self.assertEqual(self.act(self.leader, action, comment).status_code, 403)
        self.assertStatus(self.dossier, Status.DRAFT)

    def test_department_officer_cannot_return_or_accept(self):
        self.submitted()
        for action in ("return", "accept"):
            with self.subTest(action=action):
                self.assertEqual(self.act(self.department_officer, action, "Ý kiến").status_code, 403)
        self.assertStatus(self.dossier, Status.SUBMITTED)

    def test_accept_is_refused_while_an_item_needs_supplements(self):
        self.submitted()
        review_item(
            item=self.poverty, user=self.coordinator, review=Review.INCOMPLETE, comment="Thiếu danh sách"
        )
        response = self.act(self.coordinator, "accept")
        message = "Thành phần được đánh giá “Cần bổ sung”: 11. Nghèo đa chiều; hãy trả lại hồ sơ cho xã."
        self.assertIn(message, self.messages_of(response)[0])
        self.assertStatus(self.dossier, Status.SUBMITTED)


class ReviewTests(WorkflowTestCase):
    def test_department_officer_reviews_the_item_of_their_criterion(self):
        self.submitted()
        self.review(self.department_officer, self.roads, Review.INCOMPLETE, "Thiếu bảng thống kê đường thôn")
        self.roads.refresh_from_db()
        self.assertEqual(
            (self.roads.review, self.roads.review_comment, self.roads.reviewed_by),
            (Review.INCOMPLETE, "Thiếu bảng thống kê đường thôn", self.department_officer),
        )

    def test_department_officer_cannot_review_other_items(self):
        self.submitted()
        for item in (self.irrigation, self.general_item(self.dossier)):
            with self.subTest(item=item.title):
                self.assertEqual(self.review(self.department_officer, item, Review.COMPLETE).status_code, 403)
        self.assertFalse(self.dossier.items.exclude(review=Review.PENDING).exists())

    def test_commune_official_and_leader_cannot_review(self):
        self.submitted()
        for user in (self.official_a, self.leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.review(user, self.roads, Review.COMPLETE).status_code, 403)
        self.assertFalse(self.dossier.items.exclude(review=Review.PENDING).exists())

    def test_items_are_reviewed_only_while_submitted(self):
        with self.assertRaisesMessage(WorkflowError, "Chỉ thẩm tra thành phần hồ sơ khi xã đã nộp."):
            review_item(item=self.roads, user=self.coordinator, review=Review.COMPLETE)
        self.roads.refresh_from_db()
        self.assertEqual(self.roads.review, Review.PENDING)

    def test_a_review_posted_after_the_dossier_moved_on_says_why(self):
        # The officer opened the item while it was submitted; the district accepted meanwhile.
        self.submitted()
        accept_dossier(dossier=self.dossier, user=self.coordinator, override_reason="Họp Ban Chỉ đạo")
        response = self.review(self.department_officer, self.roads, Review.COMPLETE)
        self.assertContains(response, "Chỉ thẩm tra thành phần hồ sơ khi xã đã nộp.", status_code=400)
        self.roads.refresh_from_db()
        self.assertEqual(self.roads.review, Review.PENDING)

    def test_needs_supplement_needs_a_comment(self):
        self.submitted()
        response = self.review(self.coordinator, self.roads, Review.INCOMPLETE, " ")
        self.assertContains(response, "hãy ghi nội dung cần bổ sung", status_code=400)
        self.roads.refresh_from_db()
        self.assertEqual(self.roads.review, Review.PENDING)


class ReturnedDossierTests(WorkflowTestCase):
    def returned(self):
        """Submitted, criteria 2 and 11 flagged by the district, and returned."""
        self.submitted()
        review_item(
            item=self.roads, user=self.department_officer, review=Review.INCOMPLETE, comment="Thiếu bản đồ"
        )
        review_item(
            item=self.poverty, user=self.coordinator, review=Review.INCOMPLETE, comment="Quyết định hết hạn"
        )
        return_dossier(dossier=self.dossier, user=self.coordinator, comment="Bổ sung tiêu chí 2 và 11")

    def test_the_dossier_page_shows_the_comments_per_item(self):
        self.returned()
        self.client.force_login(self.official_a)
        response = self.client.get(self.dossier.get_absolute_url())
        self.assertContains(response, "Thiếu bản đồ")
        self.assertContains(response, "Quyết định hết hạn")
        self.assertContains(response, '<span class="review review-incomplete">Cần bổ sung</span>', count=2)
        self.assertContains(response, "Bổ sung tiêu chí 2 và 11")

    def test_the_commune_cannot_resubmit_while_the_file_is_missing(self):
        self.returned()
        self.withdraw_poverty_decision()
        response = self.act(self.official_a, "submit")
        # 11 lost its file; 2 was flagged and nothing came since.
        self.assertEqual(
            self.messages_of(response), ["Còn thiếu hồ sơ ở: 2. Giao thông; 11. Nghèo đa chiều."]
        )
        self.assertStatus(self.dossier, Status.RETURNED)

    def test_resubmitting_after_adding_the_missing_file_works(self):
        self.returned()
        self.withdraw_poverty_decision()
        self.client.force_login(self.official_a)
        upload = SimpleUploadedFile("quyet-dinh-moi.pdf", tiny_pdf("quyet dinh moi"))
        self.client.post(self.upload_url(self.poverty), {"file": upload, "evidence_kind": POVERTY_DECISION})
        self.upload(self.roads, name="ban-do.pdf")
        self.act(self.official_a, "submit", "Đã bổ sung")
        self.assertStatus(self.dossier, Status.SUBMITTED)
        self.assertEqual(self.transitions()[-1], ("returned", "submitted", "xa_a", "Đã bổ sung"))

    def test_a_flagged_item_is_not_complete_until_something_new_comes(self):
        self.returned()
        self.client.force_login(self.official_a)
        response = self.client.get(self.dossier.get_absolute_url())
        self.assertContains(response, "Huyện trả lại hồ sơ để bổ sung")
        self.assertContains(response, "Bổ sung tiêu chí 2 và 11")
        flagged = [p.item.pk for p in response.context["progress"].items if not p.complete]
        self.assertEqual(flagged, [self.roads.pk, self.poverty.pk])

    def test_resubmitting_resets_needs_supplement_to_pending(self):
        self.returned()
        self.upload(self.roads, name="ban-do.pdf")
        self.upload(self.poverty, name="quyet-dinh.pdf")
        self.act(self.official_a, "submit")
        reviews = dict(self.dossier.items.filter(criterion__number__in=[2, 11]).values_list("pk", "review"))
        self.assertEqual(reviews, {self.roads.pk: Review.PENDING, self.poverty.pk: Review.PENDING})


class TransitionLogTests(WorkflowTestCase):
    def test_every_transition_is_logged(self):
        self.act(self.official_a, "submit", "Lần 1")
        self.act(self.coordinator, "return", "Bổ sung ảnh")
        self.act(self.official_a, "submit", "Lần 2")
        self.review_all(self.dossier)
        self.act(self.coordinator, "accept")
        self.assertEqual(
            self.transitions(),
            [
                ("draft", "submitted", "xa_a", "Lần 1"),
                ("submitted", "returned", "dieuphoi", "Bổ sung ảnh"),
                ("returned", "submitted", "xa_a", "Lần 2"),
                ("submitted", "accepted", "dieuphoi", ""),
            ],
        )

    def test_the_history_is_shown_on_the_dossier_page(self):
        self.act(self.official_a, "submit", "Tờ trình số 12")
        response = self.client.get(self.dossier.get_absolute_url())
        self.assertContains(response, "xa_a: Xã đã nộp, chờ huyện thẩm tra — <q>Tờ trình số 12</q>")


class WrongStateTests(WorkflowTestCase):
    def test_accepting_a_draft_changes_nothing(self):
        response = self.act(self.coordinator, "accept")
        message = (
            "Hồ sơ đang ở trạng thái “Xã đang chuẩn bị”, "
            "không thể chuyển sang “Huyện đã thẩm tra, chấp nhận”."
        )
        self.assertEqual(self.messages_of(response), [message])
        self.assertStatus(self.dossier, Status.DRAFT)
        self.assertEqual(self.transitions(), [])

    def test_returning_a_draft_changes_nothing(self):
        response = self.act(self.coordinator, "return", "Bổ sung")
        self.assertIn("không thể chuyển sang “Huyện trả lại để bổ sung”", self.messages_of(response)[0])
        self.assertStatus(self.dossier, Status.DRAFT)

    def test_submitting_an_accepted_dossier_changes_nothing(self):
        self.submitted()
        self.review_all(self.dossier)
        accept_dossier(dossier=self.dossier, user=self.coordinator)
        with self.assertRaisesMessage(
            WorkflowError, "Hồ sơ đang ở trạng thái “Huyện đã thẩm tra, chấp nhận”"
        ):
            submit_dossier(dossier=self.dossier, user=self.official_a)
        self.assertStatus(self.dossier, Status.ACCEPTED)
        self.assertEqual(len(self.transitions()), 2)

    def test_action_urls_reject_get(self):
        self.client.force_login(self.coordinator)
        for action in ("submit", "return", "accept"):
            with self.subTest(action=action):
                url = reverse("dossiers:dossier_action", args=[self.dossier.pk, action])
                self.assertEqual(self.client.get(url).status_code, 405)
        self.assertStatus(self.dossier, Status.DRAFT)
