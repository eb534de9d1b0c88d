"""Background jobs for the system administrator: what ran, for whom, and how it ended."""

from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "started_by", "created_at", "finished_at", "done", "total"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "started_by__username"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"
    # A job is the record of what a worker did: read here, never edited.
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
