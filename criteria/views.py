from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from communes.access import access_for, get_commune_for_user
from communes.models import Membership, Province
from ntm.lib.spreadsheet_files import FORMATS
from ntm.lib.spreadsheets import NEW, SKIP, UPDATE, XLSX, RowCopy

from .access import (
    can_copy_sets,
    can_edit_set,
    can_enter_scores,
    can_manage_programme,
    can_verify,
    get_set_for_user,
)
from .forms import (
    CopySetForm,
    CriteriaSetForm,
    CriterionForm,
    ImportConfirmForm,
    IndicatorEvidenceForm,
    IndicatorFormSet,
    RecognitionForm,
    RegistrationForm,
    RevocationForm,
    ScoreForm,
    SpreadsheetUploadForm,
    StandingFilterForm,
    TargetFormSet,
    VerificationForm,
)
from .models import (
    MAX_YEAR,
    MIN_YEAR,
    CriteriaSet,
    Criterion,
    ImportUpload,
    Indicator,
    Recognition,
    Registration,
    Score,
)
from .resources import export_scores, import_scores, render_scores_file, score_template
from .services import ScoreEdit, StaleScoresError, copy_criteria_set, record_scores, verify_score


@login_required
def set_list(request):
    """The criteria library: every set, national first within a period."""
    criteria_sets = (
        CriteriaSet.objects.select_related("issuer", "parent")
        .annotate(
            criterion_count=Count("criteria", distinct=True),
            indicator_count=Count("criteria__indicators", distinct=True),
        )
        .order_by("-period", "issuer__name", "level", "tier", "code")
    )
    context = {"criteria_sets": criteria_sets, "can_copy": can_copy_sets(request.user)}
    return render(request, "criteria/set_list.html", context)


@login_required
def set_detail(request, code):
    """One set: its criteria, indicators, targets, departments and legal basis."""
    criteria_set = get_set_for_user(request.user, code)
    indicators = Indicator.objects.select_related("responsible_department").prefetch_related("targets")
    criteria = list(
        criteria_set.criteria.select_related("responsible_department").prefetch_related(
            Prefetch("indicators", queryset=indicators)
        )
    )
    groups: list[tuple[str, list[Criterion]]] = []
    for criterion in criteria:
        if not groups or groups[-1][0] != criterion.group:
            groups.append((criterion.group, []))
        groups[-1][1].append(criterion)
    context = {
        "criteria_set": criteria_set,
        "groups": groups,
        "criterion_count": len(criteria),
        "indicator_count": sum(len(c.indicators.all()) for c in criteria),
        "unverified_count": sum(1 for c in criteria for i in c.indicators.all() if i.unverified),
        "can_edit": can_edit_set(request.user, criteria_set),
        "can_copy": can_copy_sets(request.user),
    }
    return render(request, "criteria/set_detail.html", context)


@login_required
def set_copy(request, code):
    """Create a provincial set from this one, then edit it."""
    source = get_set_for_user(request.user, code)
    if not can_copy_sets(request.user):
        raise PermissionDenied
    access = access_for(request.user)
    provinces = Province.objects.order_by("name")
    if not access.is_superuser:
        provinces = provinces.filter(pk__in=access.coordinator_province_ids)
    form = CopySetForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        copy = copy_criteria_set(source=source, **form.cleaned_data)
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
    criteria_set = get_set_for_user(request.user, code, change=True)
    form = CriteriaSetForm(request.POST or None, instance=criteria_set)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu thông tin bộ tiêu chí."))
        return redirect(criteria_set)
    return render(request, "criteria/set_edit.html", {"criteria_set": criteria_set, "form": form})


@login_required
def criterion_edit(request, code, number):
    """A criterion and its indicators, edited on one page."""
    criteria_set = get_set_for_user(request.user, code, change=True)
    criterion = get_object_or_404(criteria_set.criteria, number=number)
    form = CriterionForm(request.POST or None, instance=criterion, prefix="criterion")
    formset = IndicatorFormSet(request.POST or None, instance=criterion, prefix="indicators")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            form.save()
            formset.save()
        messages.success(request, _("Đã lưu tiêu chí %(number)s.") % {"number": criterion.number})
        return redirect(f"{criteria_set.get_absolute_url()}#criterion-{criterion.number}")
    context = {"criteria_set": criteria_set, "criterion": criterion, "form": form, "formset": formset}
    return render(request, "criteria/criterion_edit.html", context)


@login_required
def indicator_edit(request, code, pk):
    """An indicator's targets (general, by region or group, by year) and evidence list."""
    criteria_set = get_set_for_user(request.user, code, change=True)
    indicator = get_object_or_404(
        Indicator.objects.select_related("criterion"), pk=pk, criterion__criteria_set=criteria_set
    )
    form = IndicatorEvidenceForm(request.POST or None, instance=indicator, prefix="indicator")
    formset = TargetFormSet(request.POST or None, instance=indicator, prefix="targets")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            form.save()
            formset.save()
        messages.success(request, _("Đã lưu mức đạt chuẩn của chỉ tiêu %(code)s.") % {"code": indicator.code})
        return redirect(f"{criteria_set.get_absolute_url()}#criterion-{indicator.criterion.number}")
    context = {"criteria_set": criteria_set, "indicator": indicator, "form": form, "formset": formset}
    return render(request, "criteria/indicator_edit.html", context)


# Assessment ----------------------------------------------------------------------


class Assessment:
    """One criterion of one commune (or village) for one year: what the entry and
    verification pages show. Loads in a fixed number of queries."""

    def __init__(self, request, code, set_code, year, number):
        self.user = request.user
        self.commune = get_commune_for_user(request.user, code)
        self.criteria_set = get_set_for_user(request.user, set_code)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise Http404
        self.year = year
        self.criterion = get_object_or_404(
            self.criteria_set.criteria.select_related("responsible_department"), number=number
        )
        self.village = None
        if self.criteria_set.level == CriteriaSet.Level.VILLAGE:
            self.village = get_object_or_404(self.commune.villages, code=request.GET.get("village", ""))
            self.village.commune = self.commune
        self.indicators = list(
            self.criterion.indicators.select_related("responsible_department").prefetch_related("targets")
        )
        for indicator in self.indicators:
            indicator.criterion = self.criterion
        self.scores = {
            s.indicator_id: s
            for s in Score.objects.filter(
                commune=self.commune, village=self.village, year=year, indicator__in=self.indicators
            ).select_related("entered_by", "verified_by")
        }
        self.can_enter = can_enter_scores(request.user, self.commune)

    @property
    def url(self) -> str:
        url = reverse(
            "criteria:score_entry",
            args=[self.commune.code, self.criteria_set.code, self.year, self.criterion.number],
        )
        return f"{url}?village={self.village.code}" if self.village else url

    def target_for(self, indicator):
        return indicator.target_for(self.commune, self.year)

    def score_for(self, indicator) -> Score:
        """The saved score, or a new unsaved one; always with the loaded indicator."""
        score = self.scores.get(indicator.pk) or Score(
            commune=self.commune, village=self.village, year=self.year, indicator=indicator
        )
        score.indicator = indicator
        score.commune = self.commune
        return score

    def entry_forms(self, data=None) -> list[ScoreForm]:
        return [
            ScoreForm(data, prefix=f"i{i.pk}", score=self.score_for(i), target=self.target_for(i))
            for i in self.indicators
        ]

    def history(self) -> dict[int, list]:
        ids = [s.pk for s in self.scores.values()]
        records = Score.history.filter(id__in=ids).select_related("history_user").order_by("-history_date")
        by_score: dict[int, list] = {}
        for record in records:
            by_score.setdefault(record.id, []).append(record)
        return by_score

    def render(self, request, *, forms=None, verify_forms=None, status=200):
        forms = forms if forms is not None else self.entry_forms()
        verify_forms = verify_forms or {}
        history = self.history()
        rows = []
        for indicator, form in zip(self.indicators, forms, strict=True):
            score = self.scores.get(indicator.pk)
            verifiable = score is not None and can_verify(request.user, self.commune, indicator)
            rows.append(
                {
                    "indicator": indicator,
                    "form": form,
                    "score": score,
                    "target": form.target,
                    "history": history.get(score.pk, []) if score else [],
                    "verify_form": verify_forms.get(indicator.pk)
                    or (VerificationForm(initial={"version": score.version}) if verifiable else None),
                }
            )
        siblings = list(self.criteria_set.criteria.values_list("number", "name"))
        context = {
            "assessment": self,
            "commune": self.commune,
            "criteria_set": self.criteria_set,
            "criterion": self.criterion,
            "year": self.year,
            "village": self.village,
            "rows": rows,
            "siblings": siblings,
            "can_enter": self.can_enter,
        }
        return render(request, "criteria/score_entry.html", context, status=status)


@login_required
def score_entry(request, code, set_code, year, number):
    """A commune official enters the scores of one criterion: value, status, note."""
    assessment = Assessment(request, code, set_code, year, number)
    if request.method != "POST":
        return assessment.render(request)
    if not assessment.can_enter:
        raise PermissionDenied
    forms = assessment.entry_forms(request.POST)
    if not all(form.is_valid() for form in forms):
        messages.error(request, _("Chưa lưu: có ô nhập chưa đúng, xem thông báo bên cạnh từng ô."))
        return assessment.render(request, forms=forms)
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
        )
    except StaleScoresError as error:
        messages.error(request, error.message)
        return Assessment(request, code, set_code, year, number).render(request, status=409)
    messages.success(
        request,
        _("Đã lưu %(count)s chỉ tiêu của tiêu chí %(number)s.") % {"count": len(edits), "number": number},
    )
    return redirect(assessment.url)


@login_required
@require_POST
def score_verify(request, code, set_code, year, number, indicator_pk):
    """The owning department confirms or rejects one score, with a comment."""
    assessment = Assessment(request, code, set_code, year, number)
    score = assessment.scores.get(indicator_pk)
    if score is None:
        raise Http404
    score.indicator = next(i for i in assessment.indicators if i.pk == indicator_pk)
    score.commune = assessment.commune
    if not can_verify(request.user, assessment.commune, score.indicator):
        raise PermissionDenied
    form = VerificationForm(request.POST)
    if not form.is_valid():
        return assessment.render(request, verify_forms={indicator_pk: form})
    try:
        verify_score(
            score=score,
            user=request.user,
            verified=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            read_version=form.cleaned_data["version"],
        )
    except StaleScoresError as error:
        messages.error(request, error.message)
        return Assessment(request, code, set_code, year, number).render(request, status=409)
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
    commune = get_commune_for_user(request.user, code, change=True)
    form = RegistrationForm(request.POST or None, commune=commune)
    if request.method == "POST" and form.is_valid():
        registration = form.save()
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
    commune = get_commune_for_user(request.user, code)
    if not can_manage_programme(request.user, commune):
        raise PermissionDenied
    registration = get_object_or_404(Registration, pk=pk, commune=commune)
    if registration.confirmed_on is None:
        registration.confirmed_on = max(timezone.localdate(), registration.registered_on)
        registration.confirmed_by = request.user
        registration.save(update_fields=["confirmed_on", "confirmed_by"])
        messages.success(
            request, _("Đã xác nhận đăng ký về đích năm %(year)s.") % {"year": registration.target_year}
        )
    return redirect(f"{commune.get_absolute_url()}#programme")


@login_required
def recognition_create(request, code):
    """The coordinator records the province's recognition decision."""
    commune = get_commune_for_user(request.user, code)
    if not can_manage_programme(request.user, commune):
        raise PermissionDenied
    form = RecognitionForm(request.POST or None, commune=commune)
    if request.method == "POST" and form.is_valid():
        recognition = form.save()
        messages.success(
            request, _("Đã ghi quyết định công nhận số %(number)s.") % {"number": recognition.decision_number}
        )
        return redirect(f"{commune.get_absolute_url()}#programme")
    return _programme_form_page(request, commune, form, _("Ghi quyết định công nhận"))


@login_required
def recognition_revoke(request, code, pk):
    """Recognition is revoked, with its reason, when a commune falls below the standard."""
    commune = get_commune_for_user(request.user, code)
    if not can_manage_programme(request.user, commune):
        raise PermissionDenied
    recognition = get_object_or_404(Recognition, pk=pk, commune=commune, revoked_on__isnull=True)
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


def _require_coordinator(user):
    if not access_for(user).has_role(Membership.Role.COORDINATOR):
        raise PermissionDenied


@login_required
def scores_import(request):
    """Coordinators import a scores file: preview first, then confirm; all or nothing."""
    _require_coordinator(request.user)
    if request.method == "POST" and "upload" in request.POST:
        return _scores_import_confirm(request)
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "criteria/scores_import.html", {"form": form})
    file = form.cleaned_data["file"]
    context = {"form": form, "file_name": file.name}
    with RowCopy() as rows:
        report = import_scores(file, user=request.user, format=file.extension, dry_run=True, copy_to=rows)
        if report.ok:
            # The rows read are kept for the confirmation, which checks them again.
            upload = ImportUpload(
                kind=ImportUpload.Kind.SCORES, original_name=file.name, uploaded_by=request.user
            )
            upload.file.save("rows.csv", File(rows.finish()))
            context["confirm_form"] = ImportConfirmForm(initial={"upload": upload.pk})
            context["preview"] = [(row.description, PREVIEW_ACTIONS[row.outcome]) for row in report.preview]
    context["report"] = report
    return render(request, "criteria/scores_import.html", context)


def _scores_import_confirm(request):
    form = ImportConfirmForm(request.POST)
    upload = form.is_valid() and ImportUpload.objects.claim(
        pk=form.cleaned_data["upload"], user=request.user, kind=ImportUpload.Kind.SCORES
    )
    try:
        rows = upload.file.open("rb") if upload else None
    except FileNotFoundError:
        rows = None
    if rows is None:
        messages.error(request, _("Phiên xem trước đã hết hạn hoặc đã được nhập. Hãy chọn lại tệp."))
        return redirect("criteria:scores_import")
    with rows:
        report = import_scores(rows, user=request.user, format="csv")
    upload.discard()
    if not report.ok:
        # The data changed between preview and confirm; nothing was written.
        context = {"form": SpreadsheetUploadForm(), "report": report}
        return render(request, "criteria/scores_import.html", context)
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
    dataset = export_scores(criteria_set=criteria_set, year=year, communes=communes, as_of=as_of)
    suffix = f"-den-{as_of.isoformat()}" if as_of else ""
    return _spreadsheet_response(dataset, format, f"ket-qua-{criteria_set.code}-{year}{suffix}")


@login_required
def scores_template(request, code, set_code, year):
    """A commune's sheet of every indicator of the set, pre-filled, to fill in and import."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    commune = get_commune_for_user(request.user, code)
    criteria_set = get_set_for_user(request.user, set_code)
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
