from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/conclusions/", views.conclusion_add, name="conclusion_add"),
    path("meetings/<int:pk>/notice/", views.notice, name="notice"),
    path("meetings/<int:pk>/notice.pdf", views.notice, name="notice_pdf"),
    path("meetings/<int:pk>/brief/", views.brief, name="brief"),
    path("meetings/<int:pk>/brief.pdf", views.brief, {"extension": "pdf"}, name="brief_pdf"),
    path("meetings/<int:pk>/brief.xlsx", views.brief, {"extension": "xlsx"}, name="brief_xlsx"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/evidence/", views.task_evidence, name="task_evidence"),
]
