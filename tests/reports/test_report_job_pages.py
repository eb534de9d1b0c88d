"""A province's report rendered in the background: the job counts the pages WeasyPrint
laid out, and only once they are laid out."""

from unittest import mock

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from reports.tasks import render_report_job
from tests.reports.documents import pdf_pages, pdf_text
from tests.reports.test_report_levels import LevelsTestCase


class ReportJobPagesTests(LevelsTestCase):
    def run_job(self, format, **params):
        self.client.force_login(self.province_coordinator)
        query = "&".join(f"{k}={v}" for k, v in {"set": self.ntm.code, "year": 2024, **params}.items())
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"{reverse('reports:district_job')}?{query}", {"format": format})
        queued = DBTaskResult.objects.get()
        progress = []
        report_progress = Job.report_progress

        def record(job, stage, done, total):
            progress.append((stage, done, total))
            report_progress(job, stage, done, total)

        with mock.patch.object(Job, "report_progress", autospec=True, side_effect=record):
            render_report_job.call(*queued.args_kwargs["args"], **queued.args_kwargs["kwargs"])
        job = Job.objects.get()
        return (
            job,
            progress,
            b"".join(self.client.get(reverse("jobs:job_file", args=[job.pk])).streaming_content),
        )

    def test_a_pdf_job_counts_its_pages_after_layout(self):
        job, progress, pdf = self.run_job("pdf")
        pages = len(pdf_pages(pdf))
        self.assertGreater(pages, 4)
        # No count before layout, then every page laid out.
        self.assertEqual(progress, [("render", 0, None), ("layout", pages, pages)])
        self.assertEqual((job.status, job.stage, job.done, job.total), ("succeeded", "layout", pages, pages))
        page = self.client.get(job.get_absolute_url())
        self.assertContains(page, f"Đã dàn trang {pages} trang.")
        self.assertContains(page, f"{pages} / {pages} trang")
        self.assertIn("Phụ lục 4: Huyện Triệu Sơn cũ", pdf_text(pdf))

    def test_a_group_alone_in_the_background(self):
        job, _progress, pdf = self.run_job("pdf", group="huyen-393")
        self.assertTrue(job.title.endswith("-huyen-393.pdf"))
        text = pdf_text(pdf, layout=True)
        self.assertIn("Tế Lợi", text)
        self.assertNotIn("Dân Lý", text)

    def test_a_workbook_job_counts_communes(self):
        job, progress, _body = self.run_job("xlsx")
        self.assertEqual(progress, [("render", 0, 8)])
        self.assertEqual((job.done, job.total), (8, 8))
        self.assertContains(self.client.get(job.get_absolute_url()), "8 / 8 xã")
