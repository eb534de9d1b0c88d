"""Who sees and changes meetings and tasks: every view, every persona."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.demo import tiny_pdf
from dossiers.models import DossierItem
from dossiers.services import create_dossier
from meetings.models import Conclusion, Meeting, Task, TaskNote
from meetings.services import close_task
from meetings.urls import urlpatterns
from reports.models import SignatureBlock
from tests.meetings.base import MeetingTestCase


class AccessTestCase(MeetingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.done = close_task(
            task=Task.objects.get(pk=cls.task_b.pk),
            note="Đã xong",
            evidence=SimpleUploadedFile("bien-ban.pdf", tiny_pdf("bien ban")),
            user=cls.official_b,
        )
        dossier = create_dossier(commune=cls.commune_a, criteria_set=cls.ntm, year=2018, user=cls.coordinator)
        cls.item = dossier.items.get(general_kind=DossierItem.GeneralKind.PROPOSAL)

    def meeting_pages(self):
        pk = self.meeting.pk
        return [
            reverse("meetings:meeting_detail", args=[pk]),
            reverse("meetings:notice", args=[pk]),
            reverse("meetings:notice_pdf", args=[pk]),
            reverse("meetings:brief", args=[pk]),
            reverse("meetings:brief_pdf", args=[pk]),
            reverse("meetings:brief_xlsx", args=[pk]),
        ]

    def task_pages(self, task):
        return [reverse("meetings:task_detail", args=[task.pk])]

    def changes(self):
        """Every change, with data that the coordinator would get accepted."""
        pk, task = self.meeting.pk, self.task_a.pk
        new_task = {"title": "Việc mới", "owner": f"commune:{self.commune_a.pk}", "deadline": "30/11/2018"}
        return [
            (reverse("meetings:meeting_create"), self.meeting_data()),
            (reverse("meetings:meeting_edit", args=[pk]), self.meeting_data()),
            (reverse("meetings:conclusion_add", args=[pk]), {"text": "Kết luận mới"}),
            (reverse("meetings:task_create") + f"?conclusion={self.conclusion_a.pk}", new_task),
            (reverse("meetings:task_create") + f"?commune={self.commune_a.code}", new_task),
            (reverse("meetings:task_create") + f"?item={self.item.pk}", new_task),
            (reverse("meetings:task_edit", args=[task]), new_task),
            (reverse("meetings:task_progress", args=[task]), {"text": "Đang làm"}),
            (reverse("meetings:task_close", args=[task]), {"note": "Xong"}),
            (reverse("meetings:task_reopen", args=[self.done.pk]), {"reason": "Chưa đạt"}),
        ]

    def meeting_data(self):
        return {
            "unit": f"district:{self.district.pk}",
            "held_on": "20/11/2018",
            "title": "Họp lần sau",
            "chair": "Trưởng ban",
            "criteria_set": self.ntm.pk,
            "year": 2018,
        }

    def assertNothingChanged(self):
        self.assertEqual(Meeting.objects.count(), 1)
        self.assertEqual(Meeting.objects.get().title, self.meeting.title)
        self.assertEqual(Conclusion.objects.count(), 2)
        self.assertEqual(Task.objects.count(), 3)
        self.assertFalse(TaskNote.objects.exists())
        self.assertEqual(
            dict(Task.objects.values_list("pk", "status")),
            {self.task_a.pk: "new", self.task_b.pk: "done", self.task_department.pk: "new"},
        )
        self.assertEqual(Task.objects.get(pk=self.task_a.pk).title, self.task_a.title)


class AnonymousTests(AccessTestCase):
    def test_every_meetings_url_requires_login(self):
        for pattern in urlpatterns:
            kwargs = {"pk": self.meeting.pk} if "<int:pk>" in str(pattern.pattern) else {}
            url = reverse(f"meetings:{pattern.name}", kwargs=kwargs)
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(
                    response, f"{reverse('login')}?next={url}", fetch_redirect_response=False
                )


class NoRoleTests(AccessTestCase):
    def setUp(self):
        self.client.force_login(self.nobody)

    def test_it_sees_no_meeting_and_no_task(self):
        for url in [
            *self.meeting_pages(),
            *self.task_pages(self.task_a),
            *self.task_pages(self.task_department),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_changes_nothing(self):
        for url, data in self.changes():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertNothingChanged()

    def test_its_task_list_is_empty(self):
        response = self.client.get(reverse("meetings:task_list"), {"state": "all"})
        self.assertEqual(list(response.context["tasks"]), [])


class OtherCommuneTests(AccessTestCase):
    """Dân Lực's official and Dân Lý's tasks."""

    def setUp(self):
        self.client.force_login(self.official_b)

    def test_it_sees_no_meeting_and_not_the_other_communes_tasks(self):
        for url in [
            *self.meeting_pages(),
            *self.task_pages(self.task_a),
            *self.task_pages(self.task_department),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_changes_nothing_of_the_other_commune(self):
        for url, data in self.changes():
            if "reopen" in url:
                continue  # its own task: covered below
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertNothingChanged()

    def test_it_lists_only_its_own_tasks(self):
        response = self.client.get(reverse("meetings:task_list"), {"state": "all"})
        self.assertEqual([t.pk for t in response.context["tasks"]], [self.task_b.pk])

    def test_it_cannot_reopen_its_own_closed_task(self):
        url = reverse("meetings:task_reopen", args=[self.done.pk])
        self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 403)

    def test_it_downloads_its_own_evidence_but_not_guessed_ones(self):
        response = self.client.get(reverse("meetings:task_evidence", args=[self.done.pk]))
        self.assertEqual(b"".join(response.streaming_content)[:5], b"%PDF-")
        self.assertEqual(
            self.client.get(reverse("meetings:task_evidence", args=[self.task_a.pk])).status_code, 404
        )


class OwnCommuneTests(AccessTestCase):
    """Dân Lý's official: its own task, and the department's task about Dân Lý."""

    def setUp(self):
        self.client.force_login(self.official_a)

    def test_it_sees_its_tasks_and_those_about_it(self):
        response = self.client.get(reverse("meetings:task_list"), {"state": "all"})
        self.assertEqual([t.pk for t in response.context["tasks"]], [self.task_a.pk, self.task_department.pk])

    def test_it_reports_progress_on_its_own_task(self):
        url = reverse("meetings:task_progress", args=[self.task_a.pk])
        self.assertEqual(self.client.post(url, {"text": "Đã có tờ trình"}).status_code, 302)
        self.assertEqual(Task.objects.get(pk=self.task_a.pk).status, Task.Status.IN_PROGRESS)

    def test_it_cannot_act_on_the_departments_task_about_it(self):
        for name, data in (("task_progress", {"text": "x"}), ("task_close", {"note": "x"})):
            with self.subTest(name):
                url = reverse(f"meetings:{name}", args=[self.task_department.pk])
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assertNothingChanged()

    def test_its_task_does_not_link_to_the_meeting_it_cannot_see(self):
        page = self.client.get(reverse("meetings:task_detail", args=[self.task_a.pk])).content.decode()
        self.assertIn("Kết luận 2, cuộc họp ngày 02/11/2018", page)
        self.assertNotIn(self.meeting.get_absolute_url(), page)

    def test_it_cannot_edit_its_task_nor_see_meetings(self):
        self.assertEqual(
            self.client.get(reverse("meetings:task_edit", args=[self.task_a.pk])).status_code, 403
        )
        self.assertEqual(self.client.get(reverse("meetings:meeting_list")).context["meetings"].count(), 0)
        self.assertEqual(self.client.get(reverse("meetings:meeting_create")).status_code, 404)


class DepartmentTests(AccessTestCase):
    def setUp(self):
        self.client.force_login(self.department_officer)

    def test_it_reads_the_districts_meetings(self):
        for url in self.meeting_pages():
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_sees_only_its_departments_tasks(self):
        response = self.client.get(reverse("meetings:task_list"), {"state": "all"})
        self.assertEqual([t.pk for t in response.context["tasks"]], [self.task_department.pk])
        self.assertEqual(
            self.client.get(reverse("meetings:task_detail", args=[self.task_a.pk])).status_code, 404
        )

    def test_it_closes_its_own_task_but_records_no_meeting(self):
        url = reverse("meetings:task_close", args=[self.task_department.pk])
        self.assertEqual(self.client.post(url, {"note": "Đã kiểm tra"}).status_code, 302)
        self.assertEqual(self.client.get(reverse("meetings:meeting_create")).status_code, 403)


class LeaderTests(AccessTestCase):
    def setUp(self):
        self.client.force_login(self.leader)

    def test_it_reads_every_meeting_page_and_task(self):
        for url in [*self.meeting_pages(), *self.task_pages(self.task_a), *self.task_pages(self.task_b)]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_lists_every_task_of_the_district(self):
        response = self.client.get(reverse("meetings:task_list"), {"state": "all"})
        self.assertEqual(len(response.context["tasks"]), 3)

    def test_it_changes_nothing(self):
        for url, data in self.changes():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assertNothingChanged()

    def test_the_forms_are_refused_too(self):
        for url in (
            reverse("meetings:meeting_create"),
            reverse("meetings:meeting_edit", args=[self.meeting.pk]),
            reverse("meetings:task_edit", args=[self.task_a.pk]),
            reverse("meetings:task_create") + f"?commune={self.commune_a.code}",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)

    def test_a_task_links_to_its_meeting(self):
        page = self.client.get(reverse("meetings:task_detail", args=[self.task_a.pk])).content.decode()
        self.assertIn(f'href="{self.meeting.get_absolute_url()}#conclusion-2"', page)

    def test_the_pages_offer_it_no_change(self):
        page = self.client.get(reverse("meetings:task_detail", args=[self.task_a.pk])).content.decode()
        self.assertNotIn("Báo hoàn thành", page)
        page = self.client.get(reverse("meetings:meeting_detail", args=[self.meeting.pk])).content.decode()
        self.assertNotIn("Thêm kết luận", page)


class CoordinatorTests(AccessTestCase):
    def setUp(self):
        self.client.force_login(self.coordinator)

    def test_every_change_is_accepted(self):
        for url, data in self.changes():
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 302, url)
        self.assertEqual(Meeting.objects.count(), 2)
        self.assertEqual(Task.objects.count(), 3 + 3)
        self.assertEqual(Task.objects.get(pk=self.task_a.pk).status, Task.Status.DONE)
        self.assertEqual(Task.objects.get(pk=self.done.pk).status, Task.Status.IN_PROGRESS)


class SignatureAccessTests(AccessTestCase):
    def url(self):
        return reverse("reports:signature_edit", args=["district", self.district.pk])

    def data(self):
        return {"body": "TM. BAN CHỈ ĐẠO", "capacity": "head", "signer_name": "", "source": ""}

    def test_outsiders_get_404(self):
        for user in (self.nobody, self.official_a):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url()).status_code, 404)
                self.assertEqual(self.client.post(self.url(), self.data()).status_code, 404)
        self.assertFalse(SignatureBlock.objects.exists())

    def test_leader_reads_but_cannot_change(self):
        self.client.force_login(self.leader)
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        self.assertEqual(self.client.post(self.url(), self.data()).status_code, 403)
        self.assertFalse(SignatureBlock.objects.exists())

    def test_anonymous_is_sent_to_login(self):
        self.assertEqual(self.client.get(self.url()).status_code, 302)
