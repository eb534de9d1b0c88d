from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from communes.access import access_for
from criteria.models import CriteriaSet


@login_required
def home(request):
    """The district overview: the communes the user may see, at a glance."""
    access = access_for(request.user)
    communes = (
        access.visible_communes()
        .select_related("district")
        .annotate(village_count=Count("villages"))
        .order_by("name")
    )
    context = {
        "communes": communes,
        "criteria_sets": CriteriaSet.objects.filter(level=CriteriaSet.Level.COMMUNE).order_by("-period", "tier")[:6],
    }
    return render(request, "reports/home.html", context)
