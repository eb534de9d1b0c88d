"""The dossiers app's background work (django-tasks): dossier packages."""

from functools import partial

from django.core.files import File
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_tasks import task

from jobs.models import Job
from jobs.services import run_job

from .access import get_dossier_for_user
from .models import Appraisal
from .package import dossier_package


@task()
def build_package_job(job_id: str, *, dossier_pk: int, appraisal_pk: int | None = None) -> None:
    """Zip the dossier's current documents for the one who asked, and keep the zip on the job."""
    run_job(job_id, partial(_build_package, dossier_pk=dossier_pk, appraisal_pk=appraisal_pk))


def _build_package(job, *, dossier_pk, appraisal_pk) -> dict:
    # Checked again here: who may take the package when it is made.
    dossier, _can = get_dossier_for_user(job.started_by, dossier_pk, need="coordinate")
    appraisal = get_object_or_404(Appraisal, dossier=dossier, pk=appraisal_pk) if appraisal_pk else None

    def progress(done, total):
        job.report_progress(Job.Stage.PACK, done, total)

    package, name = dossier_package(dossier, appraisal=appraisal, progress=progress)
    with package:
        job.file.save(name, File(package), save=False)
    return {"summary": [_("Gói hồ sơ %(name)s: %(count)d tài liệu.") % {"name": name, "count": job.done}]}
