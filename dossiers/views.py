from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communes.access import access_for, get_commune_for_user
from communes.models import Department
from criteria.forms import StandingFilterForm
from criteria.standing import commune_rows

from .access import (
    get_document_for_user,
    get_dossier_for_user,
    get_item_for_user,
    visible_dossiers,
)
from .forms import (
    AppraisalForm,
    CommentForm,
    OpenDossierForm,
    RecognitionDecisionForm,
    ReviewForm,
    UploadForm,
    WithdrawForm,
)
from .models import Appraisal, Document
from .package import dossier_package
from .progress import dossier_progress, progress_of, with_progress_data
from .services import (
    DossierExists,
    WorkflowError,
    accept_dossier,
    create_dossier,
    record_appraisal,
    record_recognition,
    return_dossier,
    review_item,
    submit_dossier,
    upload_document,
    withdraw_document,
)


def _error_message(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _int_or_404(value) -> int:
    """An id from a query string or form; anything else is a page that does not exist."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
def progress(request):
    """One row per commune: files complete, general dossier, sent to and inspected by
    provincial departments, status — the list the district's meetings review."""
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    rows = []
    if criteria_set is not None:
        communes = access_for(request.user).visible_communes().order_by("search_name", "name")
        dossiers = with_progress_data(
            visible_dossiers(request.user).filter(criteria_set=criteria_set, year=year)
        )
        by_commune = {p.dossier.commune_id: p for p in progress_of(dossiers)}
        # Criteria met as of the day asked for; the dossier columns are as they stand now.
        standing_rows = commune_rows(
            communes, criteria_set=criteria_set, year=year, as_of=as_of, detail=False
        )
        rows = [(row, by_commune.get(row.commune.pk)) for row in standing_rows]
    context = {"filters": filters, "criteria_set": criteria_set, "year": year, "as_of": as_of, "rows": rows}
    return render(request, "dossiers/progress.html", context)


@login_required
@require_POST
def dossier_open(request, code):
    """Open the dossier of a commune for a set and year (its items are created with it)."""
    commune, _can = get_commune_for_user(request.user, code, need="enter")
    form = OpenDossierForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bộ tiêu chí hoặc năm không hợp lệ."))
        return redirect(commune)
    try:
        dossier = create_dossier(commune=commune, user=request.user, **form.cleaned_data)
    except DossierExists as exists:
        # Opened already (by a colleague, or this form sent twice): that dossier it is.
        messages.info(request, exists.message)
        return redirect(exists.dossier)
    messages.success(request, _("Đã lập hồ sơ. Hãy tải minh chứng cho từng tiêu chí và hồ sơ chung."))
    return redirect(dossier)


@login_required
def dossier_detail(request, pk):
    dossier, can = get_dossier_for_user(request.user, pk)
    progress = dossier_progress(dossier)
    context = {
        "dossier": dossier,
        "progress": progress,
        "transitions": dossier.transitions.select_related("actor"),
        "can": can,
        "comment_form": CommentForm(),
    }
    return render(request, "dossiers/dossier_detail.html", context)


# Each step, and the role it needs; the service then checks the dossier's state.
ACTIONS = {
    "submit": (submit_dossier, "prepare"),
    "return": (return_dossier, "coordinate"),
    "accept": (accept_dossier, "coordinate"),
}


@login_required
@require_POST
def dossier_action(request, pk, action):
    """Submit (commune), return or accept (district)."""
    if action not in ACTIONS:
        raise Http404
    step, need = ACTIONS[action]
    dossier, _can = get_dossier_for_user(request.user, pk, need=need)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        moved = step(dossier=dossier, user=request.user, comment=form.cleaned_data.get("comment", ""))
    except WorkflowError as error:
        _error_message(request, error)
    else:
        status = {"status": dossier.get_status_display()}
        if moved:
            messages.success(request, _("Hồ sơ: %(status)s.") % status)
        else:
            messages.info(request, _("Hồ sơ đã ở trạng thái “%(status)s”; không có gì thay đổi.") % status)
    return redirect(dossier)


def _item_action(request) -> str | None:
    """What a POST to an item page does: add a document, or review the item."""
    if request.method != "POST":
        return None
    return "upload" if "file" in request.FILES or "upload" in request.POST else "review"


@login_required
def item_detail(request, pk, item_pk):
    """One item: what the library asks for, the documents and their versions, the review."""
    action = _item_action(request)
    item, can = get_item_for_user(request.user, pk, item_pk, need=action)
    dossier = item.dossier
    documents = list(
        item.documents.select_related("uploaded_by", "withdrawn_by").order_by("title", "-version")
    )
    titles = sorted({d.title for d in documents if not d.is_withdrawn})
    upload_form = UploadForm(item=item, titles=titles)
    review_form = ReviewForm(initial={"review": item.review, "comment": item.review_comment})
    if action == "upload":
        upload_form = UploadForm(request.POST, request.FILES, item=item, titles=titles)
        if response := _upload(request, item, upload_form):
            return response
    elif action == "review":
        review_form = ReviewForm(request.POST)
        if response := _review(request, item, review_form):
            return response
    progress = next(p for p in dossier_progress(dossier).items if p.item.pk == item.pk)
    context = {
        "dossier": dossier,
        "item": item,
        "progress": progress,
        "documents": documents,
        "can": can,
        "upload_form": upload_form if can.upload else None,
        "review_form": review_form if can.review else None,
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "dossiers/item_detail.html", context, status=400 if action else 200)


def _upload(request, item, form):
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    upload.original_name = upload.name
    try:
        stored = upload_document(
            item=item,
            user=request.user,
            upload=upload,
            title=form.cleaned_data["replaces"] or form.cleaned_data["title"],
            evidence_kind=form.cleaned_data["evidence_kind"],
            effective_date=form.cleaned_data["effective_date"],
        )
    except ValidationError as error:
        form.add_error("file", error)
        return None
    document = stored.document
    messages.success(
        request,
        _("Đã tải lên “%(title)s” (phiên bản %(version)s).")
        % {"title": document.title, "version": document.version},
    )
    if stored.duplicate_of is not None:
        first = stored.duplicate_of
        messages.warning(
            request,
            format_html(
                _(
                    'Tệp này trùng nội dung với <a href="{url}">“{title}” (v{version})</a> ở {item} '
                    "đã tải lên trước."
                ),
                url=first.get_absolute_url(),
                title=first.title,
                version=first.version,
                item=first.item.title,
            ),
        )
    return redirect("dossiers:item_detail", item.dossier_id, item.pk)


def _review(request, item, form):
    if not form.is_valid():
        return None
    try:
        review_item(item=item, user=request.user, **form.cleaned_data)
    except WorkflowError as error:
        form.add_error(None, error)
        return None
    messages.success(request, _("Đã ghi ý kiến thẩm tra."))
    return redirect("dossiers:item_detail", item.dossier_id, item.pk)


@login_required
def document_download(request, pk, document_pk):
    """Every download goes through the access check; never served as a static file."""
    document, _can = get_document_for_user(request.user, pk, document_pk)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def document_withdraw(request, pk, document_pk):
    document, _can = get_document_for_user(request.user, pk, document_pk, need="upload")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy ghi lý do rút tài liệu."))
    else:
        try:
            withdraw_document(document=document, user=request.user, reason=form.cleaned_data["reason"])
        except WorkflowError as error:
            _error_message(request, error)
        else:
            messages.success(
                request,
                _("Đã rút “%(title)s”; tài liệu vẫn được lưu trong lịch sử.") % {"title": document.title},
            )
    return redirect("dossiers:item_detail", pk, document.item_id)


@login_required
def appraisals(request, pk):
    """The coordinator records, per provincial department, what the province did."""
    dossier, can = get_dossier_for_user(
        request.user, pk, need="coordinate" if request.method == "POST" else None
    )
    departments = Department.objects.appraising(dossier.commune.province_id)
    existing = {
        a.department_id: a
        for a in dossier.appraisals.prefetch_related(
            "criteria",
            Prefetch("documents_seen", queryset=Document.objects.select_related("item__criterion")),
        )
    }
    may_record = can.coordinate
    bound_pk = None
    if request.method == "POST":
        department = get_object_or_404(departments, pk=_int_or_404(request.POST.get("department")))
        bound_pk = department.pk
        form = AppraisalForm(
            request.POST, dossier=dossier, instance=existing.get(department.pk), prefix=f"d{department.pk}"
        )
        if form.is_valid():
            try:
                record_appraisal(
                    dossier=dossier,
                    department=department,
                    user=request.user,
                    sent_on=form.cleaned_data["sent_on"],
                    inspected_on=form.cleaned_data["inspected_on"],
                    result=form.cleaned_data["result"],
                    comments=form.cleaned_data["comments"],
                    criteria=form.cleaned_data["criteria"],
                )
            except WorkflowError as error:
                _error_message(request, error)
            else:
                messages.success(request, _("Đã ghi kết quả của %(dept)s.") % {"dept": department.name})
                return redirect(f"{request.path}#department-{department.pk}")
    rows = []
    # One list of criteria for every department's form, not one query per form.
    criteria_choices = [(c.pk, str(c)) for c in dossier.criteria_set.criteria.order_by("number")]
    for department in departments:
        appraisal = existing.get(department.pk)
        if request.method == "POST" and department.pk == bound_pk:
            row_form = form
        else:
            row_form = AppraisalForm(dossier=dossier, instance=appraisal, prefix=f"d{department.pk}")
        row_form.fields["criteria"].choices = criteria_choices
        rows.append(
            {"department": department, "appraisal": appraisal, "form": row_form if may_record else None}
        )
    context = {
        "dossier": dossier,
        "rows": rows,
        "progress": dossier_progress(dossier),
        "recognition_form": RecognitionDecisionForm() if may_record else None,
    }
    return render(request, "dossiers/appraisals.html", context)


@login_required
@require_POST
def recognition(request, pk):
    """The province's decision closes the dossier and records the recognition."""
    dossier, _can = get_dossier_for_user(request.user, pk, need="coordinate")
    form = RecognitionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("dossiers:appraisals", pk)
    try:
        record_recognition(dossier=dossier, user=request.user, **form.cleaned_data)
    except WorkflowError as error:
        _error_message(request, error)
        return redirect("dossiers:appraisals", pk)
    messages.success(request, _("Đã ghi quyết định công nhận; hồ sơ đã đóng."))
    return redirect(dossier)


@login_required
def package(request, pk):
    """One zip of the current documents, by criterion, with a manifest; or one department's part."""
    dossier, _can = get_dossier_for_user(request.user, pk, need="coordinate")
    appraisal = None
    if request.GET.get("department"):
        department = _int_or_404(request.GET["department"])
        appraisal = get_object_or_404(Appraisal, dossier=dossier, department_id=department)
    content, filename = dossier_package(dossier, appraisal=appraisal)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
