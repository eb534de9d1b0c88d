"""The product's URLs plus the floors, used only while the bench runs."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


@login_required
def floor(request):
    """The minimal logged-in view, the issue's unit of page cost: the site's frame (menu,
    roles, language) around an empty page, as every page of the product pays it."""
    return render(request, "base.html")


@login_required
def bare(request):
    """What a logged-in request costs before any page: middleware, session, user."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("ntm.urls")),
]
