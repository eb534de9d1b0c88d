from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit_list, name="list"),
    path("audit/export.<str:format>", views.audit_export, name="export"),
]
