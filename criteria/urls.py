from django.urls import path

from . import views

app_name = "criteria"

assessment = "communes/<str:code>/assessment/<str:set_code>/<int:year>/<int:number>/"
urlpatterns = [
    # What waits for the user's verification (before the library's criteria/<code>/).
    path("criteria/verification/", views.verification_queue, name="verification_queue"),
    # The library, and its workbooks (before criteria/<code>/, which would take "import").
    path("criteria/", views.set_list, name="set_list"),
    path("criteria/import/", views.criteria_import, name="criteria_import"),
    path("criteria/import/template.xlsx", views.criteria_template, name="criteria_template"),
    path("criteria/<str:code>/", views.set_detail, name="set_detail"),
    path("criteria/<str:code>/workbook.xlsx", views.set_workbook, name="set_workbook"),
    path("criteria/<str:code>/copy/", views.set_copy, name="set_copy"),
    path("criteria/<str:code>/edit/", views.set_edit, name="set_edit"),
    path("criteria/<str:code>/criteria/<int:number>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<str:code>/indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    # Who owns which criterion, per district or province.
    path("criteria/<str:code>/owners/<str:level>/<str:unit_code>/", views.owners, name="owners"),
    # Scores in and out of Excel (DESIGN §5).
    path("criteria/scores/import/", views.scores_import, name="scores_import"),
    path("criteria/scores/export.<str:format>", views.scores_export, name="scores_export"),
    path(
        "communes/<str:code>/assessment/<str:set_code>/<int:year>/template.xlsx",
        views.scores_template,
        name="scores_template",
    ),
    # A commune's self-assessment and its verification, one criterion per page.
    path(assessment, views.score_entry, name="score_entry"),
    path(f"{assessment}verify/<int:indicator_pk>/", views.score_verify, name="score_verify"),
    # Registration of a target year, and recognition decisions.
    path("communes/<str:code>/registrations/new/", views.registration_create, name="registration_create"),
    path(
        "communes/<str:code>/registrations/<int:pk>/confirm/",
        views.registration_confirm,
        name="registration_confirm",
    ),
    path("communes/<str:code>/recognitions/new/", views.recognition_create, name="recognition_create"),
    path(
        "communes/<str:code>/recognitions/<int:pk>/revoke/",
        views.recognition_revoke,
        name="recognition_revoke",
    ),
]
