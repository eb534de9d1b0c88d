"""Reports and dossier packages made in the background: the job keeps the file the downloads
would give."""

import io
import zipfile

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dossiers.tasks import build_package_job
from jobs.models import Job
from reports.tasks import render_report_job
from tests.dossiers.base import YEAR, DossierTestCase
from tests.reports.documents import pdf_pages, pdf_text, sheet_rows, workbook


class ReportJobTests(DossierTestCase):
    def start(self, user, format, name="reports:district_job", **kwargs):
        self.client.force_login(user)
        url = reverse(name, kwargs=kwargs) + f"?set={self.ntm.code}&year={YEAR}"
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"format": format})
        job = Job.objects.get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        return job

    def run_queued(self):
        """What a worker does with the queued task (a real worker: test_background_import.py)."""
        queued = DBTaskResult.objects.get()
        render_report_job.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])

    def download(self, job, user):
        self.client.force_login(user)
        return self.client.get(reverse("jobs:job_file", args=[job.pk]))

    def test_the_district_pdf_is_rendered_by_the_worker_and_offered_when_ready(self):
        job = self.start(self.coordinator, "pdf")
        self.assertEqual(job.status, "queued")
        self.assertTrue(job.title.endswith(".pdf"))
        self.run_queued()
        job.refresh_from_db()
        pdf = b"".join(self.download(job, self.coordinator).streaming_content)
        # The pages WeasyPrint laid out, counted before the file was written.
        pages = len(pdf_pages(pdf))
        self.assertEqual((job.status, job.done, job.total), ("succeeded", pages, pages))
        page = self.client.get(job.get_absolute_url()).content.decode()
        self.assertIn(f"{pages} / {pages} trang", page)
        self.assertIn(f"Đã dàn trang {pages} trang.", page)
        self.assertIn(reverse("jobs:job_file", args=[job.pk]), page)
        text = pdf_text(pdf)
        self.assertIn(self.commune_a.name, text)
        self.assertIn(self.commune_b.name, text)

    def test_the_workbook_too(self):
        job = self.start(self.coordinator, "xlsx")
        self.run_queued()
        body = b"".join(self.download(job, self.coordinator).streaming_content)
        cells = {str(c) for sheet in workbook(body) for row in sheet_rows(sheet) for c in row}
        self.assertIn(self.commune_a.name, cells)

    def test_a_leader_has_one_rendered_for_themselves_only(self):
        job = self.start(self.leader, "pdf")
        self.run_queued()
        self.assertEqual(self.download(job, self.leader).status_code, 200)
        self.assertEqual(self.download(job, self.coordinator).status_code, 404)

    def test_a_commune_official_may_not(self):
        self.client.force_login(self.official_a)
        url = reverse("reports:district_job") + f"?set={self.ntm.code}&year={YEAR}"
        self.assertEqual(self.client.post(url, {"format": "pdf"}).status_code, 403)
        self.assertFalse(Job.objects.exists())


class PackageJobTests(DossierTestCase):
    def test_a_dossier_package_is_zipped_by_the_worker_with_its_progress(self):
        dossier = self.open_dossier(self.commune_a)
        self.upload(self.item(dossier, 2), name="quy-hoach.pdf")
        self.upload(self.item(dossier, 3), name="thuy-loi.pdf")
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("dossiers:package_job", args=[dossier.pk]))
        job = Job.objects.get()
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        queued = DBTaskResult.objects.get()
        build_package_job.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
        job.refresh_from_db()
        self.assertEqual((job.status, job.stage, job.done, job.total), ("succeeded", "pack", 2, 2))
        body = b"".join(self.client.get(reverse("jobs:job_file", args=[job.pk])).streaming_content)
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        self.assertEqual(len([n for n in names if n.endswith(".pdf")]), 2)
        self.assertIn("manifest.csv", names)

    def test_only_coordinators_have_one_made(self):
        dossier = self.open_dossier(self.commune_a)
        for user, status in ((self.leader, 403), (self.official_a, 403), (self.official_b, 404)):
            with self.subTest(user.username):
                self.client.force_login(user)
                response = self.client.post(reverse("dossiers:package_job", args=[dossier.pk]))
                self.assertEqual(response.status_code, status)
        self.assertFalse(Job.objects.exists())
