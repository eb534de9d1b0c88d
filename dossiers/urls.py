from django.urls import path, re_path

from . import views

app_name = "dossiers"
urlpatterns = [
    path("dossiers/", views.progress, name="progress"),
    path("communes/<str:code>/dossiers/open/", views.dossier_open, name="dossier_open"),
    path("dossiers/<int:pk>/", views.dossier_detail, name="dossier_detail"),
    re_path(
        r"^dossiers/(?P<pk>\d+)/(?P<action>submit|return|accept|send)/$",
        views.dossier_action,
        name="dossier_action",
    ),
    path("dossiers/<int:pk>/due/", views.dossier_due, name="dossier_due"),
    path("dossiers/<int:pk>/items/<int:item_pk>/", views.item_detail, name="item_detail"),
    path("dossiers/<int:pk>/items/<int:item_pk>/upload/", views.item_upload, name="item_upload"),
    path("dossiers/<int:pk>/documents/<int:document_pk>/", views.document_download, name="document_download"),
    path("dossiers/<int:pk>/documents/<int:document_pk>/view/", views.document_view, name="document_view"),
    path(
        "dossiers/<int:pk>/documents/<int:document_pk>/inline/",
        views.document_inline,
        name="document_inline",
    ),
    path(
        "dossiers/<int:pk>/documents/<int:document_pk>/withdraw/",
        views.document_withdraw,
        name="document_withdraw",
    ),
    path("dossiers/<int:pk>/appraisals/", views.appraisals, name="appraisals"),
    path("dossiers/<int:pk>/recognition/", views.recognition, name="recognition"),
    path("dossiers/<int:pk>/package.zip", views.package, name="package"),
    path("dossiers/<int:pk>/package/background/", views.package_job, name="package_job"),
]
