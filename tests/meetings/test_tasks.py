"""Tasks: where they come from, how they end, how they are listed."""

import datetime
from unittest import mock

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from criteria.models import CriterionOwner, Indicator, Score
from dossiers.demo import tiny_pdf
from dossiers.models import DossierItem
from dossiers.services import create_dossier
from meetings.models import Conclusion, Task
from meetings.services import close_task, create_task
from ntm.lib.storage import stored_names
from tests.meetings.base import MeetingTestCase, on_day

TODAY = datetime.date(2018, 11, 12)


class OverdueTests(MeetingTestCase):
    def test_overdue_follows_from_the_deadline_and_is_never_stored(self):
        task = Task.objects.get(pk=self.task_a.pk)  # due 10/11/2018
        self.assertEqual(task.state_on(datetime.date(2018, 11, 10)), Task.Status.NEW)
        self.assertEqual(task.state_on(datetime.date(2018, 11, 11)), Task.OVERDUE)
        self.assertEqual(task.status, Task.Status.NEW)
        self.assertEqual(list(Task.objects.overdue(datetime.date(2018, 11, 11))), [task, self.task_b])

    def test_a_done_task_is_never_overdue(self):
        task = close_task(task=Task.objects.get(pk=self.task_a.pk), note="Xong", user=self.official_a)
        self.assertEqual(task.state_on(datetime.date(2030, 1, 1)), Task.Status.DONE)


class TaskListTests(MeetingTestCase):
    def list_titles(self, user, **params):
        self.client.force_login(user)
        with on_day(TODAY):
            response = self.client.get(reverse("meetings:task_list"), params)
        return [task.title for task in response.context["tasks"]]

    def test_own_tasks_come_first_then_overdue_then_by_deadline(self):
        with on_day(TODAY):
            create_task(
                unit=self.district,
                title="Việc của xã, hạn còn xa",
                owner=self.commune_a,
                deadline=datetime.date(2018, 12, 31),
                user=self.coordinator,
            )
        self.assertEqual(
            self.list_titles(self.official_a),
            ["Hoàn thiện hồ sơ chung", "Việc của xã, hạn còn xa", "Kiểm tra hồ sơ xã Dân Lý"],
        )

    def test_the_overdue_filter_lists_only_overdue_tasks(self):
        self.assertEqual(
            self.list_titles(self.leader, state="overdue"),
            ["Hoàn thiện hồ sơ chung", "Hoàn thiện hồ sơ chung xã Dân Lực"],
        )

    def test_mine_keeps_the_users_own_tasks(self):
        self.assertEqual(self.list_titles(self.official_a, mine="on"), ["Hoàn thiện hồ sơ chung"])

    def test_the_page_shows_the_derived_state(self):
        self.client.force_login(self.official_a)
        with on_day(TODAY):
            response = self.client.get(reverse("meetings:task_list"))
        self.assertContains(
            response, '<span class="badge task-state task-state-overdue">Quá hạn</span>', html=True
        )


class HomePageTests(MeetingTestCase):
    def test_an_owner_sees_its_tasks_at_the_top_of_the_home_page(self):
        self.client.force_login(self.official_a)
        with on_day(TODAY):
            page = self.client.get("/").content.decode()
        block = page.split('id="my-tasks-title"')[1].split("</section>")[0]
        self.assertIn("Hoàn thiện hồ sơ chung", block)
        self.assertIn("Quá hạn", block)
        self.assertNotIn("Kiểm tra hồ sơ xã Dân Lý", block)

    def test_the_coordinator_sees_how_many_tasks_are_overdue(self):
        self.client.force_login(self.coordinator)
        with on_day(TODAY):
            response = self.client.get("/")
        self.assertContains(response, "2 nhiệm vụ quá hạn")


class ClosingTests(MeetingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.indicator = Indicator.objects.get(criterion__criteria_set=cls.ntm, code="2.1")
        cls.score_of_a = Score.objects.create(
            indicator=cls.indicator, commune=cls.commune_a, year=2018, status=Score.Status.NOT_MET
        )
        cls.indicator_task = create_task(
            unit=cls.district,
            title="Hoàn thành chỉ tiêu 2.1",
            owner=cls.department,
            deadline=datetime.date(2018, 12, 1),
            commune=cls.commune_a,
            indicator=cls.indicator,
            user=cls.coordinator,
        )

    def close(self, task, user, **data):
        self.client.force_login(user)
        return self.client.post(reverse("meetings:task_close", args=[task.pk]), data)

    def test_closing_a_task_tied_to_an_indicator_does_not_change_the_score(self):
        self.close(self.indicator_task, self.department_officer, note="Đã bê tông hóa 1,2 km")
        self.assertEqual(Task.objects.get(pk=self.indicator_task.pk).status, Task.Status.DONE)
        score = Score.objects.get(pk=self.score_of_a.pk)
        self.assertEqual((score.status, score.version, score.verification), ("not_met", 1, "pending"))

    def test_the_evidence_is_checked_and_stored(self):
        evidence = SimpleUploadedFile("Biên bản.pdf", tiny_pdf("bien ban kiem tra"))
        self.close(self.task_a, self.official_a, note="Đã nộp", evidence=evidence)
        task = Task.objects.get(pk=self.task_a.pk)
        self.assertEqual((task.evidence_name, task.evidence_type), ("Biên bản.pdf", "application/pdf"))
        self.assertTrue(task.evidence.name.startswith(f"tasks/{task.pk}/"))
        response = self.client.get(reverse("meetings:task_evidence", args=[task.pk]))
        self.assertEqual(b"".join(response.streaming_content), tiny_pdf("bien ban kiem tra"))

    def test_a_missing_evidence_file_is_a_page_that_names_it(self):
        evidence = SimpleUploadedFile("Biên bản.pdf", tiny_pdf("bien ban kiem tra"))
        self.close(self.task_a, self.official_a, note="Đã nộp", evidence=evidence)
        task = Task.objects.get(pk=self.task_a.pk)
        task.evidence.storage.delete(task.evidence.name)
        response = self.client.get(reverse("meetings:task_evidence", args=[task.pk]))
        self.assertContains(response, task.evidence.name, status_code=404)

    def test_a_file_whose_row_fails_is_not_kept(self):
        # Other tests of this process may have left their files: compare before and after.
        before = set(stored_names(default_storage, "tasks"))
        evidence = SimpleUploadedFile("Biên bản.pdf", tiny_pdf("bien ban kiem tra"))
        failing = mock.patch.object(Task, "save", side_effect=DatabaseError("mất kết nối"))
        with failing, self.assertRaises(DatabaseError):
            close_task(task=self.task_a, note="Đã nộp", evidence=evidence, user=self.official_a)
        self.assertEqual(set(stored_names(default_storage, "tasks")), before)

    def test_a_bad_file_is_refused_and_nothing_changes(self):
        evidence = SimpleUploadedFile("bien-ban.pdf", b"MZ\x90\x00 not a pdf at all")
        response = self.close(self.task_a, self.official_a, note="Đã nộp", evidence=evidence)
        self.assertContains(response, "Không nhận loại tệp này", status_code=400)
        task = Task.objects.get(pk=self.task_a.pk)
        self.assertEqual((task.status, task.evidence.name), (Task.Status.NEW, ""))

    def test_closing_needs_a_result(self):
        response = self.close(self.task_a, self.official_a, note="")
        self.assertContains(response, "Trường này là bắt buộc.", status_code=400)
        self.assertEqual(Task.objects.get(pk=self.task_a.pk).status, Task.Status.NEW)

    def test_a_closed_task_cannot_be_closed_again(self):
        self.close(self.task_a, self.official_a, note="Xong")
        response = self.close(self.task_a, self.official_a, note="Xong lần nữa")
        self.assertRedirects(response, self.task_a.get_absolute_url(), fetch_redirect_response=False)
        self.assertContains(self.client.get(response.url), "Nhiệm vụ đã được báo hoàn thành.")
        self.assertEqual(Task.objects.get(pk=self.task_a.pk).closing_note, "Xong")

    def test_the_coordinator_reopens_a_closed_task(self):
        self.close(self.task_a, self.official_a, note="Xong")
        self.client.force_login(self.coordinator)
        url = reverse("meetings:task_reopen", args=[self.task_a.pk])
        self.client.post(url, {"reason": "Thiếu biên bản họp"})
        task = Task.objects.get(pk=self.task_a.pk)
        self.assertEqual((task.status, task.closed_at), (Task.Status.IN_PROGRESS, None))
        self.assertEqual(task.notes.get().text, "Mở lại: Thiếu biên bản họp")


class TaskOriginTests(MeetingTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.indicator = Indicator.objects.select_related("criterion").get(
            criterion__criteria_set=cls.ntm, code="2.1"
        )
        CriterionOwner.objects.create(
            district=cls.district, criterion=cls.indicator.criterion, department=cls.department
        )
        Score.objects.create(
            indicator=cls.indicator, commune=cls.commune_a, year=2018, status=Score.Status.NOT_MET
        )

    def test_the_scorecard_offers_to_assign_an_unmet_indicator_to_coordinators_only(self):
        url = reverse("reports:scorecard", args=[self.commune_a.code])
        link = f"/tasks/new/?commune={self.commune_a.code}&amp;indicator={self.indicator.pk}"
        for user, shown in ((self.coordinator, True), (self.leader, False), (self.official_a, False)):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                page = self.client.get(url, {"set": self.ntm.code, "year": 2018}).content.decode()
                self.assertEqual(link in page, shown)

    def test_a_task_from_an_unmet_indicator_goes_to_its_department(self):
        self.client.force_login(self.coordinator)
        url = f"{reverse('meetings:task_create')}?commune={self.commune_a.code}&indicator={self.indicator.pk}"
        form = self.client.get(url).context["form"]
        self.assertEqual(form.initial["owner"], f"department:{self.department.pk}")
        self.assertEqual(form.initial["title"], "Hoàn thành chỉ tiêu 2.1 của xã Dân Lý")
        data = {"title": form.initial["title"], "owner": form.initial["owner"], "deadline": "30/11/2018"}
        response = self.client.post(url, data)
        task = Task.objects.get(indicator=self.indicator)
        self.assertRedirects(response, task.get_absolute_url())
        self.assertEqual(
            (task.commune, task.owner, task.district), (self.commune_a, self.department, self.district)
        )

    def test_a_task_from_a_dossier_item_sent_back(self):
        dossier = create_dossier(
            commune=self.commune_a, criteria_set=self.ntm, year=2018, user=self.coordinator
        )
        item = dossier.items.get(general_kind=DossierItem.GeneralKind.MEETING_MINUTES)
        DossierItem.objects.filter(pk=item.pk).update(
            review=DossierItem.Review.INCOMPLETE, review_comment="Biên bản thiếu chữ ký"
        )
        self.client.force_login(self.coordinator)
        page = self.client.get(reverse("dossiers:item_detail", args=[dossier.pk, item.pk])).content.decode()
        self.assertIn(f"/tasks/new/?item={item.pk}", page)
        url = f"{reverse('meetings:task_create')}?item={item.pk}"
        initial = self.client.get(url).context["form"].initial
        self.assertEqual(initial["description"], "Biên bản thiếu chữ ký")
        self.client.post(
            url, {"title": initial["title"], "owner": initial["owner"], "deadline": "30/11/2018"}
        )
        task = Task.objects.get(dossier_item=item)
        self.assertEqual((task.owner, task.commune), (self.commune_a, self.commune_a))

    def test_a_person_must_belong_to_the_owner(self):
        self.client.force_login(self.coordinator)
        url = f"{reverse('meetings:task_create')}?commune={self.commune_a.code}"
        data = {
            "title": "Việc",
            "owner": f"commune:{self.commune_a.pk}",
            "assignee": self.official_b.pk,
            "deadline": "30/11/2018",
        }
        response = self.client.post(url, data)
        self.assertContains(response, "Người thực hiện phải thuộc đơn vị thực hiện.", status_code=400)
        self.assertEqual(Task.objects.count(), 3)


class ConclusionFormTests(MeetingTestCase):
    def post(self, **data):
        self.client.force_login(self.coordinator)
        return self.client.post(reverse("meetings:conclusion_add", args=[self.meeting.pk]), data)

    def test_an_owner_needs_a_deadline(self):
        response = self.post(text="Xã Dân Lực hoàn thiện hồ sơ", owner=f"commune:{self.commune_b.pk}")
        self.assertContains(response, "Giao việc thì phải có hạn hoàn thành.", status_code=400)
        self.assertEqual(Conclusion.objects.count(), 2)

    def test_a_bad_date_is_refused_in_vietnamese(self):
        response = self.post(text="Việc", owner=f"commune:{self.commune_b.pk}", deadline="31/02/2018")
        self.assertContains(response, "Nhập một ngày hợp lệ.", status_code=400)
        self.assertEqual(Task.objects.count(), 3)

    def test_a_conclusion_without_owner_is_recorded_without_a_task(self):
        self.post(text="Các xã rà soát lại hồ sơ")
        conclusion = Conclusion.objects.get(number=3)
        self.assertEqual((conclusion.text, conclusion.tasks.count()), ("Các xã rà soát lại hồ sơ", 0))
