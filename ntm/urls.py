from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    # Apps own their full paths: several share the /communes/<code>/ prefix
    # (the scorecard is a report, the assessment pages belong to criteria).
    path("", include("reports.urls")),
    path("", include("criteria.urls")),
    path("", include("dossiers.urls")),
    path("communes/", include("communes.urls")),
    path("accounts/", include("ntm.accounts_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
