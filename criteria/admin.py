from django.contrib import admin

from .models import CriteriaSet, Criterion, Indicator, IndicatorTarget


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["number", "name", "group", "responsible_department", "unverified"]
    extra = 0
    show_change_link = True


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "tier", "period", "issuer", "verified"]
    list_filter = ["level", "tier", "verified", "issuer"]
    search_fields = ["code", "name", "legal_basis"]
    raw_id_fields = ["parent"]
    inlines = [CriterionInline]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["code", "text", "kind", "unit", "conditional", "responsible_department", "order", "unverified"]
    extra = 0
    show_change_link = True


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["criteria_set", "number", "name", "responsible_department", "unverified"]
    list_filter = ["criteria_set", "unverified"]
    search_fields = ["name", "criteria_set__code"]
    list_select_related = ["criteria_set", "responsible_department"]
    inlines = [IndicatorInline]


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    fields = ["region", "commune_group", "year", "value", "threshold"]
    readonly_fields = ["threshold"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "criterion", "kind", "unit", "conditional", "unverified"]
    list_filter = ["criterion__criteria_set", "kind", "conditional", "unverified"]
    search_fields = ["code", "text"]
    list_select_related = ["criterion__criteria_set"]
    inlines = [IndicatorTargetInline]
