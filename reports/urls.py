from django.urls import path

from . import views
from .models import ReportKind

app_name = "reports"


def report_paths(kind: str, prefix: str) -> list:
    """Preview, .pdf, .xlsx and the snapshot form of one report, at stable addresses,
    named after the report's kind ("district", "district_pdf", ...)."""
    name = str(kind)
    return [
        path(f"reports/{prefix}/", views.report_preview, {"kind": kind}, name=name),
        path(
            f"reports/{prefix}.pdf",
            views.report_download,
            {"kind": kind, "extension": "pdf"},
            name=f"{name}_pdf",
        ),
        path(
            f"reports/{prefix}.xlsx",
            views.report_download,
            {"kind": kind, "extension": "xlsx"},
            name=f"{name}_xlsx",
        ),
        path(f"reports/{prefix}/snapshot/", views.snapshot_create, {"kind": kind}, name=f"{name}_snapshot"),
        path(f"reports/{prefix}/background/", views.report_job, {"kind": kind}, name=f"{name}_job"),
    ]


urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("communes/<str:code>/", views.scorecard, name="scorecard"),
    path("reports/", views.report_index, name="index"),
    *report_paths(ReportKind.DISTRICT, "district"),
    *report_paths(ReportKind.DOSSIERS, "dossiers"),
    *report_paths(ReportKind.COMMUNE, "communes/<str:code>"),
    path("reports/snapshots/", views.snapshot_list, name="snapshot_list"),
    path("reports/snapshots/<int:pk>.pdf", views.snapshot_download, name="snapshot_download"),
    path(
        "reports/signature/<str:kind>/<int:pk>/",
        views.signature_edit,
        name="signature_edit",
    ),
]
