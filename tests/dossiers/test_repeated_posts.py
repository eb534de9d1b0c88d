"""A dossier form sent twice (a double click, a retry, two people at the same moment)
gives the result of one: no server error, no second dossier, step, record or version."""

import threading
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import QuerySet
from django.test import Client, TransactionTestCase
from django.urls import reverse

from dossiers.models import Appraisal, Document, Dossier, DossierItem, Transition
from dossiers.services import (
    DossierExists,
    accept_dossier,
    create_dossier,
    record_recognition,
    send_to_province,
    submit_dossier,
)
from tests.base import Personas, load_shipped_set
from tests.dossiers.base import YEAR, DossierTestCase, tiny_pdf
from tests.dossiers.test_appraisals import INSPECTED, AppraisalTestCase, Result
from tests.dossiers.test_workflow import WorkflowTestCase

Status = Dossier.Status


class RepeatedOpenTests(DossierTestCase):
    def open(self, user):
        self.client.force_login(user)
        url = reverse("dossiers:dossier_open", args=[self.commune_a.code])
        return self.client.post(url, {"criteria_set": self.ntm.code, "year": YEAR}, follow=True)

    def test_opening_twice_goes_to_the_one_dossier(self):
        self.open(self.official_a)
        response = self.open(self.coordinator)
        dossier = Dossier.objects.get(commune=self.commune_a)
        self.assertRedirects(response, dossier.get_absolute_url())
        self.assertIn("Xã đã có hồ sơ cho bộ tiêu chí và năm này.", self.messages_of(response))
        self.assertEqual(dossier.items.count(), 19 + len(DossierItem.GeneralKind))

    def test_the_unique_constraint_answers_a_race_with_the_first_dossier(self):
        first = self.open_dossier()
        # The second request looked before the first one's row was there.
        with (
            mock.patch.object(QuerySet, "first", return_value=None),
            self.assertRaises(DossierExists) as race,
        ):
            create_dossier(commune=self.commune_a, criteria_set=self.ntm, year=YEAR, user=self.official_a)
        self.assertEqual(race.exception.dossier, first)
        self.assertEqual(Dossier.objects.count(), 1)


class RepeatedStepTests(WorkflowTestCase):
    def act_twice(self, user, action, comment=""):
        url = reverse("dossiers:dossier_action", args=[self.dossier.pk, action])
        self.client.force_login(user)
        # Items are not all reviewed here: the coordinator passes the acceptance gate with a reason.
        data = {f"{action}-comment": comment, f"{action}-override_reason": "Họp Ban Chỉ đạo"}
        self.client.post(url, data)
        return self.client.post(url, data, follow=True)

    def test_each_step_sent_twice_is_taken_once(self):
        for user, action, status in (
            (self.official_a, "submit", Status.SUBMITTED),
            (self.coordinator, "return", Status.RETURNED),
            (self.official_a, "submit", Status.SUBMITTED),
            (self.coordinator, "accept", Status.ACCEPTED),
        ):
            with self.subTest(action):
                response = self.act_twice(user, action, "Bổ sung biên bản")
                self.assertStatus(self.dossier, status)
                self.assertEqual(
                    self.messages_of(response)[-1],
                    f"Hồ sơ đã ở trạng thái “{status.label}”; không có gì thay đổi.",
                )
        self.assertEqual(Transition.objects.filter(dossier=self.dossier).count(), 4)
        self.assertEqual(self.dossier.history.count(), 5)  # opened, then four steps

    def test_sending_to_the_province_twice_sends_once(self):
        submit_dossier(dossier=self.dossier, user=self.official_a)
        self.review_all(self.dossier)
        accept_dossier(dossier=self.dossier, user=self.coordinator)
        response = self.act_twice(self.coordinator, "send")
        self.assertStatus(self.dossier, Status.SENT)
        self.assertEqual(
            self.messages_of(response)[-1],
            f"Hồ sơ đã ở trạng thái “{Status.SENT.label}”; không có gì thay đổi.",
        )
        self.assertEqual(send_to_province(dossier=self.dossier, user=self.coordinator), 0)
        self.assertEqual(self.dossier.transitions.filter(to_status=Status.SENT).count(), 1)
        appraisals = Appraisal.objects.filter(dossier=self.dossier)
        self.assertEqual(appraisals.count(), 3)  # one per provincial department, each written once
        self.assertEqual(Appraisal.history.filter(dossier=self.dossier).count(), 3)
        self.assertEqual(self.dossier.history.count(), 4)  # opened, submitted, accepted, sent

    def test_a_repeated_step_still_needs_the_role(self):
        self.act_twice(self.official_a, "submit")
        self.client.force_login(self.official_a)
        url = reverse("dossiers:dossier_action", args=[self.dossier.pk, "accept"])
        self.assertEqual(self.client.post(url).status_code, 403)

    def test_a_review_sent_twice_is_recorded_once(self):
        self.act_twice(self.official_a, "submit")
        self.client.force_login(self.department_officer)
        for _ in range(2):
            response = self.client.post(self.item_url(self.roads), {"review": "complete", "comment": "Đủ"})
            self.assertEqual(response.status_code, 302)
        self.assertEqual(self.roads.history.filter(review="complete").count(), 1)

    def test_the_same_file_sent_twice_is_one_version(self):
        self.client.force_login(self.official_a)
        for _ in range(2):
            upload = SimpleUploadedFile("bien-ban.pdf", tiny_pdf("bien ban hop"))
            response = self.client.post(self.item_url(self.roads), {"upload": "1", "file": upload})
            self.assertEqual(response.status_code, 302)
        self.assertEqual(Document.objects.filter(item=self.roads, title="bien-ban").count(), 1)


class RepeatedAppraisalTests(AppraisalTestCase):
    def test_an_appraisal_sent_twice_is_recorded_once(self):
        for _ in range(2):
            response = self.post(
                self.coordinator, self.sgtvt, sent_on="01/10/2024", criteria=self.criterion_pks(2)
            )
            self.assertEqual(response.status_code, 302)
        appraisal = Appraisal.objects.get(dossier=self.dossier)
        self.assertEqual(appraisal.history.count(), 1)
        self.assertEqual(Transition.objects.filter(dossier=self.dossier, to_status=Status.SENT).count(), 1)

    def test_a_change_of_criteria_alone_is_kept_with_the_criteria_named(self):
        self.post(self.coordinator, self.sgtvt, sent_on="01/10/2024", criteria=self.criterion_pks(2))
        self.post(self.coordinator, self.sgtvt, sent_on="01/10/2024", criteria=self.criterion_pks(2, 3))
        history = Appraisal.objects.get(dossier=self.dossier).history.order_by("history_id")
        self.assertEqual(
            [h.history_change_reason for h in history], ["Tiêu chí thẩm định: 2", "Tiêu chí thẩm định: 2, 3"]
        )

    def test_a_decision_sent_twice_is_recorded_once(self):
        self.all_agreed()
        self.client.force_login(self.coordinator)
        url = reverse("dossiers:recognition", args=[self.dossier.pk])
        data = {"decision_number": "55/QĐ-UBND", "decided_on": "20/10/2024"}
        self.client.post(url, data)
        response = self.client.post(url, data)
        self.assertRedirects(response, self.dossier.get_absolute_url(), fetch_redirect_response=False)
        self.assertStatus(self.dossier, Status.RECOGNISED)
        self.assertEqual(self.dossier.transitions.filter(to_status=Status.RECOGNISED).count(), 1)

    def test_another_decision_on_a_recognised_dossier_is_refused(self):
        self.all_agreed()
        record_recognition(
            dossier=self.dossier, user=self.coordinator, decision_number="55", decided_on=INSPECTED
        )
        self.client.force_login(self.coordinator)
        url = reverse("dossiers:recognition", args=[self.dossier.pk])
        response = self.client.post(url, {"decision_number": "56", "decided_on": "20/10/2024"}, follow=True)
        self.assertIn("Chỉ ghi quyết định công nhận", " ".join(self.messages_of(response)))
        self.assertEqual(Result.AGREED, Appraisal.objects.filter(dossier=self.dossier).first().result)


class ConcurrentOpenTests(Personas, TransactionTestCase):
    """Two people open the same dossier at the same moment, each in their own transaction
    (two threads, two database connections)."""

    def test_both_land_on_one_dossier(self):
        self.create_personas()
        ntm = load_shipped_set("QD318-2022-XA-NTM")
        url = reverse("dossiers:dossier_open", args=[self.commune_a.code])
        # SQLite runs one writer at a time (and its in-memory test database answers a second
        # one with "table is locked" at once), so there the two arrive one after the other.
        together = connection.vendor == "postgresql"
        start, responses = threading.Barrier(2 if together else 1), {}

        def open_as(user):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            start.wait()
            try:
                responses[user.username] = client.post(url, {"criteria_set": ntm.code, "year": YEAR})
            finally:
                connection.close()

        threads = [threading.Thread(target=open_as, args=(u,)) for u in (self.official_a, self.coordinator)]
        for thread in threads:
            thread.start()
            if not together:
                thread.join(timeout=60)
        for thread in threads:
            thread.join(timeout=60)
        dossier = Dossier.objects.get(commune=self.commune_a)
        self.assertEqual(
            {name: (r.status_code, r["Location"]) for name, r in responses.items()},
            {name: (302, dossier.get_absolute_url()) for name in ("xa_a", "dieuphoi")},
        )
        self.assertEqual(dossier.items.count(), 19 + len(DossierItem.GeneralKind))
