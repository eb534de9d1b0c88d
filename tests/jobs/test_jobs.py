"""Background jobs' pages: who follows a job and takes its file, and how long jobs are kept."""

import datetime
import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from criteria.models import ImportUpload
from jobs.models import Job
from ntm.lib.spreadsheet_files import estimate_rows
from tests.base import PersonasTestCase
from tests.criteria.test_import_scores import csv_file, xlsx


class JobTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.job = Job.objects.create(
            kind=Job.Kind.SCORES_IMPORT,
            title="ket-qua-2025.xlsx",
            started_by=cls.coordinator,
            district=cls.district,
            status=Job.Status.SUCCEEDED,
            finished_at=timezone.now(),
            done=8_550,
            total=8_550,
            result={"summary": ["Thêm mới 8550 kết quả."], "errors": []},
        )
        cls.job.file.save("bao-cao.xlsx", ContentFile(b"workbook bytes"))

    def get(self, user, name="jobs:job_detail"):
        self.client.force_login(user)
        return self.client.get(reverse(name, args=[self.job.pk]))


class JobAccessTests(JobTestCase):
    def test_the_one_who_started_it_sees_its_result(self):
        response = self.get(self.coordinator)
        self.assertContains(response, "8.550 / 8.550 dòng")
        self.assertContains(response, "Thêm mới 8550 kết quả.")
        self.assertNotContains(response, 'http-equiv="refresh"')

    def test_the_one_who_started_it_takes_its_file(self):
        response = self.get(self.coordinator, "jobs:job_file")
        self.assertEqual(b"".join(response.streaming_content), b"workbook bytes")
        self.assertIn('filename="bao-cao.xlsx"', response["Content-Disposition"])

    def test_the_units_other_coordinator_and_the_administrator_may_too(self):
        other = self.make_user("dieuphoi2", "coordinator", district=self.district)
        for user in (other, self.admin):
            with self.subTest(user.username):
                self.assertEqual(self.get(user, "jobs:job_file").status_code, 200)

    def test_it_requires_login(self):
        response = self.client.get(reverse("jobs:job_detail", args=[self.job.pk]))
        self.assertRedirects(response, f"{reverse('login')}?next={response.wsgi_request.path}")

    def test_it_hides_the_job_from_outsiders(self):
        for user in (self.nobody, self.official_a, self.official_b):
            for name in ("jobs:job_detail", "jobs:job_file"):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name).status_code, 404)

    def test_readers_of_the_unit_may_not_follow_or_download(self):
        for user in (self.leader, self.department_officer):
            for name in ("jobs:job_detail", "jobs:job_file"):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.get(user, name).status_code, 403)

    def test_a_job_of_no_unit_is_only_its_starters(self):
        Job.objects.filter(pk=self.job.pk).update(district=None)
        other = self.make_user("dieuphoi2", "coordinator", district=self.district)
        self.assertEqual(self.get(other).status_code, 404)
        self.assertEqual(self.get(self.coordinator).status_code, 200)

    def test_the_page_costs_the_same_queries_whatever_the_result(self):
        # session, user, the job with its starter and unit, memberships.
        self.client.force_login(self.coordinator)
        url = reverse("jobs:job_detail", args=[self.job.pk])
        with self.assertNumQueries(4):
            self.client.get(url)
        Job.objects.filter(pk=self.job.pk).update(result={"errors": [f"Dòng {n}: sai" for n in range(900)]})
        with self.assertNumQueries(4):
            self.client.get(url)


class JobListTests(JobTestCase):
    def test_it_lists_the_users_own_jobs(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("jobs:job_list"))
        self.assertContains(response, "ket-qua-2025.xlsx")
        self.assertContains(response, "8.550 / 8.550 dòng")
        self.client.force_login(self.admin)
        self.assertNotContains(self.client.get(reverse("jobs:job_list")), "ket-qua-2025.xlsx")

    def test_its_queries_do_not_grow_with_the_jobs(self):
        # session, user, count, memberships (the navigation), the page of jobs.
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(5):
            self.client.get(reverse("jobs:job_list"))
        Job.objects.bulk_create(
            Job(kind=Job.Kind.REPORT, title=f"{n}.pdf", started_by=self.coordinator) for n in range(30)
        )
        with self.assertNumQueries(5):
            self.client.get(reverse("jobs:job_list"))


class SmallImportsStayInTheRequestTests(PersonasTestCase):
    def rows(self, count):
        return [["15934", "Dân Lý", "", "QD318-2022-XA-NTM", "3.1", "2024", "", "Đạt", ""]] * count

    def post(self, count):
        self.client.force_login(self.coordinator)
        file = SimpleUploadedFile("ket-qua.csv", csv_file(self.rows(count)))
        # The task is queued when the job is committed.
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("criteria:scores_import"), {"file": file})

    @override_settings(BACKGROUND_IMPORT_ROWS=3)
    def test_a_file_past_the_threshold_goes_to_a_worker(self):
        response = self.post(4)
        job = Job.objects.get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(
            (job.kind, job.started_by, job.district), ("scores_import", self.coordinator, self.district)
        )
        self.assertEqual(DBTaskResult.objects.get().args_kwargs["args"], [str(job.pk)])

    @override_settings(BACKGROUND_IMPORT_ROWS=3)
    def test_a_file_at_the_threshold_is_previewed_in_the_request(self):
        response = self.post(3)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Job.objects.exists())
        self.assertFalse(DBTaskResult.objects.exists())
        self.assertEqual(ImportUpload.objects.count(), 0)  # the set is unknown: refused rows, no preview
        self.assertContains(response, "Tệp chưa được nhập")


class PruneJobsTests(JobTestCase):
    def test_jobs_finished_long_ago_go_with_their_files(self):
        name = self.job.file.name
        storage = self.job.file.storage
        Job.objects.filter(pk=self.job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))
        kind, now = Job.Kind.SCORES_IMPORT, timezone.now()
        recent = Job.objects.create(kind=kind, title="moi.csv", started_by=self.coordinator, finished_at=now)
        running = Job.objects.create(kind=kind, title="dang-chay.csv", started_by=self.coordinator)
        call_command("prune_jobs", days=7, stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(set(Job.objects.values_list("pk", flat=True)), {recent.pk, running.pk})
        self.assertFalse(storage.exists(name))


class EstimateRowsTests(PersonasTestCase):
    def test_it_counts_the_rows_of_a_csv_and_of_an_xlsx_without_parsing_them(self):
        rows = [[f"{n:05d}", "Xã", "", "QD318", "3.1", "2024", "", "Đạt", ""] for n in range(1234)]
        for format, data in (("csv", csv_file(rows)), ("xlsx", xlsx(rows))):
            with self.subTest(format):
                self.assertEqual(estimate_rows(io.BytesIO(data), format=format), 1235)


class JobAdminTests(JobTestCase):
    def test_the_administrator_reads_the_jobs(self):
        self.client.force_login(self.admin)
        response = self.client.get(reverse("admin:jobs_job_changelist"))
        self.assertContains(response, "ket-qua-2025.xlsx")
        page = self.client.get(reverse("admin:jobs_job_change", args=[self.job.pk]))
        self.assertContains(page, "8550")
