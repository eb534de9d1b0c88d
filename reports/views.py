from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from communes.access import access_for
from criteria.models import CriteriaSet


@login_required
def home(request):
    """The overview: the communes the user may see and the commune criteria sets."""
    communes = list(
        access_for(request.user)
        .visible_communes()
        .select_related("district")
        .annotate(village_count=Count("villages"))
        .order_by("name")
    )
    context = {
        "communes": communes,
        "village_total": sum(c.village_count for c in communes),
        "criteria_sets": list(
            CriteriaSet.objects.filter(level=CriteriaSet.Level.COMMUNE).order_by("-period", "tier", "code")
        ),
    }
    return render(request, "reports/home.html", context)
