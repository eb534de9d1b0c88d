"""The criteria app's background work (django-tasks): large scores imports."""

from django_tasks import task

from jobs.services import run_job

from .resources import import_scores


@task()
def import_scores_job(job_id: str) -> None:
    """Import a large scores file as a worker: the same checks and words as the page,
    all or nothing, the report kept on the job."""
    run_job(job_id, _import_scores)


def _import_scores(job) -> dict:
    extension = job.source.name.rsplit(".", 1)[-1]
    with job.source.open("rb") as source:
        report = import_scores(source, user=job.started_by, format=extension, progress=job.report_progress)
    if report.ok:
        job.done = job.total = report.rows_total
    return report.as_dict()
