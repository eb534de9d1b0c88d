from django.urls import path

from . import views

app_name = "communes"
urlpatterns = [
    path("", views.commune_list, name="commune_list"),
    path("merge/", views.commune_merge, name="commune_merge"),
    path("import/", views.units_import, name="units_import"),
]
