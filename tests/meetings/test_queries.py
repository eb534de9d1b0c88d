"""The number of queries of the task list, the meeting page and the brief does not grow
with communes, conclusions or tasks: measured at 3 and at 60 communes."""

import datetime

from django.urls import reverse

from meetings.services import add_conclusion
from tests.meetings.base import MeetingTestCase, on_day


class QueryCountTests(MeetingTestCase):
    def grow(self, communes):
        """One conclusion per commune, with a task for the commune, and its scores."""
        with on_day(datetime.date(2018, 11, 2), hour=16):
            for commune in communes:
                add_conclusion(
                    meeting=self.meeting,
                    text=f"Xã {commune.name} hoàn thiện hồ sơ",
                    task={"title": "Hồ sơ chung", "owner": commune, "deadline": datetime.date(2018, 11, 10)},
                    user=self.coordinator,
                )
            self.score_new(communes, unmet={5})

    def measure(self, url, count, **params):
        with self.assertNumQueries(count):
            response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200)
        return response

    def test_the_task_list(self):
        # session, user, memberships, the page of tasks (own first, overdue first, with
        # owner, person, commune, indicator and meeting), their count for the pager
        self.client.force_login(self.coordinator)
        self.grow(self.add_communes(1))
        url = reverse("meetings:task_list")
        response = self.measure(url, 5, state="all")
        self.assertEqual(response.context["page"].paginator.count, 4)
        self.grow(self.add_communes(57, start=1))
        response = self.measure(url, 5, state="all")
        self.assertEqual(response.context["page"].paginator.count, 61)

    def test_the_meeting_page(self):
        # session, user, memberships, the meeting, its conclusions, their tasks (with
        # owner, person, commune), attending departments and communes, snapshots; the
        # conclusion form: departments and communes that may own a task (2), the people
        # of those units, and the communes the conclusion may concern
        self.client.force_login(self.coordinator)
        self.grow(self.add_communes(1))
        url = reverse("meetings:meeting_detail", args=[self.meeting.pk])
        response = self.measure(url, 13)
        self.assertEqual(len(response.context["conclusions"]), 3)
        self.grow(self.add_communes(57, start=1))
        response = self.measure(url, 13)
        self.assertEqual(len(response.context["conclusions"]), 60)

    def test_the_brief(self):
        # session, user, memberships, the meeting, the next meeting's day, the communes,
        # criteria, indicators, targets, the set's region rules and amendments, scores at
        # the meeting and today, the tasks, dossier steps and appraisals in the window,
        # the signature block
        self.client.force_login(self.leader)
        self.grow(self.add_communes(1))
        url = reverse("meetings:brief", args=[self.meeting.pk])
        response = self.measure(url, 17)
        self.assertEqual(len(response.context["report"].changes), 3)
        self.grow(self.add_communes(57, start=1))
        response = self.measure(url, 17)
        self.assertEqual(len(response.context["report"].changes), 60)

    def test_the_brief_as_of_a_past_day_reads_the_task_history_once(self):
        # as above, with the tasks' history as of that day
        self.client.force_login(self.leader)
        self.grow(self.add_communes(1))
        url = reverse("meetings:brief", args=[self.meeting.pk])
        self.measure(url, 18, on="2018-11-20")
        self.grow(self.add_communes(57, start=1))
        response = self.measure(url, 18, on="2018-11-20")
        # The two tasks of the meeting's first conclusions, and one per commune added.
        self.assertEqual(len(response.context["report"].tasks), 2 + 58)
