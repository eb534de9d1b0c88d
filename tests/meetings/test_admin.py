from django.urls import reverse

from tests.meetings.base import MeetingTestCase


class AdminTests(MeetingTestCase):
    def test_the_administrator_lists_and_opens_meetings_and_tasks(self):
        self.client.force_login(self.admin)
        for url, text in (
            (reverse("admin:meetings_meeting_changelist"), self.meeting.title),
            (
                reverse("admin:meetings_meeting_change", args=[self.meeting.pk]),
                "Xã Dân Lý hoàn thiện hồ sơ chung",
            ),
            (reverse("admin:meetings_task_changelist"), "Kiểm tra hồ sơ xã Dân Lý"),
            (reverse("admin:meetings_task_history", args=[self.task_a.pk]), "Hoàn thiện hồ sơ chung"),
        ):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), text)

    def test_others_are_kept_out(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("admin:meetings_task_changelist"))
        self.assertRedirects(
            response, f"{reverse('admin:login')}?next={reverse('admin:meetings_task_changelist')}"
        )
