"""Admin for units, departments and memberships.

Provinces, districts and communes import and export the units file of DESIGN §5
through `UnitResource`: the admin's preview and confirm screens run the same
checks as `manage.py import_units`.
"""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportModelAdmin

from ntm.lib.admin import SpreadsheetAdminMixin
from ntm.lib.text import fold

from .models import Commune, CommuneClass, Department, District, Membership, Province, Village
from .resources import UnitResource

UNIT_MODELS = ("province", "district", "commune", "village")


class FoldedSearchMixin:
    """Search by code, or by name ignoring case and diacritics ("dan ly" finds "Dân Lý").

    `search_fields` stays declared because autocomplete widgets elsewhere require it.
    """

    search_fields = ["code", "name"]

    def get_search_results(self, request, queryset, search_term):
        folded = fold(search_term)
        if not folded:
            return queryset, False
        matches = Q(search_name__contains=folded) | Q(code__icontains=search_term.strip())
        return queryset.filter(matches), False


class UnitImportExportAdmin(SpreadsheetAdminMixin, ImportExportModelAdmin):
    """Import and export of the units file, whichever level's list it starts from."""

    resource_classes = [UnitResource]
    import_success_message = gettext_lazy("Đã nhập tệp địa bàn.")

    def has_import_permission(self, request):
        # An import adds and changes all four levels, whichever list it starts from;
        # import-export would otherwise let any staff user who can open the list import.
        return all(
            request.user.has_perm(f"communes.{action}_{model}")
            for action in ("add", "change")
            for model in UNIT_MODELS
        )

    def has_export_permission(self, request):
        return all(request.user.has_perm(f"communes.view_{model}") for model in UNIT_MODELS)

    def get_export_filename(self, request, queryset, file_format):
        return f"dia-ban-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"


class VillageInline(admin.TabularInline):
    model = Village
    fields = ["code", "name", "valid_from", "valid_to"]
    extra = 0


@admin.register(Province)
class ProvinceAdmin(FoldedSearchMixin, UnitImportExportAdmin):
    list_display = ["code", "name"]
    ordering = ["code"]


@admin.register(District)
class DistrictAdmin(FoldedSearchMixin, UnitImportExportAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]
    ordering = ["code"]


class CommuneClassFilter(admin.SimpleListFilter):
    title = gettext_lazy("phân loại xã")
    parameter_name = "class"

    def lookups(self, request, model_admin):
        return CommuneClass.choices

    def queryset(self, request, queryset):
        if self.value() in CommuneClass.values:
            # `contains` on a JSON list is not available on SQLite; its text is.
            return queryset.filter(classes__icontains=f'"{self.value()}"')
        return queryset


class CommuneAdminForm(forms.ModelForm):
    classes = forms.TypedMultipleChoiceField(
        label=gettext_lazy("phân loại xã"),
        choices=CommuneClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Commune
        fields = [
            "code", "name", "kind", "province", "district", "region", "commune_group", "classes",
            "valid_from", "valid_to", "predecessors",
        ]  # fmt: skip


@admin.register(Commune)
class CommuneAdmin(FoldedSearchMixin, UnitImportExportAdmin):
    form = CommuneAdminForm
    list_display = ["code", "name", "kind", "region", "commune_group", "district", "province"]
    list_filter = ["kind", "region", "commune_group", CommuneClassFilter, "province", "district"]
    list_select_related = ["district", "province"]
    autocomplete_fields = ["province", "district"]
    filter_horizontal = ["predecessors"]
    inlines = [VillageInline]


@admin.register(Village)
class VillageAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "commune"]
    list_filter = ["commune__province", "commune__district"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "level", "province", "district"]
    list_filter = ["level"]
    list_select_related = ["province", "district"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["province", "district"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit_name", "department"]
    list_filter = ["role"]
    list_select_related = ["user", "province", "district", "commune", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "province", "district", "commune", "department"]
    ordering = ["user__username", "role"]

    @admin.display(description=gettext_lazy("đơn vị"))
    def unit_name(self, membership):
        return membership.unit
