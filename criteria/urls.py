from django.urls import path

from . import views

app_name = "criteria"
urlpatterns = [
    path("", views.set_list, name="set_list"),
    path("<str:code>/", views.set_detail, name="set_detail"),
    path("<str:code>/copy/", views.set_copy, name="set_copy"),
    path("<str:code>/edit/", views.set_edit, name="set_edit"),
    path("<str:code>/criteria/<int:number>/edit/", views.criterion_edit, name="criterion_edit"),
    path("<str:code>/indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
]
