"""A large scores file imports in the background: the page returns at once, a worker
(django-tasks' `db_worker`) does the import, and the job's page shows how far it is.

TransactionTestCase: what the page commits is what a worker, on its own connection,
reads. On PostgreSQL two workers run as processes of their own, side by side; SQLite's
in-memory test database lives only in this process, so there the worker runs here
(the same command, called in-process).
"""

import os
import signal
import subprocess
import sys
from urllib.parse import quote

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from communes.models import Commune, Region
from criteria.models import Indicator, Score
from criteria.resources import import_scores
from jobs.models import Job
from ntm.lib.text import fold
from tests.base import Personas, load_shipped_set
from tools.import_bench import scores_file

YEAR = 2025


def run_workers(count: int) -> None:
    """Run `count` workers until the queue is empty."""
    if connection.vendor == "sqlite":
        assert count == 1, "SQLite's in-memory test database has room for one worker, in-process"
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command(
                "db_worker", batch=True, reload=False, startup_delay=False, queue_name="*", verbosity=0
            )
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
        return
    workers = [start_worker(f"worker-{n}", "--batch") for n in range(count)]
    for worker in workers:
        assert worker.wait(timeout=600) == 0


def start_worker(worker_id: str, *options: str) -> subprocess.Popen:
    """A worker process on the test database (PostgreSQL: SQLite's is in this process)."""
    db = connection.settings_dict
    url = (
        f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{quote(db['NAME'])}"
    )
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    command = [sys.executable, "manage.py", "db_worker", *options, "--no-reload", "--no-startup-delay",
               "--queue-name", "*", "--interval", "0.1", "--worker-id", worker_id]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)


class BackgroundImportTestCase(Personas, TransactionTestCase):
    def setUp(self):
        self.create_personas()
        self.ntm = load_shipped_set("QD318-2022-XA-NTM")
        self.indicators = list(
            Indicator.objects.filter(criterion__criteria_set=self.ntm)
            .select_related("criterion__criteria_set")
            .prefetch_related("targets")
        )
        self.client.force_login(self.coordinator)

    def communes(self, count, prefix="B"):
        return Commune.objects.bulk_create(
            Commune(code=f"{prefix}{n:05d}", name=f"Xã {prefix}{n}", search_name=fold(f"Xã {prefix}{n}"),
                    region=Region.BTB, province=self.province, district=self.district)
            for n in range(count)
        )  # fmt: skip

    def upload(self, communes, name="ket-qua.csv"):
        data = scores_file(communes, self.indicators, year=YEAR, format="csv")
        response = self.post_file(SimpleUploadedFile(name, data))
        job = Job.objects.get(title=name)
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        return job

    def post_file(self, file):
        return self.client.post(reverse("criteria:scores_import"), {"file": file})

    def page(self, job) -> str:
        return self.client.get(job.get_absolute_url()).content.decode()


class BackgroundImportTests(BackgroundImportTestCase):
    def test_a_50_000_row_file_returns_at_once_and_a_worker_imports_it(self):
        job = self.upload(self.communes(878))  # 878 communes × 57 indicators = 50,046 rows
        # The page returned with the work queued, nothing written yet.
        self.assertEqual(Score.objects.count(), 0)
        self.assertEqual(DBTaskResult.objects.get().status, "READY")
        self.assertIn("Đang chờ máy xử lý nền nhận việc.", self.page(job))

        run_workers(1)

        job.refresh_from_db()
        self.assertEqual((job.status, job.done, job.total), ("succeeded", 50_046, 50_046))
        self.assertEqual(Score.objects.filter(year=YEAR).count(), 50_046)
        self.assertEqual(Score.history.filter(history_user=self.coordinator).count(), 50_046)
        page = self.page(job)
        self.assertIn("50.046 / 50.046 dòng", page)
        self.assertIn("Đã xong", page)
        self.assertEqual(DBTaskResult.objects.get().status, "SUCCESSFUL")

    def test_progress_is_on_the_page_while_the_work_goes_on(self):
        job = self.upload(self.communes(100))
        # What the worker's import reports every 1,000 rows, on a connection of its own.
        job.report_progress("check", 3_000, 5_700)
        page = self.page(job)
        self.assertIn("Đang kiểm tra từng dòng", page)
        self.assertIn("3.000 / 5.700 dòng", page)
        self.assertIn('<meta http-equiv="refresh" content="2">', page)
        self.assertEqual(Score.objects.count(), 0)

    def test_two_workers_import_two_files_side_by_side(self):
        first = self.upload(self.communes(450, "B"), "tinh-1.csv")
        second = self.upload(self.communes(450, "C"), "tinh-2.csv")
        workers = 2 if connection.vendor == "postgresql" else 1
        run_workers(workers)
        for job in (first, second):
            job.refresh_from_db()
            self.assertEqual((job.status, job.done), ("succeeded", 25_650))
        self.assertEqual(Score.objects.count(), 51_300)
        worker_ids = {tuple(result.worker_ids) for result in DBTaskResult.objects.all()}
        self.assertEqual(len(worker_ids), workers)

    def test_bad_rows_give_the_words_of_the_page_and_write_nothing(self):
        communes = self.communes(100)
        data = scores_file(communes, self.indicators, year=YEAR, format="csv").decode("utf-8-sig")
        lines = data.splitlines()
        lines[3] = lines[3].replace(f",{YEAR},", ",1890,", 1)
        lines[10] = lines[10].replace("QD318-2022-XA-NTM", "KHONG-CO", 1)
        bad = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()
        expected = [str(error) for error in import_scores(bad, user=self.coordinator, format="csv").errors]
        response = self.post_file(SimpleUploadedFile("sai.csv", bad))
        job = Job.objects.get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)

        run_workers(1)

        job.refresh_from_db()
        self.assertEqual(job.status, "succeeded")
        self.assertEqual(job.errors, expected)
        self.assertEqual(len(expected), 2)
        self.assertEqual(Score.objects.count(), 0)
        page = self.page(job)
        self.assertIn("Có 2 lỗi. Không dòng nào được ghi", page)
        for message in expected:
            self.assertIn(message, page)
