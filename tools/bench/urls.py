"""The product's URLs plus the floor, used only while the bench runs."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def floor(request):
    """What any logged-in page costs before it does anything: middleware, session, user."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("ntm.urls")),
]
