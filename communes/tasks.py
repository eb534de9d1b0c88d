"""The communes app's background work (django-tasks): large units imports."""

from django_tasks import task

from jobs.services import run_job

from .access import access_for
from .resources import import_units


@task()
def import_units_job(job_id: str) -> None:
    """Import a large units file as a worker: the same checks, the same limits to what
    the importer coordinates and the same words as the page, all or nothing."""
    run_job(job_id, _import_units)


def _import_units(job) -> dict:
    extension = job.source.name.rsplit(".", 1)[-1]
    user = job.started_by
    with job.source.open("rb") as source:
        report = import_units(
            source, user=user, access=access_for(user), format=extension, progress=job.report_progress
        )
    if report.ok:
        job.done = job.total = report.rows_total
    return report.as_dict()
