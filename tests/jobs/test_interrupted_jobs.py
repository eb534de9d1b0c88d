"""A job whose worker died tells so, and the one who started it may run it again."""

import datetime
import signal
import time
from unittest import mock

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from criteria.models import Score
from criteria.tasks import import_scores_job
from jobs.models import Job
from jobs.services import run_job, start_job
from tests.base import Personas, PersonasTestCase

from .test_background_import import YEAR, BackgroundImportTestCase, run_workers, start_worker

STALE_AFTER = 300


@override_settings(JOBS_STALE_AFTER=STALE_AFTER)
class SilentJobTests(PersonasTestCase):
    def setUp(self):
        # As the scores import page starts it: the task queued with the job's id.
        with self.captureOnCommitCallbacks(execute=True):
            self.job = start_job(
                kind=Job.Kind.SCORES_IMPORT,
                title="ket-qua.csv",
                user=self.coordinator,
                task=import_scores_job,
                source=ContentFile(b"rows", name="ket-qua.csv"),
                unit={"district_id": self.district.pk},
            )
        # What a worker leaves behind when killed in the middle: the job and its task
        # running, the last sign of life long ago.
        self.silent_since(STALE_AFTER + 1)
        DBTaskResult.objects.update(status="RUNNING", worker_ids=["doomed"])

    def silent_since(self, seconds):
        moment = timezone.now() - datetime.timedelta(seconds=seconds)
        Job.objects.filter(pk=self.job.pk).update(status=Job.Status.RUNNING, heartbeat_at=moment)

    def page(self, user):
        self.client.force_login(user)
        return self.client.get(self.job.get_absolute_url())

    def test_a_job_with_a_recent_sign_of_life_is_running(self):
        self.silent_since(STALE_AFTER - 10)
        response = self.page(self.coordinator)
        self.assertContains(response, "Đang chạy")
        self.assertNotContains(response, "Bị gián đoạn")
        self.assertContains(response, 'http-equiv="refresh"')

    def test_a_silent_job_shows_as_interrupted_with_a_way_to_run_it_again(self):
        response = self.page(self.coordinator)
        self.assertContains(response, "Bị gián đoạn")
        self.assertContains(response, "Máy xử lý nền đã dừng giữa chừng")
        self.assertContains(response, "Chạy lại việc này")
        self.assertNotContains(response, 'http-equiv="refresh"')
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("jobs:job_list")), "Bị gián đoạn")

    def test_only_the_one_who_started_it_may_run_it_again(self):
        other = self.make_user("dieuphoi2", "coordinator", district=self.district)
        response = self.page(other)
        self.assertContains(response, "Bị gián đoạn")
        self.assertNotContains(response, "Chạy lại việc này")
        url = reverse("jobs:job_run_again", args=[self.job.pk])
        for user, status in ((other, 403), (self.leader, 403), (self.nobody, 404), (self.official_b, 404)):
            with self.subTest(user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.post(url).status_code, status)
        self.client.logout()
        response = self.client.post(url)
        self.assertRedirects(response, f"{reverse('login')}?next={url}")
        self.assertEqual(Job.objects.count(), 1)

    def test_prune_jobs_records_the_interruption_and_fails_its_task(self):
        call_command("prune_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.job.refresh_from_db()
        self.assertEqual(self.job.status, Job.Status.INTERRUPTED)
        self.assertIsNotNone(self.job.finished_at)
        self.assertTrue(self.job.source)  # kept, to run it again
        self.assertEqual(DBTaskResult.objects.get().status, "FAILED")

    def test_a_job_still_speaking_is_left_alone(self):
        self.silent_since(STALE_AFTER - 10)
        call_command("prune_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.job.refresh_from_db()
        self.assertEqual(self.job.status, Job.Status.RUNNING)
        self.assertEqual(DBTaskResult.objects.get().status, "RUNNING")

    def test_running_it_again_queues_the_same_work_with_its_file(self):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("jobs:job_run_again", args=[self.job.pk]))
        new = Job.objects.exclude(pk=self.job.pk).get()
        self.assertRedirects(response, new.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(
            (new.kind, new.title, new.started_by, new.district, new.status),
            (Job.Kind.SCORES_IMPORT, "ket-qua.csv", self.coordinator, self.district, Job.Status.QUEUED),
        )
        with new.source.open("rb") as source:
            self.assertEqual(source.read(), b"rows")
        queued = DBTaskResult.objects.get(status="READY")
        self.assertEqual(queued.task_path, "criteria.tasks.import_scores_job")
        self.assertEqual(queued.args_kwargs["args"], [str(new.pk)])
        # The old job, recorded interrupted, points to the new one, and cannot be run again twice.
        self.job.refresh_from_db()
        self.assertEqual((self.job.status, self.job.restarted_as), (Job.Status.INTERRUPTED, new))
        self.assertFalse(self.job.source)
        page = self.client.get(self.job.get_absolute_url())
        self.assertContains(page, new.get_absolute_url())
        self.assertNotContains(page, "Chạy lại việc này")
        self.assertEqual(self.client.post(reverse("jobs:job_run_again", args=[self.job.pk])).status_code, 403)


class KilledWorkerTests(BackgroundImportTestCase):
    """A worker stopped in the middle of an import, for real: on PostgreSQL a worker
    process killed (SIGKILL, nothing of it runs after); on SQLite, whose test database
    lives in this process, the worker here told twice to stop (SIGTERM, as Ctrl-C twice)."""

    def test_the_page_tells_the_job_was_interrupted_and_it_runs_again(self):
        job = self.upload(self.communes(400))  # 22,800 rows
        if connection.vendor == "postgresql":
            self.kill_the_worker_mid_job(job)
            self.assertIn("Đang chạy", self.page(job))
            # Its last sign of life is older than the setting: the page tells the truth
            # at once, and `prune_jobs` records it.
            with override_settings(JOBS_STALE_AFTER=1):
                time.sleep(1.1)
                self.assertIn("Bị gián đoạn", self.page(job))
                call_command("prune_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
        else:
            self.stop_the_worker_twice_mid_job()
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.INTERRUPTED)
        self.assertEqual(DBTaskResult.objects.get().status, "FAILED")
        self.assertEqual(Score.objects.count(), 0)
        page = self.page(job)
        self.assertIn("Bị gián đoạn", page)
        self.assertIn("Máy xử lý nền đã dừng giữa chừng", page)
        self.assertIn("Chạy lại việc này", page)

        response = self.client.post(reverse("jobs:job_run_again", args=[job.pk]))
        again = Job.objects.exclude(pk=job.pk).get()
        self.assertRedirects(response, again.get_absolute_url(), fetch_redirect_response=False)
        run_workers(1)
        again.refresh_from_db()
        self.assertEqual((again.status, again.done), (Job.Status.SUCCEEDED, 22_800))
        self.assertEqual(Score.objects.filter(year=YEAR).count(), 22_800)
        self.assertIn("22.800 / 22.800 dòng", self.page(again))

    def kill_the_worker_mid_job(self, job):
        worker = start_worker("doomed")
        try:
            deadline = time.monotonic() + 120
            # Its progress, committed on a connection of its own, tells it is working.
            while not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, done__gt=0).exists():
                self.assertIsNone(worker.poll(), "the worker ended before it was killed")
                self.assertLess(time.monotonic(), deadline, "the worker never took the job")
                time.sleep(0.05)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        self.assertEqual(DBTaskResult.objects.get().status, "RUNNING")

    def stop_the_worker_twice_mid_job(self):
        report_progress = Job.report_progress

        def stop_twice(job, stage, done, total):
            report_progress(job, stage, done, total)
            if done:
                signal.raise_signal(signal.SIGTERM)  # "shutting down gracefully"
                signal.raise_signal(signal.SIGTERM)  # "terminating current task"

        with mock.patch.object(Job, "report_progress", stop_twice):
            run_workers(1)


class HeartbeatTests(Personas, TransactionTestCase):
    def test_a_worker_busy_in_one_long_step_still_gives_signs_of_life(self):
        self.create_personas()
        job = Job.objects.create(kind=Job.Kind.REPORT, title="tinh.pdf", started_by=self.coordinator)
        beats = []

        def render_in_one_call(job):
            # A step that reports no progress (WeasyPrint's one call), longer than a beat.
            started = Job.objects.get(pk=job.pk).heartbeat_at
            time.sleep(0.6)
            beats.append(Job.objects.get(pk=job.pk).heartbeat_at - started)
            return {}

        with override_settings(JOBS_STALE_AFTER=0.4):
            run_job(str(job.pk), render_in_one_call)
        self.assertGreater(beats[0], datetime.timedelta(0))
        job.refresh_from_db()
        self.assertEqual(job.state, Job.Status.SUCCEEDED)
