from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("reports.urls")),
    path("communes/", include("communes.urls")),
    path("criteria/", include("criteria.urls")),
    path("accounts/", include("ntm.accounts_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
