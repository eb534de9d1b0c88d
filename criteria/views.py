from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from communes.access import access_for
from communes.models import Province

from .access import can_copy_sets, can_edit_set, get_set_for_user
from .forms import (
    CopySetForm,
    CriteriaSetForm,
    CriterionForm,
    IndicatorEvidenceForm,
    IndicatorFormSet,
    TargetFormSet,
)
from .models import CriteriaSet, Criterion, Indicator
from .services import copy_criteria_set


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
