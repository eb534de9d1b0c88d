from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Conclusion, Meeting, Reminder, Task, TaskNote


class ConclusionInline(admin.TabularInline):
    model = Conclusion
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["held_on", "title", "district", "province", "recorded_by"]
    list_filter = ["district", "province"]
    search_fields = ["title", "chair", "minutes"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["attending_communes"]
    filter_horizontal = ["attending_departments", "snapshots"]
    raw_id_fields = ["recorded_by"]
    inlines = [ConclusionInline]


class TaskNoteInline(admin.TabularInline):
    model = TaskNote
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner_department", "owner_commune", "deadline", "status"]
    list_filter = ["status", "district", "province"]
    search_fields = ["title", "description"]
    date_hierarchy = "deadline"
    raw_id_fields = [
        "conclusion",
        "owner_commune",
        "assignee",
        "commune",
        "indicator",
        "dossier_item",
        "created_by",
        "closed_by",
    ]
    inlines = [TaskNoteInline]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What was sent: a record, changed by nobody."""

    list_display = ["task", "sent_on", "recipients"]
    date_hierarchy = "sent_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
