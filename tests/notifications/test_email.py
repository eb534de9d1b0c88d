"""Notices reach people by email through a real SMTP server (aiosmtpd, started here), and
stop reaching them once they turn email off; the in-app list keeps them either way."""

import datetime
import email
import io
import socket

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from criteria.models import Score
from criteria.services import ScoreEdit, record_scores
from dossiers.models import Appraisal, Dossier
from dossiers.services import accept_dossier, record_appraisal, return_dossier, submit_dossier
from notifications.models import EmailPreference, Kind, Notification
from tests.dossiers.base import YEAR, DossierTestCase


class Inbox:
    """aiosmtpd handler: keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def bodies_to(self, address):
        return [m.get_payload(decode=True).decode() for to, m in self.messages if address in to]

    def subjects_to(self, address):
        return [
            str(email.header.make_header(email.header.decode_header(m["Subject"])))
            for to, m in self.messages
            if address in to
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmailTests(DossierTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for user in (cls.official_a, cls.coordinator, cls.department_officer):
            user.email = f"{user.username}@example.vn"
            user.save(update_fields=["email"])

    def setUp(self):
        self.inbox = Inbox()
        port = free_port()
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=port)
        self.smtp.start()
        self.addCleanup(self.smtp.stop)
        mail = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        )
        mail.enable()
        self.addCleanup(mail.disable)

    def run_steps(self):
        """Every event once: results to verify, submitted, returned, submitted, accepted,
        appraisal recorded, deadline near."""
        with self.captureOnCommitCallbacks(execute=True):
            score = Score.objects.get(commune=self.commune_a, year=YEAR, indicator__code="2.1")
            score.value_text = "Đã cứng hóa 100%"
            record_scores(
                commune=self.commune_a,
                year=YEAR,
                edits=[ScoreEdit(score, score.version)],
                user=self.official_a,
                reason="Cập nhật",
            )
        dossier = self.open_dossier()
        self.fill(dossier)
        with self.captureOnCommitCallbacks(execute=True):
            submit_dossier(dossier=dossier, user=self.official_a)
        with self.captureOnCommitCallbacks(execute=True):
            return_dossier(dossier=dossier, user=self.coordinator, comment="Bổ sung ảnh tiêu chí 3")
        Score.objects.filter(commune=self.commune_a).update(verification=Score.Verification.VERIFIED)
        submit_dossier(dossier=dossier, user=self.official_a)
        self.review_all(dossier)
        with self.captureOnCommitCallbacks(execute=True):
            accept_dossier(dossier=dossier, user=self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            record_appraisal(
                dossier=dossier,
                department=self.syt,
                user=self.coordinator,
                sent_on=datetime.date(2024, 10, 1),
                inspected_on=None,
                result=Appraisal.Result.AGREED,
                comments="",
                criteria=[],
            )
        today = datetime.date.today()
        Dossier.objects.create(
            commune=self.commune_a,
            criteria_set=self.ntm,
            year=YEAR + 1,
            due_on=today + datetime.timedelta(days=7),
        )
        with self.captureOnCommitCallbacks(execute=True):
            call_command("notify_deadlines", stdout=io.StringIO())

    def test_an_email_arrives_for_each_event(self):
        self.run_steps()
        self.assertEqual(
            self.inbox.subjects_to("dieuphoi@example.vn"),
            ["[NTM] Xã nộp hồ sơ"],
        )
        self.assertEqual(
            self.inbox.subjects_to("xa_a@example.vn"),
            [
                "[NTM] Huyện trả lại hồ sơ",
                "[NTM] Huyện chấp nhận hồ sơ",
                "[NTM] Có kết quả thẩm định của sở, ngành",
                "[NTM] Sắp đến hạn",
            ],
        )
        self.assertEqual(self.inbox.subjects_to("phongkt@example.vn"), ["[NTM] Kết quả chờ thẩm tra"])
        body = self.inbox.bodies_to("xa_a@example.vn")[0]
        self.assertIn("bị trả lại để bổ sung: Bổ sung ảnh tiêu chí 3", body)

    def test_none_arrives_after_opting_out_and_the_notices_stay_in_the_app(self):
        self.client.force_login(self.official_a)
        self.client.post(reverse("notifications:settings"), {})
        self.assertFalse(EmailPreference.objects.get(user=self.official_a).email_enabled)
        self.run_steps()
        self.assertEqual(self.inbox.subjects_to("xa_a@example.vn"), [])
        self.assertEqual(self.inbox.subjects_to("dieuphoi@example.vn"), ["[NTM] Xã nộp hồ sơ"])
        kinds = list(Notification.objects.filter(recipient=self.official_a).values_list("kind", flat=True))
        self.assertEqual(
            sorted(kinds), sorted([Kind.RETURNED, Kind.ACCEPTED, Kind.APPRAISAL_RECORDED, Kind.DEADLINE_NEAR])
        )
        page = self.client.get(reverse("notifications:list"))
        self.assertContains(page, "Bổ sung ảnh tiêu chí 3")
