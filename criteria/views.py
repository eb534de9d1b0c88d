from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from communes.access import access_for, get_commune_for_user
from jobs.access import coordinated_unit
from jobs.models import Job
from jobs.services import start_job
from ntm.lib.forms import save_unless_duplicate
from ntm.lib.spreadsheet_files import FORMATS, estimate_rows
from ntm.lib.spreadsheets import NEW, SKIP, UPDATE, XLSX, RowCopy

from .access import (
    can_copy_sets,
    can_import_criteria,
    criteria_importer_required,
    get_assessment_for_user,
    get_owners_for_user,
    get_score_for_verifier,
    get_set_for_user,
    owner_units_for,
    provinces_for_new_sets,
    scores_importer_required,
)
from .completeness import Completeness
from .forms import (
    CopySetForm,
    CriteriaSetForm,
    CriteriaWorkbookForm,
    CriterionForm,
    ImportConfirmForm,
    IndicatorEvidenceForm,
    IndicatorFormSet,
    OnBehalfForm,
    OwnersForm,
    RecognitionForm,
    RegistrationForm,
    RevocationForm,
    SpreadsheetUploadForm,
    StandingFilterForm,
    TargetFormSet,
    VerificationFilterForm,
    VerificationForm,
)
from .models import (
    MAX_YEAR,
    MIN_YEAR,
    CriteriaSet,
    ImportUpload,
    Indicator,
    Recognition,
    Registration,
)
from .owners import assign_owners, ownership_in
from .queues import pending_verifications
from .resources import export_scores, import_scores, render_scores_file, score_template
from .services import (
    ScoreEdit,
    StaleScoresError,
    confirm_registration,
    copy_criteria_set,
    record_scores,
    verify_score,
)
from .standing import criteria_tree, units_in_scope
from .tasks import import_scores_job
from .workbook import export_criteria, import_criteria

DUPLICATE_SET = gettext_lazy("Đã có bộ tiêu chí với mã này.")
DUPLICATE_INDICATOR = gettext_lazy("Mỗi mã chỉ tiêu chỉ được dùng một lần trong bộ tiêu chí.")
DUPLICATE_TARGET = gettext_lazy("Có hai mức đạt chuẩn cho cùng một vùng/nhóm xã và năm.")


@login_required
def set_list(request):
    """The criteria library: every set, national first within a period (1 query)."""
    current_indicators = Q(criteria__retired=False, criteria__indicators__retired=False)
    criteria_sets = (
        CriteriaSet.objects.select_related("issuer", "parent")
        .annotate(
            criterion_count=Count("criteria", filter=Q(criteria__retired=False), distinct=True),
            indicator_count=Count("criteria__indicators", filter=current_indicators, distinct=True),
            unchecked_count=Count(
                "criteria__indicators",
                filter=current_indicators & Q(criteria__indicators__unverified=True),
                distinct=True,
            ),
        )
        .order_by("-period", "issuer__name", "level", "tier", "code")
    )
    context = {
        "criteria_sets": criteria_sets,
        "can_copy": can_copy_sets(request.user),
        "can_import": can_import_criteria(request.user),
    }
    return render(request, "criteria/set_list.html", context)


@login_required
def set_detail(request, code):
    """One set: its criteria, indicators, targets and their sources, its amendments and
    region rules, what it still lacks ("Độ đầy đủ"), and what a changed file dropped."""
    criteria_set, can = get_set_for_user(request.user, code)
    # Queries: the set, criteria, indicators, targets, amendments, region rules.
    criteria = criteria_tree(criteria_set, retired=True)
    amendments = list(criteria_set.amendments.select_related("indicator__criterion"))
    by_indicator: dict[int, list] = {}
    for amendment in amendments:
        by_indicator.setdefault(amendment.indicator_id, []).append(amendment)
    groups: list[tuple[str, list]] = []
    retired = []
    for criterion in criteria:
        indicators = list(criterion.indicators.all())
        criterion.current_indicators = [i for i in indicators if not i.retired]
        retired += [(criterion, i) for i in indicators if i.retired and not criterion.retired]
        for indicator in indicators:
            indicator.amendment_list = by_indicator.get(indicator.pk, [])
        if criterion.retired:
            retired.append((criterion, None))
            continue
        if not groups or groups[-1][0] != criterion.group:
            groups.append((criterion.group, []))
        groups[-1][1].append(criterion)
    completeness = Completeness.of(criteria_set, criteria, amendments)
    context = {
        "criteria_set": criteria_set,
        "groups": groups,
        "completeness": completeness,
        "amendments": amendments,
        "region_rules": list(criteria_set.region_rules.all()),
        "retired": retired,
        "can_edit": can.edit,
        "can_copy": can.copy,
        "can_import": can_import_criteria(request.user),
        "owner_units": owner_units_for(request.user),
    }
    return render(request, "criteria/set_detail.html", context)


@login_required
def set_workbook(request, code):
    """The set as a criteria workbook, to fill in and import back (DESIGN §5)."""
    criteria_set, _can = get_set_for_user(request.user, code)
    return _workbook_response(export_criteria(criteria_set), f"bo-tieu-chi-{criteria_set.code}")


def _workbook_response(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


@login_required
def set_copy(request, code):
    """Create a provincial set from this one, then edit it."""
    source, _can = get_set_for_user(request.user, code, need="copy")
    form = CopySetForm(request.POST or None, provinces=provinces_for_new_sets(request.user))
    copy = None
    if request.method == "POST" and form.is_valid():
        copy = save_unless_duplicate(
            lambda: copy_criteria_set(source=source, **form.cleaned_data), form, DUPLICATE_SET
        )
    if copy is not None:
        messages.success(
            request,
            _("Đã tạo bộ tiêu chí %(code)s từ %(source)s. Hãy rà soát nội dung và mức đạt chuẩn của tỉnh.")
            % {"code": copy.code, "source": source.code},
        )
        return redirect(copy)
    if request.method == "GET":
        form.initial.update(code=f"{source.code}-TINH", name=source.name)
    return render(request, "criteria/set_copy.html", {"source": source, "form": form})


@login_required
def set_edit(request, code):
    criteria_set, _can = get_set_for_user(request.user, code, need="edit")
    form = CriteriaSetForm(request.POST or None, instance=criteria_set)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu thông tin bộ tiêu chí."))
        return redirect(criteria_set)
    return render(request, "criteria/set_edit.html", {"criteria_set": criteria_set, "form": form})


@login_required
def criterion_edit(request, code, number):
    """A criterion and its indicators, edited on one page."""
    criteria_set, _can = get_set_for_user(request.user, code, need="edit")
    criterion = get_object_or_404(criteria_set.criteria, number=number)
    form = CriterionForm(request.POST or None, instance=criterion, prefix="criterion")
    formset = IndicatorFormSet(request.POST or None, instance=criterion, prefix="indicators")
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and save_unless_duplicate(lambda: (form.save(), formset.save()), form, DUPLICATE_INDICATOR)
    ):
        messages.success(request, _("Đã lưu tiêu chí %(number)s.") % {"number": criterion.number})
        return redirect(f"{criteria_set.get_absolute_url()}#criterion-{criterion.number}")
    context = {"criteria_set": criteria_set, "criterion": criterion, "form": form, "formset": formset}
    return render(request, "criteria/criterion_edit.html", context)


@login_required
def indicator_edit(request, code, pk):
    """An indicator's targets (general, by region or group, by year) and evidence list."""
    criteria_set, _can = get_set_for_user(request.user, code, need="edit")
    indicator = get_object_or_404(
        Indicator.objects.select_related("criterion"), pk=pk, criterion__criteria_set=criteria_set
    )
    form = IndicatorEvidenceForm(request.POST or None, instance=indicator, prefix="indicator")
    formset = TargetFormSet(request.POST or None, instance=indicator, prefix="targets")
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and save_unless_duplicate(lambda: (form.save(), formset.save()), form, DUPLICATE_TARGET)
    ):
        messages.success(request, _("Đã lưu mức đạt chuẩn của chỉ tiêu %(code)s.") % {"code": indicator.code})
        return redirect(f"{criteria_set.get_absolute_url()}#criterion-{indicator.criterion.number}")
    context = {"criteria_set": criteria_set, "indicator": indicator, "form": form, "formset": formset}
    return render(request, "criteria/indicator_edit.html", context)


# The criteria workbook: a province's annex in one file ------------------------------


@login_required
@criteria_importer_required
def criteria_import(request):
    """Coordinators and the administrator import a criteria workbook: preview (every bad
    row with its sheet, row and reason), then confirm; all or nothing."""
    if request.method == "POST" and "upload" in request.POST:
        return _criteria_import_confirm(request)
    form = CriteriaWorkbookForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "criteria/criteria_import.html", {"form": form})
    file = form.cleaned_data["file"]
    report = import_criteria(file, user=request.user, dry_run=True)
    context = {"form": form, "file_name": file.name, "report": report}
    if report.ok:
        # The workbook itself is kept for the confirmation, which checks it again.
        upload = ImportUpload(
            kind=ImportUpload.Kind.CRITERIA, original_name=file.name, uploaded_by=request.user
        )
        file.seek(0)
        upload.file.save("workbook.xlsx", File(file))
        context["confirm_form"] = ImportConfirmForm(initial={"upload": upload.pk})
        context["preview"] = [(row.description, PREVIEW_ACTIONS[row.outcome]) for row in report.preview]
    return render(request, "criteria/criteria_import.html", context)


def claim_upload(request, kind) -> tuple[ImportUpload | None, object]:
    """The file a preview kept for this confirmation, claimed (so it is imported once)
    and opened; (None, None), with a message, when it expired or was imported already."""
    form = ImportConfirmForm(request.POST)
    upload = form.is_valid() and ImportUpload.objects.claim(
        pk=form.cleaned_data["upload"], user=request.user, kind=kind
    )
    try:
        file = upload.file.open("rb") if upload else None
    except FileNotFoundError:
        file = None
    if file is None:
        messages.error(request, _("Phiên xem trước đã hết hạn hoặc đã được nhập. Hãy chọn lại tệp."))
        return None, None
    return upload, file


def _criteria_import_confirm(request):
    upload, workbook = claim_upload(request, ImportUpload.Kind.CRITERIA)
    if workbook is None:
        return redirect("criteria:criteria_import")
    with workbook:
        report = import_criteria(workbook, user=request.user)
    upload.discard()
    if not report.ok:
        # The library changed between preview and confirm; nothing was written.
        context = {"form": CriteriaWorkbookForm(), "report": report}
        return render(request, "criteria/criteria_import.html", context)
    messages.success(
        request,
        _("Đã nhập tệp %(name)s. %(summary)s")
        % {"name": upload.original_name, "summary": " ".join(report.summary_lines())},
    )
    return redirect(report.criteria_set)


@login_required
@criteria_importer_required
def criteria_template(request):
    """An empty criteria workbook: every sheet and column, to fill in (a province's village
    set, say) and import."""
    return _workbook_response(export_criteria(None), "mau-bo-tieu-chi")


# Owners of the criteria, per district or province ------------------------------------


@login_required
def owners(request, code, level, unit_code):
    """Which department owns which criterion of a set here. A district's phòng verify its
    communes' results; the province's sở verify for communes outside any district and
    appraise every dossier, each the criteria assigned to it."""
    assignment, can = get_owners_for_user(
        request.user, code, level, unit_code, need="edit" if request.method == "POST" else None
    )
    unit, criteria_set = assignment.unit, assignment.criteria_set
    form = OwnersForm(
        request.POST or None,
        criteria=criteria_tree(criteria_set),
        departments=unit.departments().order_by("name"),
        ownership=ownership_in(unit, criteria_set),
    )
    if request.method == "POST" and form.is_valid():
        criteria, indicators = form.assignments()
        assign_owners(unit=unit, criteria_set=criteria_set, criteria=criteria, indicators=indicators)
        messages.success(request, _("Đã lưu phân công phụ trách của %(unit)s.") % {"unit": unit.place.name})
        return redirect(request.path)
    context = {
        "criteria_set": criteria_set,
        "unit": unit,
        "form": form,
        "can_edit": can.edit,
        "units": owner_units_for(request.user),
    }
    return render(request, "criteria/owners.html", context)


# Verification queue -----------------------------------------------------------------

VERIFICATIONS_PER_PAGE = 50


@login_required
def verification_queue(request):
    """Results waiting for the user's verification, in every commune they verify for,
    oldest first; filtered by commune, set and year."""
    form = VerificationFilterForm(request.GET or None, communes=access_for(request.user).visible_communes())
    scores = pending_verifications(request.user)
    if form.is_valid():
        scores = form.filter(scores)
    scores = scores.select_related("commune", "village", "indicator__criterion__criteria_set", "entered_by")
    page = Paginator(scores, VERIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "scores": page.object_list, "query": query.urlencode()}
    return render(request, "criteria/verification_queue.html", context)


# Assessment ----------------------------------------------------------------------


def _assessment_page(request, assessment, can, *, forms=None, verify_forms=None, behalf=None, status=200):
    context = {
        "behalf_form": behalf or OnBehalfForm(prefix="behalf", on_behalf=can.on_behalf),
        "department": assessment.department,
        "assessment": assessment,
        "commune": assessment.commune,
        "criteria_set": assessment.criteria_set,
        "criterion": assessment.criterion,
        "year": assessment.year,
        "village": assessment.village,
        "rows": assessment.rows(can, user=request.user, forms=forms, verify_forms=verify_forms),
        "siblings": assessment.siblings(),
        "can_enter": can.enter,
    }
    return render(request, "criteria/score_entry.html", context, status=status)


def _stale(request, error, code, set_code, year, number):
    """Someone saved in between: show the page as it is now, with what happened."""
    messages.error(request, error.message)
    village_code = request.GET.get("village", "")
    assessment, can = get_assessment_for_user(
        request.user, code, set_code, year, number, village_code=village_code
    )
    return _assessment_page(request, assessment, can, status=409)


@login_required
def score_entry(request, code, set_code, year, number):
    """A commune official enters the scores of one criterion: value, status, note."""
    assessment, can = get_assessment_for_user(
        request.user,
        code,
        set_code,
        year,
        number,
        village_code=request.GET.get("village", ""),
        need="enter" if request.method == "POST" else None,
    )
    if request.method != "POST":
        return _assessment_page(request, assessment, can)
    forms = assessment.entry_forms(request.POST)
    behalf = OnBehalfForm(request.POST, prefix="behalf", on_behalf=can.on_behalf)
    if not all([form.is_valid() for form in forms] + [behalf.is_valid()]):
        messages.error(request, _("Chưa lưu: có ô nhập chưa đúng, xem thông báo bên cạnh từng ô."))
        return _assessment_page(request, assessment, can, forms=forms, behalf=behalf)
    edits = [ScoreEdit(f.score, f.cleaned_data["version"]) for f in forms if f.has_changed()]
    if not edits:
        messages.info(request, _("Không có thay đổi nào để lưu."))
        return redirect(assessment.url)
    try:
        record_scores(
            commune=assessment.commune,
            village=assessment.village,
            year=year,
            edits=edits,
            user=request.user,
            reason=_("Tự đánh giá trên trang tiêu chí"),
            on_behalf_reason=behalf.reason,
        )
    except StaleScoresError as error:
        return _stale(request, error, code, set_code, year, number)
    messages.success(
        request,
        _("Đã lưu %(count)s chỉ tiêu của tiêu chí %(number)s.") % {"count": len(edits), "number": number},
    )
    return redirect(assessment.url)


@login_required
@require_POST
def score_verify(request, code, set_code, year, number, indicator_pk):
    """The owning department confirms or rejects one score, with a comment."""
    assessment, can, score = get_score_for_verifier(
        request.user, code, set_code, year, number, indicator_pk, village_code=request.GET.get("village", "")
    )
    form = VerificationForm(request.POST, prefix=f"v{indicator_pk}")
    if not form.is_valid():
        return _assessment_page(request, assessment, can, verify_forms={indicator_pk: form})
    try:
        verify_score(
            score=score,
            user=request.user,
            verified=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            read_version=form.cleaned_data["version"],
        )
    except StaleScoresError as error:
        return _stale(request, error, code, set_code, year, number)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _assessment_page(request, assessment, can, verify_forms={indicator_pk: form}, status=400)
    messages.success(
        request, _("Đã ghi kết quả thẩm tra chỉ tiêu %(code)s.") % {"code": score.indicator.code}
    )
    return redirect(f"{assessment.url}#indicator-{indicator_pk}")


# Registration and recognition ---------------------------------------------------


def _programme_form_page(request, commune, form, title):
    context = {"commune": commune, "form": form, "title": title}
    return render(request, "criteria/programme_form.html", context)


@login_required
def registration_create(request, code):
    """A commune registers the year it aims to reach a set; coordinators may do it for them."""
    commune, _can = get_commune_for_user(request.user, code, need="enter")
    form = RegistrationForm(request.POST or None, commune=commune)
    registration = None
    if request.method == "POST" and form.is_valid():
        registration = save_unless_duplicate(form.save, form, RegistrationForm.DUPLICATE)
    if registration is not None:
        messages.success(
            request,
            _("Đã đăng ký về đích năm %(year)s. Chờ huyện xác nhận.") % {"year": registration.target_year},
        )
        return redirect(f"{commune.get_absolute_url()}#programme")
    return _programme_form_page(request, commune, form, _("Đăng ký năm về đích"))


@login_required
@require_POST
def registration_confirm(request, code, pk):
    """The district confirms a registration and puts it in the year's plan."""
    commune, _can = get_commune_for_user(request.user, code, need="coordinate")
    registration = get_object_or_404(Registration, pk=pk, commune=commune)
    if confirm_registration(registration=registration, user=request.user):
        messages.success(
            request, _("Đã xác nhận đăng ký về đích năm %(year)s.") % {"year": registration.target_year}
        )
    return redirect(f"{commune.get_absolute_url()}#programme")


@login_required
def recognition_create(request, code):
    """The coordinator records the province's recognition decision."""
    commune, _can = get_commune_for_user(request.user, code, need="coordinate")
    form = RecognitionForm(request.POST or None, commune=commune)
    recognition = None
    if request.method == "POST" and form.is_valid():
        recognition = save_unless_duplicate(form.save, form, RecognitionForm.DUPLICATE)
    if recognition is not None:
        messages.success(
            request, _("Đã ghi quyết định công nhận số %(number)s.") % {"number": recognition.decision_number}
        )
        return redirect(f"{commune.get_absolute_url()}#programme")
    return _programme_form_page(request, commune, form, _("Ghi quyết định công nhận"))


@login_required
def recognition_revoke(request, code, pk):
    """Recognition is revoked, with its reason, when a commune falls below the standard."""
    commune, _can = get_commune_for_user(request.user, code, need="coordinate")
    recognition = get_object_or_404(Recognition, pk=pk, commune=commune)
    if recognition.revoked_on is not None:
        # Revoked already (this form sent twice, or by a colleague): nothing to do.
        messages.info(
            request,
            _("Quyết định số %(number)s đã được thu hồi ngày %(date)s.")
            % {
                "number": recognition.decision_number,
                "date": date_format(recognition.revoked_on, "SHORT_DATE_FORMAT"),
            },
        )
        return redirect(f"{commune.get_absolute_url()}#programme")
    form = RevocationForm(request.POST or None, instance=recognition)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, _("Đã ghi thu hồi quyết định số %(number)s.") % {"number": recognition.decision_number}
        )
        return redirect(f"{commune.get_absolute_url()}#programme")
    return _programme_form_page(request, commune, form, _("Thu hồi quyết định công nhận"))


# Scores in and out of Excel ---------------------------------------------------------

PREVIEW_ACTIONS = {
    NEW: gettext_lazy("Thêm mới"),
    UPDATE: gettext_lazy("Cập nhật"),
    SKIP: gettext_lazy("Không đổi"),
}


@login_required
@scores_importer_required
def scores_import(request):
    """Coordinators import a scores file: preview first, then confirm; all or nothing."""
    if request.method == "POST" and "upload" in request.POST:
        return _scores_import_confirm(request)
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _scores_import_page(request, {"form": form})
    return preview_rows_import(
        request,
        form,
        upload_kind=ImportUpload.Kind.SCORES,
        job_kind=Job.Kind.SCORES_IMPORT,
        task=import_scores_job,
        dry_run=partial(import_scores, user=request.user),
        page=_scores_import_page,
    )


def preview_rows_import(request, form, *, upload_kind, job_kind, task, dry_run, page):
    """The first step of an import of rows (scores, units), once `form` holds a valid
    file: past BACKGROUND_IMPORT_ROWS a worker checks and imports it, and the page
    follows its job; else `dry_run(file, format=, dry_run=True, copy_to=)` previews it,
    and rows that pass are kept for the confirmation, which checks them again."""
    file = form.cleaned_data["file"]
    rows = estimate_rows(file, format=file.extension) - 1  # less the header
    if settings.BACKGROUND_IMPORT_ROWS < rows <= settings.IMPORT_MAX_ROWS:
        # Too long for one request. (A file over the row limit is refused here and now,
        # as any bad file.)
        job = start_job(
            kind=job_kind,
            title=file.name,
            user=request.user,
            task=task,
            source=file,
            unit=coordinated_unit(request.user),
        )
        return redirect(job)
    context = {"form": form, "file_name": file.name}
    with RowCopy() as copy:
        report = dry_run(file, format=file.extension, dry_run=True, copy_to=copy)
        if report.ok:
            upload = ImportUpload(kind=upload_kind, original_name=file.name, uploaded_by=request.user)
            upload.file.save("rows.csv", File(copy.finish()))
            context["confirm_form"] = ImportConfirmForm(initial={"upload": upload.pk})
            context["preview"] = [(row.description, PREVIEW_ACTIONS[row.outcome]) for row in report.preview]
    context["report"] = report
    return page(request, context)


def _scores_import_page(request, context):
    context["background_rows"] = settings.BACKGROUND_IMPORT_ROWS
    return render(request, "criteria/scores_import.html", context)


def _scores_import_confirm(request):
    upload, rows = claim_upload(request, ImportUpload.Kind.SCORES)
    if rows is None:
        return redirect("criteria:scores_import")
    with rows:
        report = import_scores(rows, user=request.user, format="csv")
    upload.discard()
    if not report.ok:
        # The data changed between preview and confirm; nothing was written.
        return _scores_import_page(request, {"form": SpreadsheetUploadForm(), "report": report})
    summary = " ".join(report.summary_lines())
    messages.success(
        request, _("Đã nhập tệp %(name)s. %(summary)s") % {"name": upload.original_name, "summary": summary}
    )
    if report.warnings:
        messages.warning(
            request,
            ngettext(
                "%(count)d ô trông như công thức đã được lưu dưới dạng chữ.",
                "%(count)d ô trông như công thức đã được lưu dưới dạng chữ.",
                len(report.warnings),
            )
            % {"count": len(report.warnings)},
        )
    return redirect("reports:dashboard")


@login_required
def scores_export(request, format):
    """The scores of the communes the user sees, filtered like the dashboard."""
    if format not in FORMATS:
        raise Http404
    filters = StandingFilterForm(request.GET)
    criteria_set, year, as_of = filters.resolve()
    if criteria_set is None:
        raise Http404
    communes = access_for(request.user).visible_communes().current(as_of).order_by("search_name", "name")
    communes, _outside = units_in_scope(communes, criteria_set)
    dataset = export_scores(criteria_set=criteria_set, year=year, communes=communes, as_of=as_of)
    suffix = f"-den-{as_of.isoformat()}" if as_of else ""
    return _spreadsheet_response(dataset, format, f"ket-qua-{criteria_set.code}-{year}{suffix}")


@login_required
def scores_template(request, code, set_code, year):
    """A commune's sheet of every indicator of the set, pre-filled, to fill in and import."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    commune, _can = get_commune_for_user(request.user, code)
    criteria_set, _set_can = get_set_for_user(request.user, set_code)
    village = None
    if criteria_set.level == CriteriaSet.Level.VILLAGE:
        village = get_object_or_404(commune.villages, code=request.GET.get("village", ""))
    dataset = score_template(commune=commune, criteria_set=criteria_set, year=year, village=village)
    place = f"{commune.code}-{village.code}" if village else commune.code
    return _spreadsheet_response(dataset, "xlsx", f"mau-ket-qua-{place}-{criteria_set.code}-{year}")


def _spreadsheet_response(dataset, format, stem):
    content_type = {"xlsx": XLSX.CONTENT_TYPE, "csv": "text/csv; charset=utf-8"}[format]
    response = HttpResponse(render_scores_file(dataset, format=format), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{format}"'
    return response
