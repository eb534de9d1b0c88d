"""Who may follow a background job and take its file: the one place that decides."""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from communes.access import Role, access_for, grant

from .models import Job


@dataclass(frozen=True)
class JobCan:
    """What a user may do with a job they may see: follow it and take its file (the
    one who started it, and the coordinators of the unit it is about); run it again
    once interrupted (the one who started it: it runs as them)."""

    follow: bool
    download: bool
    run_again: bool


def get_job_for_user(user, pk, *, need: str | None = None) -> tuple[Job, JobCan]:
    """The job `pk` and what the user may do with it.

    404 for whoever neither started it nor sees the unit it is about; 403 (with `need`)
    for those who see the unit but do not run it (leaders, departments).
    """
    job = get_object_or_404(Job.objects.select_related("started_by", "district", "province"), pk=pk)
    access = access_for(user)
    unit = {"district": job.district} if job.district_id else {"province": job.province}
    has_unit = job.district_id or job.province_id
    runs_it = (
        job.started_by_id == user.pk or access.is_superuser or (has_unit and access.coordinates_unit(**unit))
    )
    if not runs_it and not (has_unit and access.sees_unit(**unit)):
        raise Http404
    can = JobCan(
        follow=bool(runs_it),
        download=bool(runs_it),
        run_again=job.started_by_id == user.pk and job.can_run_again,
    )
    return grant(job, can, need)


def own_jobs(user):
    """The jobs a user started (their list: other people's jobs are on their own lists)."""
    return Job.objects.filter(started_by=user).only(
        "id",
        "kind",
        "title",
        "status",
        "stage",
        "heartbeat_at",
        "created_at",
        "finished_at",
        "done",
        "total",
        "file",
    )


def coordinated_unit(user) -> dict:
    """The one district or province the user coordinates, as a job's unit; none when
    they coordinate several or none (then only they and administrators follow it)."""
    districts, provinces = access_for(user).unit_ids(Role.COORDINATOR)
    if len(districts) + len(provinces) != 1:
        return {}
    return {"district_id": next(iter(districts))} if districts else {"province_id": next(iter(provinces))}
