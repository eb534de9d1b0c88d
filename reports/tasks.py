"""The reports app's background work (django-tasks): large reports rendered to a file."""

from functools import partial

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django_tasks import task

from criteria.forms import StandingFilterForm
from jobs.models import Job
from jobs.services import run_job

from .access import get_report_scope_for_user
from .content import build_report
from .forms import DossierFilterForm
from .models import ReportKind
from .pdf import render_pdf
from .xlsx import render_xlsx


def report_for_query(kind, scope, data):
    """The filters of a query (`?set=&year=&as_of=`, and `&province=` or `&group=` to
    narrow a report of several communes), and the report they ask for over `scope`
    (None without a set): what the preview, the downloads and a job render."""
    filters = (DossierFilterForm if kind == ReportKind.DOSSIERS else StandingFilterForm)(data)
    criteria_set, year, as_of = filters.resolve()
    report = None
    if criteria_set is not None:
        report = build_report(
            kind,
            communes=scope.communes,
            commune=scope.commune,
            criteria_set=criteria_set,
            year=year,
            as_of=as_of,
            province=data.get("province", ""),
            group=data.get("group", ""),
        )
    return filters, report


@task()
def render_report_job(job_id: str, *, kind: str, code: str | None, extension: str, query: dict) -> None:
    """Render the report as the one who asked sees it, and keep the file on the job."""
    run_job(job_id, partial(_render_report, kind=kind, code=code, extension=extension, query=query))


def _render_report(job, *, kind, code, extension, query) -> dict:
    # The scope is read again here: what the user may see when the file is made.
    scope, _can = get_report_scope_for_user(job.started_by, kind, code)
    _filters, report = report_for_query(kind, scope, query)
    communes = len(report.communes) if report is not None else 0
    if not communes:
        job.report_progress(Job.Stage.RENDER, 0, 0)
        return {"errors": [_("Không có xã nào trong báo cáo.")]}
    summary = [_("Báo cáo %(count)d xã, tệp %(name)s.") % {"count": communes, "name": job.title}]
    if extension == "pdf":
        # No count before layout: nobody knows the pages until WeasyPrint has placed them.
        job.report_progress(Job.Stage.RENDER, 0, None)

        def laid_out(pages: int) -> None:
            job.report_progress(Job.Stage.LAYOUT, pages, pages)
            summary.insert(0, _("Đã dàn trang %(pages)d trang.") % {"pages": pages})

        content = render_pdf(report, laid_out=laid_out)
    else:
        job.report_progress(Job.Stage.RENDER, 0, communes)
        content = render_xlsx(report)
        job.done = communes
    job.file.save(f"{report.file_stem}.{extension}", ContentFile(content), save=False)
    return {"summary": summary}
