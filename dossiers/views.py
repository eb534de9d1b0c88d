from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from communes.access import access_for, get_commune_for_user
from communes.models import Department
from criteria.forms import StandingFilterForm
from criteria.owners import ownership_for, province_ownership
from criteria.standing import commune_rows
from jobs.access import coordinated_unit
from jobs.models import Job
from jobs.services import start_job
from ntm.lib.downloads import stored_file_response
from ntm.lib.storage import atomic_with_files
from ntm.lib.uploads import accepts_uploads

from .access import (
    get_document_for_user,
    get_dossier_for_user,
    get_item_for_user,
    visible_dossiers,
)
from .forms import (
    AppraisalForm,
    DueForm,
    OpenDossierForm,
    RecognitionDecisionForm,
    ReviewForm,
    SendForm,
    StepForm,
    UploadForm,
    WithdrawForm,
)
from .gates import gates_for
from .models import Appraisal, Document, Dossier, DossierItem
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
    send_to_province,
    set_dossier_due,
    submit_dossier,
    upload_document,
    withdraw_document,
)
from .tasks import build_package_job

PROGRESS_PER_PAGE = 50


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
    # ?status= lists only the dossiers in that state: each count of the home page links here.
    status_filter = None
    if request.GET.get("status") in Dossier.Status.values:
        status_filter = Dossier.Status(request.GET["status"])
    page, rows = None, []
    if criteria_set is not None:
        dossiers = visible_dossiers(request.user).filter(criteria_set=criteria_set, year=year)
        communes = access_for(request.user).visible_communes().order_by("search_name", "name")
        if status_filter is not None:
            communes = communes.filter(pk__in=dossiers.filter(status=status_filter).values("commune_id"))
        # A page of communes, and only their dossiers and standings: the page costs the
        # same for a district and for the country.
        page = Paginator(communes, PROGRESS_PER_PAGE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        by_commune = {
            p.dossier.commune_id: p
            for p in progress_of(with_progress_data(dossiers.filter(commune__in=shown)))
        }
        # Criteria met as of the day asked for; the dossier columns are as they stand now.
        standing_rows = commune_rows(shown, criteria_set=criteria_set, year=year, as_of=as_of, detail=False)
        rows = [(row, by_commune.get(row.commune.pk)) for row in standing_rows]
    params = {key: request.GET[key] for key in ("set", "year", "as_of", "status") if request.GET.get(key)}
    context = {
        "filters": filters,
        "criteria_set": criteria_set,
        "year": year,
        "as_of": as_of,
        "rows": rows,
        "page": page,
        "page_params": urlencode(params),
        "status_filter": status_filter,
    }
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


def _step_forms(can) -> dict:
    """The forms of the steps the user may take, each with its own prefix (unique ids)."""
    forms = {}
    if can.submit:
        forms["submit"] = StepForm(prefix="submit", on_behalf=can.on_behalf, may_override=can.coordinate)
    if can.decide:
        forms["return"] = StepForm(prefix="return")
        forms["accept"] = StepForm(prefix="accept", may_override=True)
    if can.send:
        forms["send"] = SendForm(prefix="send")
    return forms


@login_required
def dossier_detail(request, pk):
    dossier, can = get_dossier_for_user(request.user, pk)
    progress = dossier_progress(dossier)
    gates = gates_for(dossier, progress)
    ownership = ownership_for(dossier.commune, dossier.criteria_set_id)
    for item_progress in progress.items:
        item_progress.owner = ownership.of_criterion(item_progress.item.criterion_id)
    transitions = list(dossier.transitions.select_related("actor"))
    returned = None
    if dossier.status == Dossier.Status.RETURNED:
        returned = next((t for t in reversed(transitions) if t.to_status == Dossier.Status.RETURNED), None)
    context = {
        "dossier": dossier,
        "progress": progress,
        "gates": gates,
        "returned": returned,
        "to_fix": [p for p in progress.items if p.item.review == DossierItem.Review.INCOMPLETE],
        "transitions": transitions,
        "can": can,
        "forms": _step_forms(can),
        "due_form": DueForm(prefix="due", initial={"due_on": dossier.due_on}) if can.coordinate else None,
    }
    return render(request, "dossiers/dossier_detail.html", context)


# Each step, the role it needs and its form; the service then checks state and gates.
ACTIONS = {
    "submit": (submit_dossier, "prepare"),
    "return": (return_dossier, "coordinate"),
    "accept": (accept_dossier, "coordinate"),
    "send": (send_to_province, "coordinate"),
}


@login_required
@require_POST
def dossier_action(request, pk, action):
    """Submit (commune), return, accept or send to the province (district)."""
    if action not in ACTIONS:
        raise Http404
    step, need = ACTIONS[action]
    dossier, can = get_dossier_for_user(request.user, pk, need=need)
    if action == "send":
        form = SendForm(request.POST, prefix=action)
    else:
        form = StepForm(
            request.POST,
            prefix=action,
            on_behalf=can.on_behalf and action == "submit",
            may_override=can.coordinate and action != "return",
        )
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(dossier)
    try:
        moved = step(dossier=dossier, user=request.user, **form.step_kwargs())
    except WorkflowError as error:
        _error_message(request, error)
    else:
        status = {"status": dossier.get_status_display()}
        if moved:
            messages.success(request, _("Hồ sơ: %(status)s.") % status)
        else:
            messages.info(request, _("Hồ sơ đã ở trạng thái “%(status)s”; không có gì thay đổi.") % status)
    return redirect(dossier)


@login_required
@require_POST
def dossier_due(request, pk):
    """The coordinator sets the day the commune must submit by."""
    dossier, _can = get_dossier_for_user(request.user, pk, need="coordinate")
    form = DueForm(request.POST, prefix="due")
    if form.is_valid():
        set_dossier_due(dossier=dossier, user=request.user, due_on=form.cleaned_data["due_on"])
        messages.success(request, _("Đã lưu hạn nộp hồ sơ."))
    else:
        messages.error(request, _("Ngày không hợp lệ (dd/mm/yyyy)."))
    return redirect(dossier)


def _item_context(item, can) -> dict:
    """What the item's page shows, and what its upload form is built from."""
    documents = list(
        item.documents.select_related("uploaded_by", "withdrawn_by").order_by("title", "-version")
    )
    for document in documents:
        document.withdraw_form = WithdrawForm(prefix=f"w{document.pk}")
    progress = next(p for p in dossier_progress(item.dossier).items if p.item.pk == item.pk)
    titles = sorted({d.title for d in documents if not d.is_withdrawn})
    return {
        "dossier": item.dossier,
        "item": item,
        "progress": progress,
        "documents": documents,
        "can": can,
        "upload_kwargs": {
            "item": item,
            "titles": titles,
            "missing": progress.missing,
            "on_behalf": can.on_behalf,
        },
    }


def _item_page(request, context, *, upload_form=None, review_form=None, status=200):
    """The item's page; a form sent back with its errors replaces the empty one."""
    item, can = context["item"], context["can"]
    upload_kwargs = context.pop("upload_kwargs")
    if can.upload:
        context["upload_form"] = upload_form or UploadForm(**upload_kwargs)
    if can.review:
        context["review_form"] = review_form or ReviewForm(
            initial={"review": item.review, "comment": item.review_comment}
        )
    return render(request, "dossiers/item_detail.html", context, status=status)


@login_required
def item_detail(request, pk, item_pk):
    """One item: what the library asks for, the documents and their versions, the review.
    A POST here reviews the item; files go to `item_upload`."""
    item, can = get_item_for_user(
        request.user, pk, item_pk, need="review" if request.method == "POST" else None
    )
    context = _item_context(item, can)
    if request.method != "POST":
        return _item_page(request, context)
    form = ReviewForm(request.POST)
    if response := _review(request, item, form):
        return response
    return _item_page(request, context, review_form=form, status=400)


def _may_upload_to_item(request, pk, item_pk):
    """Before an upload's body is read: 404 or 403 unless this user may add evidence here."""
    get_item_for_user(request.user, pk, item_pk, need="upload")


@accepts_uploads(_may_upload_to_item)
@login_required
@require_POST
def item_upload(request, pk, item_pk):
    """Evidence files for an item, several at once; the body is read only for those who may
    upload here, and only up to the limits (ntm/lib/uploads.py)."""
    item, can = get_item_for_user(request.user, pk, item_pk, need="upload")
    context = _item_context(item, can)
    form = UploadForm(request.POST, request.FILES, **context["upload_kwargs"])
    if response := _upload(request, item, form):
        return response
    if wants_json(request):
        errors = [e for errors in form.errors.values() for e in errors]
        return JsonResponse({"errors": errors}, status=400)
    return _item_page(request, context, upload_form=form, status=400)


def wants_json(request) -> bool:
    """The drag-and-drop script asks for JSON, to show its progress bar and then the page."""
    return "application/json" in request.headers.get("Accept", "")


def _upload(request, item, form):
    """Store every file of the form, or none: one bad file refuses the whole batch."""
    if not form.is_valid():
        return None
    uploads, kinds = form.cleaned_data["file"], form.cleaned_data["kinds"]
    several = len(uploads) > 1
    stored = []
    try:
        # One bad file refuses the batch: the rows roll back and the stored files go with them.
        with atomic_with_files():
            for upload, kind in zip(uploads, kinds, strict=True):
                title = form.cleaned_data["replaces"] or form.cleaned_data["title"]
                if several:
                    # Each file is its own document: titled by its name, never versions of one another.
                    title = upload.name.rsplit(".", 1)[0]
                stored.append(
                    upload_document(
                        item=item,
                        user=request.user,
                        upload=upload,
                        title=title,
                        evidence_kind=kind,
                        effective_date=form.cleaned_data["effective_date"],
                        on_behalf_reason=form.reason,
                    )
                )
    except ValidationError as error:
        name = uploads[len(stored)].name
        form.add_error("file", [f"{name}: {message}" for message in error.messages])
        return None
    for result in stored:
        _uploaded_messages(request, result)
    url = reverse("dossiers:item_detail", args=[item.dossier_id, item.pk])
    if wants_json(request):
        return JsonResponse({"next": url, "count": len(stored)})
    return redirect(url)


def _uploaded_messages(request, stored) -> None:
    document = stored.document
    messages.success(
        request,
        _("Đã tải lên “%(title)s” (phiên bản %(version)s).")
        % {"title": document.title, "version": document.version},
    )
    if document.active_content_warning:
        messages.warning(
            request,
            _(
                "%(warning)s: “%(title)s” chỉ được tải về, không mở xem trong trang. "
                "Hãy kiểm tra nguồn gốc tệp."
            )
            % {"warning": document.active_content_warning, "title": document.title},
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


def _document_what(document) -> str:
    return _("tài liệu “%(title)s” (phiên bản %(version)s, tệp gốc “%(name)s”)") % {
        "title": document.title,
        "version": document.version,
        "name": document.original_name,
    }


@login_required
def document_download(request, pk, document_pk):
    """Every download goes through the access check; never served as a static file."""
    document, _can = get_document_for_user(request.user, pk, document_pk)
    return stored_file_response(
        request,
        document.file,
        what=_document_what(document),
        back=reverse("dossiers:item_detail", args=[pk, document.item_id]),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@login_required
def document_view(request, pk, document_pk):
    """A PDF or a photo shown in the page, in a sandboxed frame; other files are downloaded."""
    document, _can = get_document_for_user(request.user, pk, document_pk)
    if document.viewable_type is None:
        return redirect(document)
    context = {"document": document, "dossier": document.item.dossier, "item": document.item}
    return render(request, "dossiers/document_view.html", context)


@login_required
@xframe_options_sameorigin
def document_inline(request, pk, document_pk):
    """The file for the frame of `document_view`: shown inline, with a sandbox policy so
    that nothing in an uploaded file can run scripts or reach the app as the user."""
    document, _can = get_document_for_user(request.user, pk, document_pk)
    content_type = document.viewable_type
    if content_type is None:
        raise Http404
    response = stored_file_response(
        request, document.rendition or document.file, what=_document_what(document), content_type=content_type
    )
    if response.status_code == 200:
        response["Content-Disposition"] = content_disposition_header(False, document.original_name)
        response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
@require_POST
def document_withdraw(request, pk, document_pk):
    document, _can = get_document_for_user(request.user, pk, document_pk, need="upload")
    form = WithdrawForm(request.POST, prefix=f"w{document.pk}")
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
    # A department not yet recorded starts from the criteria the province assigned it.
    ownership = province_ownership(dossier.commune.province_id, dossier.criteria_set_id)
    for department in departments:
        appraisal = existing.get(department.pk)
        if request.method == "POST" and department.pk == bound_pk:
            row_form = form
        else:
            initial = None if appraisal else {"criteria": sorted(ownership.criteria_of(department.pk))}
            row_form = AppraisalForm(
                dossier=dossier, instance=appraisal, prefix=f"d{department.pk}", initial=initial
            )
        row_form.fields["criteria"].choices = criteria_choices
        rows.append(
            {"department": department, "appraisal": appraisal, "form": row_form if may_record else None}
        )
    context = {
        "dossier": dossier,
        "rows": rows,
        "progress": dossier_progress(dossier),
        "recognition_form": RecognitionDecisionForm() if may_record else None,
        "owners_url": reverse(
            "criteria:owners", args=[dossier.criteria_set.code, "province", dossier.commune.province.code]
        ),
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


def _package_part(dossier, data) -> Appraisal | None:
    """The appraisal whose department's part of the package `?department=` asks for."""
    if not data.get("department"):
        return None
    return get_object_or_404(Appraisal, dossier=dossier, department_id=_int_or_404(data["department"]))


@login_required
def package(request, pk):
    """One zip of the current documents, by criterion, with a manifest; or one department's part."""
    dossier, _can = get_dossier_for_user(request.user, pk, need="coordinate")
    appraisal = _package_part(dossier, request.GET)
    package, filename = dossier_package(dossier, appraisal=appraisal)
    return FileResponse(package, as_attachment=True, filename=filename, content_type="application/zip")


@login_required
@require_POST
def package_job(request, pk):
    """Zip a large dossier in the background; the job's page offers the zip when ready."""
    dossier, _can = get_dossier_for_user(request.user, pk, need="coordinate")
    appraisal = _package_part(dossier, request.POST)
    job = start_job(
        kind=Job.Kind.PACKAGE,
        title=f"{dossier.commune.name} {dossier.year}",
        user=request.user,
        task=build_package_job,
        unit=coordinated_unit(request.user),
        task_kwargs={"dossier_pk": dossier.pk, "appraisal_pk": appraisal.pk if appraisal else None},
    )
    return redirect(job)
