from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import ReportSnapshot, SignatureBlock


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are the record of what a meeting saw: the admin shows them and changes nothing."""

    list_display = ["number", "kind", "title", "meeting_date", "data_date", "created_by", "created_at"]
    list_filter = ["kind", "year"]
    search_fields = ["title", "meeting", "sha256"]
    date_hierarchy = "meeting_date"
    fields = [
        "kind",
        "title",
        "parameters",
        "data_date",
        "meeting_date",
        "meeting",
        "download",
        "size",
        "sha256",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("tệp PDF"))
    def download(self, snapshot):
        # Through the view that checks access: the media folder is never served.
        return format_html('<a href="{}">{}</a>', snapshot.get_absolute_url(), snapshot.download_name)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignatureBlock)
class SignatureBlockAdmin(admin.ModelAdmin):
    list_display = ["__str__", "signer_name", "source", "updated_at"]
    fields = ["district", "province", "body", "capacity", "signer_name", "source"]
