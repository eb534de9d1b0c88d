"""Starting, running and clearing away background jobs."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job

logger = logging.getLogger(__name__)

#: work(job) -> result: does the job's work, reports progress through
#: `job.report_progress`, may save `job.file`, and returns the result as plain data.
Work = Callable[[Job], dict]


@transaction.atomic
def start_job(
    *,
    kind: str,
    title: str,
    user,
    task,
    source=None,
    unit: dict | None = None,
    task_kwargs: dict | None = None,
) -> Job:
    """Record a job and queue `task` (a django-tasks task taking the job's id) to run it.

    `source` (an uploaded file) is kept with the job for the worker to read; `unit`
    ({"district_id": …} or {"province_id": …}) is the unit the work is about, whose
    coordinators may follow it too (`coordinated_unit` in jobs/access.py); `task_kwargs`
    (plain data) are passed to the task after the job's id. The task
    is queued once the job is committed, so no worker can look for a job not yet there.
    """
    job = Job(kind=kind, title=title, started_by=user, **(unit or {}))
    if source is not None:
        job.source.save(source.name, source, save=False)
    job.save()
    transaction.on_commit(lambda: task.enqueue(str(job.pk), **(task_kwargs or {})))
    return job


def run_job(job_id: str, work: Work) -> None:
    """Run `work` for the job, as its task: mark it running, then finished with the result.

    A failure of the work itself (not a refused file: that is a result) is recorded on
    the job with a plain message, and raised again for the worker to log.
    """
    job = Job.objects.select_related("started_by").get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    try:
        result = work(job)
    except Exception:
        logger.exception("Background job %s failed", job.pk)
        _finish(job, Job.Status.FAILED, {"errors": [_("Lỗi hệ thống khi chạy; không ghi gì. Hãy thử lại.")]})
        raise
    _finish(job, Job.Status.SUCCEEDED, result)


def _finish(job: Job, status: str, result: dict) -> None:
    job.status, job.result, job.finished_at = status, result, timezone.now()
    job.save(update_fields=["status", "result", "finished_at", "stage", "done", "total", "file"])
    if job.source:
        job.source.delete(save=False)
        Job.objects.filter(pk=job.pk).update(source="")


def prune_jobs(*, days: int) -> int:
    """Remove jobs finished more than `days` days ago, with their files; how many."""
    old = Job.objects.finished_before(timezone.now() - datetime.timedelta(days=days))
    count = 0
    for job in old.iterator():
        for field_file in (job.source, job.file):
            if field_file:
                field_file.delete(save=False)
        job.delete()
        count += 1
    return count
