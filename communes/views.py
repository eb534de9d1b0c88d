from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from .access import access_for, get_commune_for_user


@login_required
def commune_list(request):
    """The communes the user may see, searchable without diacritics."""
    query = request.GET.get("q", "").strip()
    communes = (
        access_for(request.user)
        .visible_communes()
        .search(query)
        .select_related("district", "province")
        .annotate(village_count=Count("villages"))
        .order_by("name")
    )
    page = Paginator(communes, 50).get_page(request.GET.get("page"))
    return render(request, "communes/commune_list.html", {"page": page, "query": query})


@login_required
def commune_detail(request, code):
    """One commune: its particulars, predecessors and villages."""
    commune = get_commune_for_user(request.user, code)
    query = request.GET.get("q", "").strip()
    villages = commune.villages.search(query).order_by("name")
    context = {
        "commune": commune,
        "villages": villages,
        "query": query,
        "predecessors": commune.predecessors.order_by("name"),
        "successors": commune.successors.order_by("name"),
    }
    return render(request, "communes/commune_detail.html", context)
