from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from criteria.forms import StandingFilterForm
from criteria.models import Indicator
from criteria.owners import ownership_for
from ntm.lib.downloads import stored_file_response
from ntm.lib.http import int_or_404
from ntm.lib.uploads import accepts_uploads
from reports.access import visible_snapshots
from reports.pdf import render_pdf

from .access import (
    can_record_meetings,
    can_see_meeting,
    get_commune_for_assigning,
    get_conclusion_for_user,
    get_item_for_assigning,
    get_meeting_for_user,
    get_task_for_user,
    get_units_for_user,
    visible_meetings,
)
from .documents import brief_xlsx, meeting_brief, meeting_notice, next_meeting_day
from .forms import (
    BriefDateForm,
    CloseForm,
    ConclusionForm,
    MeetingForm,
    ProgressForm,
    ReopenForm,
    TaskFilterForm,
    TaskForm,
    owner_key,
)
from .models import unit_of
from .selectors import task_list as select_tasks
from .services import TaskError, add_conclusion, close_task, create_task, reopen_task, report_progress

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


# Meetings -------------------------------------------------------------------------


@login_required
def meeting_list(request):
    meetings = (
        visible_meetings(request.user)
        .select_related("district", "province")
        .annotate(
            conclusion_count=Count("conclusions", distinct=True), task_count=Count("conclusions__tasks")
        )
        # Meta.ordering does not apply to an aggregating query.
        .order_by("-held_on", "-pk")
    )
    page = Paginator(meetings, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "meetings": page.object_list, "can_record": can_record_meetings(request.user)}
    return render(request, "meetings/meeting_list.html", context)


def _meeting_form(request, units, instance=None):
    initial = {}
    if instance is None:
        criteria_set, year, _as_of = StandingFilterForm().resolve()
        initial = {"criteria_set": criteria_set, "year": year}
    return MeetingForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        units=units,
        snapshots=visible_snapshots(request.user),
    )


@login_required
def meeting_create(request):
    units, _can = get_units_for_user(request.user, need="assign")
    form = _meeting_form(request, units)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.recorded_by = request.user
        meeting.save()
        form.save_m2m()
        messages.success(request, _("Đã ghi cuộc họp. Hãy ghi các kết luận và giao việc."))
        return redirect(meeting)
    status = 400 if form.is_bound else 200
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None}, status=status)


@login_required
def meeting_edit(request, pk):
    meeting, _can = get_meeting_for_user(request.user, pk, need="edit")
    form = _meeting_form(request, [meeting.unit], instance=meeting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu cuộc họp."))
        return redirect(meeting)
    status = 400 if form.is_bound else 200
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting}, status=status)


def _meeting_page(request, meeting, can, *, conclusion_form=None, status=200):
    notice = meeting_notice(meeting)
    context = {
        "meeting": meeting,
        "can": can,
        "conclusions": notice.conclusions,
        "departments": meeting.attending_departments.order_by("level", "name"),
        "communes": meeting.attending_communes.order_by("search_name", "name"),
        "snapshots": meeting.snapshots.select_related("created_by"),
        "conclusion_form": (conclusion_form or ConclusionForm(meeting=meeting)) if can.edit else None,
    }
    return render(request, "meetings/meeting_detail.html", context, status=status)


@login_required
def meeting_detail(request, pk):
    meeting, can = get_meeting_for_user(request.user, pk)
    return _meeting_page(request, meeting, can)


@login_required
@require_POST
def conclusion_add(request, pk):
    """A conclusion, and its task when an owner is named."""
    meeting, can = get_meeting_for_user(request.user, pk, need="edit")
    form = ConclusionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _meeting_page(request, meeting, can, conclusion_form=form, status=400)
    conclusion = add_conclusion(
        meeting=meeting, text=form.cleaned_data["text"], task=form.task(), user=request.user
    )
    messages.success(request, _("Đã ghi kết luận số %(number)s.") % {"number": conclusion.number})
    return redirect(f"{meeting.get_absolute_url()}#conclusion-{conclusion.number}")


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def notice(request, pk):
    """The "Thông báo kết luận": preview, or the PDF."""
    meeting, _can = get_meeting_for_user(request.user, pk)
    document = meeting_notice(meeting)
    if request.resolver_match.url_name == "notice_pdf":
        return _download(render_pdf(document), "application/pdf", f"{document.file_stem}.pdf")
    return render(request, "meetings/document_preview.html", {"meeting": meeting, "report": document})


@login_required
def brief(request, pk, extension=None):
    """The brief for the next meeting, as of `?on=` (default: the next meeting's day, or today)."""
    meeting, _can = get_meeting_for_user(request.user, pk)
    form = BriefDateForm(request.GET, meeting=meeting)
    document = meeting_brief(meeting, form.resolve(next_meeting_day(meeting)))
    if extension == "pdf":
        return _download(render_pdf(document), "application/pdf", f"{document.file_stem}.pdf")
    if extension == "xlsx":
        return _download(brief_xlsx(document), XLSX, f"{document.file_stem}.xlsx")
    context = {"meeting": meeting, "report": document, "date_form": form}
    return render(request, "meetings/document_preview.html", context)


# Tasks ------------------------------------------------------------------------------


@login_required
def task_list(request):
    filters = TaskFilterForm(request.GET)
    tasks = select_tasks(request.user, **filters.resolve())
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "tasks": page.object_list, "query": query.urlencode()}
    return render(request, "meetings/task_list.html", context)


def _task_origin(request) -> tuple[object, dict, dict]:
    """Where a new task comes from — a conclusion, an indicator on a scorecard, a dossier
    item sent back — as (unit, links to keep, initial values); 404/403 through access."""
    # The form posts back to its own address, query string included.
    params = request.GET
    if params.get("conclusion"):
        conclusion, _can = get_conclusion_for_user(
            request.user, int_or_404(params["conclusion"]), need="edit"
        )
        return conclusion.meeting.unit, {"conclusion": conclusion}, {"title": conclusion.text[:300]}
    if params.get("item"):
        item, _can = get_item_for_assigning(request.user, int_or_404(params["item"]), need="assign")
        commune = item.dossier.commune
        initial = {
            "title": _("Bổ sung hồ sơ: %(item)s") % {"item": item.title},
            "description": item.review_comment,
            "owner": owner_key(commune),
        }
        return unit_of(commune), {"commune": commune, "dossier_item": item}, initial
    if params.get("commune"):
        commune, _can = get_commune_for_assigning(request.user, params["commune"], need="assign")
        links, initial = {"commune": commune}, {"owner": owner_key(commune)}
        if params.get("indicator"):
            indicator = get_object_or_404(
                Indicator.objects.select_related("criterion"), pk=int_or_404(params["indicator"])
            )
            links["indicator"] = indicator
            initial["title"] = _("Hoàn thành chỉ tiêu %(code)s của xã %(commune)s") % {
                "code": indicator.code,
                "commune": commune.name,
            }
            owner = ownership_for(commune, indicator.criterion.criteria_set_id).of_indicator(indicator)
            if owner is not None:
                initial["owner"] = owner_key(owner)
        return unit_of(commune), links, initial
    raise Http404


@login_required
def task_create(request):
    unit, links, initial = _task_origin(request)
    form = TaskForm(request.POST or None, unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = create_task(
            unit=unit,
            title=data["title"],
            description=data["description"],
            owner=data["owner"],
            assignee=data["assignee"],
            deadline=data["deadline"],
            user=request.user,
            **links,
        )
        messages.success(request, _("Đã giao việc cho %(owner)s.") % {"owner": task.owner_name})
        return redirect(task)
    context = {
        "form": form,
        "links": links,
    }
    status = 400 if form.is_bound else 200
    return render(request, "meetings/task_form.html", context, status=status)


@login_required
def task_edit(request, pk):
    task, _can = get_task_for_user(request.user, pk, need="edit")
    form = TaskForm(request.POST or None, instance=task, unit=task.unit)
    if request.method == "POST" and form.is_valid():
        task = form.save(commit=False)
        task.owner = form.cleaned_data["owner"]
        task.save()
        messages.success(request, _("Đã lưu nhiệm vụ."))
        return redirect(task)
    status = 400 if form.is_bound else 200
    return render(request, "meetings/task_form.html", {"form": form, "task": task}, status=status)


def _task_page(request, task, can, *, status=200, **forms):
    context = {
        "task": task,
        "can": can,
        "notes": task.notes.select_related("author"),
        "meeting_visible": task.conclusion_id and can_see_meeting(request.user, task.conclusion.meeting),
        "progress_form": forms.get("progress_form", ProgressForm()),
        "close_form": forms.get("close_form", CloseForm()),
        "reopen_form": forms.get("reopen_form", ReopenForm()),
    }
    return render(request, "meetings/task_detail.html", context, status=status)


@login_required
def task_detail(request, pk):
    task, can = get_task_for_user(request.user, pk)
    return _task_page(request, task, can)


def _task_step(request, task, can, form, step, done_message, form_name):
    """Run a step on a task with a valid form: a refusal by the task's state is a message
    on the task page; a refused file stays next to its field."""
    if form.is_valid():
        try:
            step(**form.cleaned_data)
        except TaskError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(task)
        except ValidationError as error:
            form.add_error("evidence", error)
        else:
            messages.success(request, done_message)
            return redirect(task)
    return _task_page(request, task, can, status=400, **{form_name: form})


@login_required
@require_POST
def task_progress(request, pk):
    task, can = get_task_for_user(request.user, pk, need="report_progress")

    def step(text):
        report_progress(task=task, text=text, user=request.user)

    form = ProgressForm(request.POST)
    return _task_step(request, task, can, form, step, _("Đã ghi tiến độ."), "progress_form")


def _may_close_task(request, pk):
    """Before the closing evidence's body is read: 404 or 403 unless this user may close it."""
    get_task_for_user(request.user, pk, need="close")


@accepts_uploads(_may_close_task)
@login_required
@require_POST
def task_close(request, pk):
    task, can = get_task_for_user(request.user, pk, need="close")

    def step(note, evidence):
        close_task(task=task, note=note, evidence=evidence, user=request.user)

    form = CloseForm(request.POST, request.FILES)
    return _task_step(request, task, can, form, step, _("Đã báo hoàn thành nhiệm vụ."), "close_form")


@login_required
@require_POST
def task_reopen(request, pk):
    task, can = get_task_for_user(request.user, pk, need="edit")

    def step(reason):
        reopen_task(task=task, reason=reason, user=request.user)

    form = ReopenForm(request.POST)
    return _task_step(request, task, can, form, step, _("Đã mở lại nhiệm vụ."), "reopen_form")


@login_required
def task_evidence(request, pk):
    """The closing evidence, through the access check; never served as a static file."""
    task, _can = get_task_for_user(request.user, pk)
    if not task.evidence:
        raise Http404
    return stored_file_response(
        request,
        task.evidence,
        what=_("tệp minh chứng của nhiệm vụ “%(task)s”") % {"task": task},
        back=task.get_absolute_url(),
        as_attachment=True,
        filename=task.evidence_name,
        content_type=task.evidence_type,
    )
