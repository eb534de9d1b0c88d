from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .access import get_job_for_user, own_jobs
from .services import run_again

# Seconds between two looks of the progress page at a job that is not finished.
REFRESH_SECONDS = 2


@login_required
def job_list(request):
    """The background jobs the user started, newest first."""
    page = Paginator(own_jobs(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "jobs/job_list.html", {"page": page})


@login_required
def job_detail(request, pk):
    """How far a background job is; its result and its file once it is finished."""
    job, can = get_job_for_user(request.user, pk, need="follow")
    refresh = None if job.is_finished else REFRESH_SECONDS
    return render(request, "jobs/job_detail.html", {"job": job, "can": can, "refresh": refresh})


@login_required
def job_file(request, pk):
    job, _can = get_job_for_user(request.user, pk, need="download")
    if not job.file:
        raise Http404
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def job_run_again(request, pk):
    """Queue anew the work of an interrupted job; the page follows the new job."""
    job, _can = get_job_for_user(request.user, pk, need="run_again")
    return redirect(run_again(job=job, user=request.user))
