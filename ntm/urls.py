from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Quản trị hệ thống NTM Tracker")
admin.site.site_title = _("Quản trị NTM Tracker")
admin.site.index_title = _("Dữ liệu hệ thống")
handler500 = "ntm.views.server_error"

urlpatterns = [
    # Apps own their full paths: several share the /communes/<code>/ prefix
    # (the scorecard is a report, the assessment pages belong to criteria).
    # Before the apps' /communes/<code>/ pages, so "merge/" is not read as a commune code.
    path("communes/", include("communes.urls")),
    path("", include("reports.urls")),
    path("", include("criteria.urls")),
    path("", include("dossiers.urls")),
    path("", include("notifications.urls")),
    path("", include("meetings.urls")),
    path("", include("audit.urls")),
    path("", include("jobs.urls")),
    path("accounts/", include("ntm.accounts_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
