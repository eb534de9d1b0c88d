from django.contrib import admin

from .models import Appraisal, Document, Dossier, DossierItem, Transition


class TransitionInline(admin.TabularInline):
    model = Transition
    fields = ["at", "from_status", "to_status", "actor", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ["commune", "criteria_set", "year", "status"]
    list_filter = ["status", "year", "criteria_set"]
    search_fields = ["commune__name", "commune__code"]
    list_select_related = ["commune", "criteria_set"]
    raw_id_fields = ["recognition"]
    inlines = [TransitionInline]


@admin.register(DossierItem)
class DossierItemAdmin(admin.ModelAdmin):
    list_display = ["dossier", "criterion", "general_kind", "review"]
    list_filter = ["review", "general_kind"]
    list_select_related = ["dossier__commune", "criterion"]
    raw_id_fields = ["dossier", "criterion"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-only: evidence is never edited or deleted by hand, only withdrawn in the app."""

    list_display = [
        "title",
        "version",
        "item",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "withdrawn_at",
    ]
    list_filter = ["content_type", "withdrawn_at"]
    search_fields = ["title", "original_name", "sha256"]
    list_select_related = ["item__dossier__commune", "item__criterion", "uploaded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Appraisal)
class AppraisalAdmin(admin.ModelAdmin):
    list_display = ["dossier", "department", "sent_on", "inspected_on", "result"]
    list_filter = ["result", "department"]
    list_select_related = ["dossier__commune", "department"]
    raw_id_fields = ["dossier", "documents_seen"]
    filter_horizontal = ["criteria"]
