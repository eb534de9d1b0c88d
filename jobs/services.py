"""Starting, running and clearing away background jobs."""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

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
    job = Job(
        kind=kind,
        title=title,
        started_by=user,
        task_path=task.module_path,
        task_kwargs=task_kwargs or {},
        **(unit or {}),
    )
    if source is not None:
        job.source.save(source.name, source, save=False)
    job.save()
    transaction.on_commit(lambda: task.enqueue(str(job.pk), **(task_kwargs or {})))
    return job


def run_job(job_id: str, work: Work) -> None:
    """Run `work` for the job, as its task: mark it running, then finished with the result.

    A failure of the work itself (not a refused file: that is a result) is recorded on
    the job with a plain message, and raised again for the worker to log. A worker told
    to stop at once (a second Ctrl-C or SIGTERM) leaves the job interrupted; a worker
    killed outright leaves it silent, which `interrupt_silent_jobs` finds.
    """
    job = Job.objects.select_related("started_by").get(pk=job_id)
    job.heartbeat_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at)
    try:
        with _Heartbeat(job):
            result = work(job)
    except Exception:
        logger.exception("Background job %s failed", job.pk)
        _finish(job, Job.Status.FAILED, {"errors": [_("Lỗi hệ thống khi chạy; không ghi gì. Hãy thử lại.")]})
        raise
    except BaseException:
        _finish(job, Job.Status.INTERRUPTED, {}, keep_source=True)
        raise
    _finish(job, Job.Status.SUCCEEDED, result)


class _Heartbeat:
    """While the work runs, a thread tells every JOBS_STALE_AFTER / 4 seconds that the
    worker is alive, also through steps that report no progress (a PDF rendered in one
    call). It dies with the worker's process, which is the point."""

    def __init__(self, job: Job):
        self.job_pk = job.pk
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.beat, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self):
        self.thread.start()

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join()

    def beat(self):
        try:
            while not self.stop.wait(settings.JOBS_STALE_AFTER / 4):
                try:
                    Job.objects.filter(pk=self.job_pk).update(heartbeat_at=timezone.now())
                except DatabaseError:
                    # SQLite admits one writer: while the work's own transaction writes,
                    # this beat waits for the next one.
                    logger.info("Heartbeat of job %s skipped: database busy", self.job_pk)
        finally:
            connection.close()  # this thread's own connection


def _finish(job: Job, status: str, result: dict, *, keep_source: bool = False) -> None:
    job.status, job.result, job.finished_at = status, result, timezone.now()
    job.save(update_fields=["status", "result", "finished_at", "stage", "done", "total", "file"])
    if job.source and not keep_source:
        job.source.delete(save=False)
        Job.objects.filter(pk=job.pk).update(source="")


def interrupt_silent_jobs() -> int:
    """Record as interrupted the jobs whose worker has been silent for longer than
    JOBS_STALE_AFTER seconds (killed, or its machine stopped), and fail their tasks in
    the queue, which would otherwise stay running forever; how many.

    Run by `prune_jobs` and whenever a worker starts a task. The input of an import is
    kept, so that the one who started it can queue the same work again.
    """
    now = timezone.now()
    silent = Job.objects.silent_since(now - datetime.timedelta(seconds=settings.JOBS_STALE_AFTER))
    candidates = list(silent.values_list("pk", flat=True))
    if not candidates:
        return 0
    # Filtered again: a worker may have spoken up in between.
    silent.filter(pk__in=candidates).update(status=Job.Status.INTERRUPTED, finished_at=now)
    ids = [
        str(pk)
        for pk in Job.objects.filter(
            pk__in=candidates, status=Job.Status.INTERRUPTED, finished_at=now
        ).values_list("pk", flat=True)
    ]
    # The queue keeps each task's arguments; a job's task takes the job's id first.
    DBTaskResult.objects.running().filter(args_kwargs__args__0__in=ids).update(
        status=TaskResultStatus.FAILED, finished_at=now, exception_class_path="jobs.WorkerLost"
    )
    return len(ids)


@transaction.atomic
def run_again(*, job: Job, user) -> Job:
    """Queue anew the work of an interrupted job, as a new job the old one points to;
    an import's input file moves to the new job."""
    queue = partial(
        start_job,
        kind=job.kind,
        title=job.title,
        user=user,
        task=import_string(job.task_path),
        unit={"district_id": job.district_id, "province_id": job.province_id},
        task_kwargs=job.task_kwargs,
    )
    if job.source:
        with job.source.open("rb") as source:
            new = queue(source=source)
        job.source.delete(save=False)
    else:
        new = queue()
    # Its page may have told it interrupted before anything recorded it.
    job.status, job.finished_at = Job.Status.INTERRUPTED, job.finished_at or timezone.now()
    job.restarted_as = new
    job.save(update_fields=["status", "finished_at", "restarted_as", "source"])
    return new


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
