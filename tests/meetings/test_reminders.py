"""send_reminders through a real SMTP server (aiosmtpd) started by the test."""

import datetime
import email
import io
import socket
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings

from meetings.models import Reminder, Task
from tests.base import Personas
from tests.meetings.base import MeetingTestCase, on_day


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SendRemindersTests(MeetingTestCase):
    """On 14/11/2018: Dân Lý's and Dân Lực's dossiers (due 10/11) are overdue, the
    department's inspection (due 15/11) is due within 3 days."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for user, address in (
            (cls.department_officer, "phongkt@example.vn"),
            (cls.official_a, "danly@example.vn"),
            (cls.official_b, "danluc@example.vn"),
        ):
            user.email = address
            user.save()
        cls.second_officer = Personas.make_user(
            "phongkt2", "department", district=cls.district, department=cls.department
        )
        cls.second_officer.email = "phongkt2@example.vn"
        cls.second_officer.save()

    def setUp(self):
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.addCleanup(self.controller.stop)
        smtp = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.controller.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            SITE_URL="https://ntm.trieuson.example",
        )
        smtp.enable()
        self.addCleanup(smtp.disable)

    def run_command(self, day=datetime.date(2018, 11, 14), days=3):
        out = io.StringIO()
        with on_day(day, hour=7):
            call_command("send_reminders", days=days, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def received(self):
        # The subject is RFC 2047 encoded and folded; unfolding leaves a leading space.
        return {
            message["Subject"].strip(): (sorted(to), message.get_content())
            for to, message in self.inbox.messages
        }

    def test_each_owner_gets_one_digest(self):
        self.run_command()
        self.assertEqual(len(self.inbox.messages), 3)
        recipients = sorted(sorted(to) for to, _message in self.inbox.messages)
        self.assertEqual(
            recipients,
            [["danluc@example.vn"], ["danly@example.vn"], ["phongkt2@example.vn", "phongkt@example.vn"]],
        )

    def test_the_digest_lists_the_owners_tasks_with_their_state_and_link(self):
        self.run_command()
        subject, (to, body) = next(
            (subject, value) for subject, value in self.received().items() if "danly@example.vn" in value[0]
        )
        self.assertEqual(subject, "[NTM] UBND xã Dân Lý: 0 nhiệm vụ sắp đến hạn, 1 quá hạn")
        self.assertIn("[QUÁ HẠN] Hoàn thiện hồ sơ chung", body)
        self.assertIn("Hạn hoàn thành: 10/11/2018", body)
        self.assertIn(f"https://ntm.trieuson.example/tasks/{self.task_a.pk}/", body)
        self.assertNotIn("Kiểm tra hồ sơ xã Dân Lý", body)

    def test_the_department_is_reminded_of_what_falls_due_within_the_days(self):
        self.run_command()
        department = next(body for to, body in self.received().values() if "phongkt@example.vn" in to)
        self.assertIn("[sắp đến hạn] Kiểm tra hồ sơ xã Dân Lý", department)

    def test_a_second_run_the_same_day_sends_nothing(self):
        self.run_command()
        output = self.run_command()
        self.assertEqual(len(self.inbox.messages), 3)
        self.assertIn("Không có nhiệm vụ nào cần nhắc hôm nay.", output)
        self.assertEqual(Reminder.objects.count(), 3)

    def test_the_next_day_reminds_again(self):
        self.run_command()
        self.run_command(day=datetime.date(2018, 11, 15))
        self.assertEqual(len(self.inbox.messages), 6)

    def test_a_task_beyond_the_horizon_or_done_is_not_reminded(self):
        Task.objects.filter(pk=self.task_b.pk).update(
            status=Task.Status.DONE, closed_at=self.task_b.created_at, closed_by=self.coordinator
        )
        self.run_command(days=0)
        to_addresses = sorted(address for to, _message in self.inbox.messages for address in to)
        self.assertEqual(to_addresses, ["danly@example.vn"])

    def test_an_owner_without_an_address_is_reported_and_reminded_later(self):
        self.official_b.email = ""
        self.official_b.save()
        self.run_command()
        self.assertEqual(len(self.inbox.messages), 2)
        self.assertFalse(Reminder.objects.filter(task=self.task_b).exists())
