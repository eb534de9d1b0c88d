"""Admin for the criteria library, scores, registrations and recognitions.

Scores import and export the scores file of DESIGN §5 through `ScoreResource`: the
admin's preview and confirm screens run the same checks as `manage.py import_scores`.
Scores, registrations and recognitions show their history (django-simple-history).
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from ntm.lib.admin import SpreadsheetAdminMixin

from .forms import ScoreAdminForm
from .models import (
    Amendment,
    CriteriaSet,
    Criterion,
    Indicator,
    IndicatorTarget,
    Recognition,
    RegionRule,
    Registration,
    Score,
)
from .resources import ScoreResource


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["number", "name", "group", "source", "unverified"]
    extra = 0
    show_change_link = True


class RegionRuleInline(admin.TabularInline):
    model = RegionRule
    fields = ["commune_class", "region", "from_date", "decision", "source"]
    extra = 0


class AmendmentInline(admin.TabularInline):
    model = Amendment
    fields = ["indicator", "decision", "effective_on", "text", "kind", "unit", "source", "unverified"]
    raw_id_fields = ["indicator"]
    extra = 0


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "tier", "period", "issuer", "verified"]
    list_filter = ["level", "tier", "verified", "issuer"]
    search_fields = ["code", "name", "legal_basis"]
    raw_id_fields = ["parent"]
    inlines = [CriterionInline, RegionRuleInline, AmendmentInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["code", "text", "kind", "unit", "conditional", "order", "source", "unverified"]
    extra = 0
    show_change_link = True


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["criteria_set", "number", "name", "unverified"]
    list_filter = ["criteria_set", "unverified"]
    search_fields = ["name", "criteria_set__code"]
    list_select_related = ["criteria_set"]
    inlines = [IndicatorInline]


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    fields = ["region", "commune_group", "from_year", "to_year", "value", "threshold", "source", "unverified"]
    readonly_fields = ["threshold"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "criterion", "kind", "unit", "conditional", "unverified"]
    list_filter = ["criterion__criteria_set", "kind", "conditional", "unverified"]
    search_fields = ["code", "text"]
    list_select_related = ["criterion__criteria_set"]
    inlines = [IndicatorTargetInline]


@admin.register(Score)
class ScoreAdmin(SpreadsheetAdminMixin, ImportExportMixin, SimpleHistoryAdmin):
    """Scores with their history, and the scores file of DESIGN §5 (same ScoreSheet
    as `manage.py import_scores`).

    An edited score is judged by Score.assess() like any other entry (ScoreAdminForm),
    and a changed value or result voids the department's verification.
    """

    list_display = ["commune", "year", "indicator_code", "status", "verification"]
    list_filter = [
        "year",
        "status",
        "verification",
        "indicator__criterion__criteria_set",
        "commune__district",
    ]
    list_select_related = ["commune", "indicator"]
    search_fields = ["commune__name", "commune__code", "indicator__code"]
    autocomplete_fields = ["commune", "village", "indicator"]
    raw_id_fields = ["verified_by"]
    readonly_fields = ["entered_by", "entered_at"]
    form = ScoreAdminForm

    resource_classes = [ScoreResource]
    import_success_message = gettext_lazy("Đã nhập tệp kết quả chỉ tiêu.")

    def save_model(self, request, obj, form, change):
        before = Score.objects.get(pk=obj.pk) if change else None
        obj.void_verification_if_result_changed(before)
        obj.entered_by, obj.entered_at = request.user, timezone.now()
        obj._change_reason = obj.override_reason or _("Sửa trong trang quản trị")
        super().save_model(request, obj, form, change)

    def has_import_permission(self, request):
        # The resource also refuses every row of a commune the user does not coordinate.
        return request.user.has_perm("criteria.add_score") and request.user.has_perm("criteria.change_score")

    def has_export_permission(self, request):
        return request.user.has_perm("criteria.view_score")

    def get_export_filename(self, request, queryset, file_format):
        return f"ket-qua-chi-tieu-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    @admin.display(description=gettext_lazy("mã chỉ tiêu"), ordering="indicator__code")
    def indicator_code(self, score):
        return score.indicator.code


@admin.register(Registration)
class RegistrationAdmin(SimpleHistoryAdmin):
    list_display = ["commune", "criteria_set", "target_year", "registered_on", "confirmed_on"]
    list_filter = ["target_year", "criteria_set"]
    list_select_related = ["commune", "criteria_set"]
    search_fields = ["commune__name", "commune__code"]
    autocomplete_fields = ["commune"]
    raw_id_fields = ["confirmed_by"]


@admin.register(Recognition)
class RecognitionAdmin(SimpleHistoryAdmin):
    list_display = ["commune", "criteria_set", "decision_number", "decided_on", "revoked_on"]
    list_filter = ["criteria_set"]
    list_select_related = ["commune", "criteria_set"]
    search_fields = ["commune__name", "commune__code", "decision_number"]
    autocomplete_fields = ["commune"]
