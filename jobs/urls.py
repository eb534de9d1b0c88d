from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/file", views.job_file, name="job_file"),
    path("jobs/<uuid:pk>/run-again", views.job_run_again, name="job_run_again"),
]
